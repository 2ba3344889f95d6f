/** Text and JSON of `package check` and `package upload`. Decides nothing; only shows. */
import type { DeploymentPackageCheck } from '../operations/package-check.js';
import { findingJson, renderFindings } from './plan.js';
import { formatBytes, plural } from './format.js';

/** The `--json` object of `package check` (the issue's shape, plus the compared database). */
export function packageCheckJson(report: DeploymentPackageCheck) {
  return {
    ok: report.ok,
    errors: report.errors.map(findingJson),
    warnings: report.warnings.map(findingJson),
    bytes: report.bytes,
    assemblyName: report.assemblyName,
    applicationVersion: report.applicationVersion,
    xperienceVersion: report.xperienceVersion,
    zeroDowntime: report.zeroDowntime,
    storageAssets: report.storageAssets && { ...report.storageAssets, deploymentMode: report.deploymentMode },
    cdRepository: report.cdRepository,
    bacpac: report.bacpac,
  };
}

/** One line about a package, for plan and rehearse: "DeploymentPackage.zip: KxpRestoreSample 1.0.0 on Xperience 31.1.0". */
export function describePackage(report: DeploymentPackageCheck): string {
  const application = report.assemblyName ? `${report.assemblyName} ${report.applicationVersion ?? '?'}` : 'unknown application';
  return `${report.path}: ${application} on Xperience ${report.xperienceVersion ?? '?'}, ${formatBytes(report.bytes)}`;
}

export function renderPackageCheck(report: DeploymentPackageCheck): string {
  const lines = [`Deployment package ${report.path}`, ''];
  const size = `${formatBytes(report.bytes)} of the ${formatBytes(report.limitBytes)} limit`;
  lines.push(`Size         ${size}${report.bytes > report.limitBytes ? ' (too large)' : ''}`);
  lines.push(`Application  ${report.assemblyName ?? '?'} ${report.applicationVersion ?? ''}`.trimEnd());
  lines.push(`Xperience    ${report.xperienceVersion ?? 'unknown'}${report.zeroDowntime ? ', zero-downtime ready' : ''}`);
  lines.push(`CD repo      ${report.cdRepository ? plural(report.cdRepository.files, 'file') : 'missing'}`);
  const assets = report.storageAssets;
  if (!assets || assets.files === 0) {
    lines.push('Storage      no $StorageAssets');
  } else {
    lines.push(`Storage      ${plural(assets.files, 'file')}, ${formatBytes(assets.bytes)} in ${plural(Object.keys(assets.containers).length, 'container')}, mode ${report.deploymentMode ?? '?'}`);
    for (const [name, totals] of Object.entries(assets.containers)) lines.push(`  ${name || '(no container)'}  ${plural(totals.files, 'file')}, ${formatBytes(totals.bytes)}`);
  }
  if (report.bacpac) lines.push(`Database     ${report.bacpac.path}: ${report.bacpac.version === null ? 'not an Xperience database' : `Xperience ${report.bacpac.version}`}`);
  if (report.errors.length + report.warnings.length > 0) {
    lines.push('', `Findings: ${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`, renderFindings(report.errors, report.warnings));
  }
  lines.push('', report.ok ? 'Ready to deploy: no errors. Nothing was sent.' : `Not ready: fix the ${plural(report.errors.length, 'error')} above and check again. Nothing was sent.`);
  return lines.join('\n') + '\n';
}
