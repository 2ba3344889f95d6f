/** Text and JSON renderings of a PlanReport and of findings. Decides nothing; only shows. */
import type { PlanReport } from '../operations/plan.js';
import { KEPT_PER_CODE, type Finding, type OmittedFindings } from '../rules/finding.js';
import { describePackage, packageCheckJson } from './package.js';
import { formatBytes, formatCount, formatDuration, plural } from './format.js';
import { layoutJson, layoutLines } from './layout.js';

/** How many findings of one code are listed before the rest are summarised. */
const SHOWN_PER_CODE = 20;

/** The `--json` object of `plan`: the shape, plus the summary figures. */
export function planJson(report: PlanReport) {
  return {
    ok: report.ok,
    errors: report.errors.map(findingJson),
    warnings: report.warnings.map(findingJson),
    // errors and warnings hold the first KEPT_PER_CODE of each code; these say how many there are in all.
    counts: { errors: report.errorCount, warnings: report.warningCount },
    omitted: report.omitted,
    totals: report.totals,
    bacpac: report.bacpac ? { path: report.bacpac.path, bytes: report.bacpac.bytes, ...(report.bacpac.xperienceVersion === undefined ? {} : { xperienceVersion: report.bacpac.xperienceVersion }) } : null,
    largest: report.largest,
    packageLimit: { bytes: report.packageLimitBytes, exceeded: report.exceedsPackageLimit },
    storageLimit: report.storageLimitBytes === null ? null : { bytes: report.storageLimitBytes, used: report.storageBytes },
    estimate: { bandwidthMbps: report.bandwidthMbps, seconds: Math.round(report.estimatedSeconds * 10) / 10 },
    layout: report.layout === null ? null : layoutJson(report.layout),
    ...(report.deploymentPackage ? { package: packageCheckJson(report.deploymentPackage) } : {}),
    remote: report.remote,
  };
}

export function findingJson(finding: Finding): { code: string; path: string; message: string } {
  return { code: finding.code, path: finding.path, message: finding.message };
}

/**
 * Findings grouped by severity then code, each with its path and fix; long runs of one code are cut short
 * (`omitted`: those the report only counted).
 */
export function renderFindings(errors: Finding[], warnings: Finding[], omitted: readonly OmittedFindings[] = []): string {
  const lines: string[] = [];
  for (const [label, findings] of [
    ['error', errors],
    ['warning', warnings],
  ] as const) {
    const byCode = new Map<string, Finding[]>();
    for (const finding of findings) {
      const list = byCode.get(finding.code);
      if (list) list.push(finding);
      else byCode.set(finding.code, [finding]);
    }
    for (const [code, list] of byCode) {
      for (const finding of list.slice(0, SHOWN_PER_CODE)) {
        lines.push(`  ${label.padEnd(7)} ${code}  ${finding.path}`);
        lines.push(`          ${finding.message}`);
      }
      const uncounted = omitted.find((other) => other.code === code && other.severity === label)?.count ?? 0;
      const more = list.length - Math.min(list.length, SHOWN_PER_CODE) + uncounted;
      const where = uncounted > 0 ? `--json lists the first ${KEPT_PER_CODE}` : '--json lists them all';
      if (more > 0) lines.push(`  ${label.padEnd(7)} ${code}  … and ${formatCount(more)} more (${where})`);
    }
  }
  return lines.join('\n');
}

export function renderPlan(report: PlanReport, title: string): string {
  const lines: string[] = [`Plan for ${title}`, ''];
  if (report.bacpac) {
    const renamed = report.bacpac.renamed ? ' (uploaded as db.bacpac)' : '';
    lines.push(`Database  ${report.bacpac.path} → db.bacpac${renamed}  ${formatBytes(report.bacpac.bytes)}`);
    const version = report.bacpac.xperienceVersion;
    if (version !== undefined) lines.push(`          Xperience ${version ?? 'version: none (not an Xperience database, see warnings)'}`);
  } else {
    lines.push('Database  none (no db.bacpac in this payload)');
  }
  const containers = Object.entries(report.totals.containers);
  if (containers.length === 0) {
    lines.push('Storage   none (no files under storage/<container>/)');
  } else {
    lines.push(`Storage   ${plural(containers.length, 'container')}, ${formatBytes(report.storageBytes)}${report.lowercase ? ', names lowercased on the way' : ''}`);
    const width = Math.max(...containers.map(([name]) => name.length), 9);
    for (const [name, totals] of containers) {
      lines.push(`  ${name.padEnd(width)}  ${plural(totals.files, 'file').padStart(13)}  ${formatBytes(totals.bytes).padStart(10)}`);
    }
  }
  for (const part of report.remote) {
    const unmapped = part.unmapped > 0 ? `; ${plural(part.unmapped, 'blob')} no --map covers, skipped` : '';
    lines.push(`Remote    ${part.label}: ${plural(part.files, 'blob')}, ${formatBytes(part.bytes)}, copied by Azure Storage itself (not through this machine)${unmapped}`);
  }
  if (report.layout) lines.push(...layoutLines(report.layout));
  lines.push(`Total     ${plural(report.totals.files, 'file')}, ${formatBytes(report.totals.bytes)}`);
  if (report.deploymentPackage) lines.push(`Package   ${describePackage(report.deploymentPackage)}`);
  lines.push(
    report.exceedsPackageLimit
      ? `          past the 2 GB deployment-package limit: custom restore is the way to deploy this`
      : `          under the 2 GB deployment-package limit (custom restore works too)`,
  );
  if (report.storageLimitBytes !== null) {
    lines.push(`Limit     ${formatBytes(report.storageBytes)} of ${formatBytes(report.storageLimitBytes)} file storage`);
  }
  const estimate = report.estimatedSeconds < 1 ? 'under a second' : `about ${formatDuration(report.estimatedSeconds)}`;
  lines.push(`Estimate  ${estimate} at ${report.bandwidthMbps} Mbit/s`);
  if (report.largest.length > 0) {
    lines.push('', 'Largest files');
    for (const file of report.largest) lines.push(`  ${formatBytes(file.bytes).padStart(10)}  ${file.path}`);
  }
  if (report.errorCount + report.warningCount > 0) {
    lines.push('', `Findings: ${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')}`, renderFindings(report.errors, report.warnings, report.omitted));
  }
  lines.push(
    '',
    report.ok
      ? 'Ready: no errors. Nothing was sent.'
      : `Not ready: fix the ${plural(report.errorCount, 'error')} above and run plan again. Nothing was sent.`,
  );
  return lines.join('\n') + '\n';
}
