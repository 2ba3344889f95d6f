/** Text and JSON renderings of a PlanReport. Decides nothing; only shows. */
import type { PlanReport } from '../operations/plan.js';
import { escapeName } from './escape.js';
import { findingJson, renderFindings } from './findings.js';
import { describePackage, packageCheckJson } from './package.js';
import { formatBytes, formatDuration, plural } from './format.js';
import { layoutJson, layoutLines } from './layout.js';

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

export function renderPlan(report: PlanReport, title: string, columns?: number): string {
  const lines: string[] = [`Plan for ${title}`, ''];
  if (report.bacpac) {
    const renamed = report.bacpac.renamed ? ' (uploaded as db.bacpac)' : '';
    lines.push(`Database  ${escapeName(report.bacpac.path)} → db.bacpac${renamed}  ${formatBytes(report.bacpac.bytes)}`);
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
    for (const file of report.largest) lines.push(`  ${formatBytes(file.bytes).padStart(10)}  ${escapeName(file.path)}`);
  }
  if (report.errorCount + report.warningCount > 0) {
    lines.push('', `Findings: ${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')}`, renderFindings(report.errors, report.warnings, report.omitted, columns));
  }
  lines.push(
    '',
    report.ok
      ? 'Ready: no errors. Nothing was sent.'
      : `Not ready: fix the ${plural(report.errorCount, 'error')} above and run plan again. Nothing was sent.`,
  );
  return lines.join('\n') + '\n';
}
