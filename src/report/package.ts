/** Text and JSON of `package check` and `package upload`. Decides nothing; only shows. */
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { DeploymentPackageCheck } from '../operations/package-check.js';
import type { PackageUploadEvent, PackageUploadReport } from '../operations/package-upload.js';
import type { DeploymentInfo } from '../portal/types.js';
import { findingJson, renderFindings } from './findings.js';
import { formatBytes, formatDuration, plural } from './format.js';

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
    productPackages: report.productPackages,
    integrations: report.integrations,
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
  lines.push(`Xperience    ${report.xperienceVersion ?? 'unknown'}${report.zeroDowntime ? ', zero-downtime ready' : ''}${productLine(report.productPackages)}`);
  const integrations = Object.entries(report.integrations);
  if (integrations.length > 0) {
    lines.push(`Integrations ${plural(integrations.length, 'Kentico integration')} with versions of their own (not compared):`);
    for (const [name, version] of integrations) lines.push(`  ${name} ${version}`);
  }
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

/** " (6 product packages)": how many packages the version was read from. */
function productLine(packages: Record<string, string>): string {
  const count = Object.keys(packages).length;
  return count === 0 ? '' : ` (${plural(count, 'product package')})`;
}

export function renderDeployConfirmationPrompt(env: string): string {
  return `Uploading straight to ${env} deploys the package there at once (an emergency deployment, skipping qa). Type "${env}" to continue:`;
}

/** Live lines of `package upload`: where it goes, progress by quarters off a terminal, retries, the deployment's end. */
export function createPackageUploadView(stream: Writable & { isTTY?: boolean }): { handle(event: PackageUploadEvent): void; stop(): void } {
  let bar: cliProgress.SingleBar | undefined;
  let quarter = -1;
  return {
    handle(event) {
      switch (event.type) {
        case 'package-checked':
          if (event.check.errors.length + event.check.warnings.length > 0) stream.write(renderFindings(event.check.errors, event.check.warnings) + '\n');
          if (event.check.ok) stream.write(`Checked ${describePackage(event.check)}: no errors.\n`);
          return;
        case 'package-upload-start':
          stream.write(`Uploading ${formatBytes(event.bytes)} to ${event.url}${event.proxy ? ` through proxy ${event.proxy.url} (${event.proxy.variable})` : ''}${event.attempt > 1 ? ` (try ${event.attempt})` : ''}…\n`);
          quarter = -1;
          if (stream.isTTY) {
            bar?.stop();
            bar = new cliProgress.SingleBar({ stream, format: '  [{bar}] {percentage}% · {sent} of {size}', hideCursor: false, clearOnComplete: true }, cliProgress.Presets.shades_classic);
            bar.start(event.bytes, 0, { sent: formatBytes(0), size: formatBytes(event.bytes) });
          }
          return;
        case 'package-progress': {
          if (bar) {
            bar.update(event.bytesSent, { sent: formatBytes(event.bytesSent), size: formatBytes(event.bytesTotal) });
            return;
          }
          const now = event.bytesTotal === 0 ? 4 : Math.floor((event.bytesSent / event.bytesTotal) * 4);
          if (now > quarter) {
            quarter = now;
            stream.write(`  ${formatBytes(event.bytesSent)} of ${formatBytes(event.bytesTotal)} (${Math.floor((event.bytesSent / Math.max(1, event.bytesTotal)) * 100)}%)\n`);
          }
          return;
        }
        case 'package-retry':
          bar?.stop();
          bar = undefined;
          stream.write(`The connection failed (${event.reason}); a POST cannot resume, so the whole package is sent again in ${formatDuration(event.delayMs / 1000)} (try ${event.attempt} of ${event.attempts}).\n`);
          return;
        case 'deployment-status':
          bar?.stop();
          bar = undefined;
          stream.write(renderDeploymentStatus(event.deployment));
          return;
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

export function renderDeploymentStatus(deployment: DeploymentInfo): string {
  if (deployment.state === 'deploying') return `Deployment ${deployment.id} to ${deployment.env} started; ${deployment.env} is unavailable while it runs.\n`;
  if (deployment.state === 'failed') return `Deployment ${deployment.id} to ${deployment.env} failed: ${deployment.reason ?? 'no reason given'}\n`;
  const assets = deployment.storageAssets ? `; storage assets (${deployment.storageAssets.mode}): ${deployment.storageAssets.added} added, ${deployment.storageAssets.overwritten} overwritten, ${deployment.storageAssets.kept} kept` : '';
  return `Deployment ${deployment.id} to ${deployment.env} succeeded: ${deployment.env} now runs ${deployment.assemblyName ?? '?'} ${deployment.applicationVersion ?? ''} on Xperience ${deployment.xperienceVersion ?? '?'}${assets}.\n`;
}

export function renderPackageUploadResult(report: PackageUploadReport, env: string): string {
  const tries = report.upload.attempts > 1 ? ` after ${report.upload.attempts} tries` : '';
  if (report.deployment) return `Package uploaded${tries} (${formatBytes(report.upload.bytes)}, answer ${report.upload.status}) and deployed to ${env}.\n`;
  return `Package uploaded${tries} (${formatBytes(report.upload.bytes)}, answer ${report.upload.status}). Follow the deployment to ${env} in the Portal: Deployments → Deployment history (allow a few minutes).\n`;
}

export function packageUploadJson(report: PackageUploadReport) {
  return { ok: true, check: packageCheckJson(report.check), upload: { status: report.upload.status, bytes: report.upload.bytes, attempts: report.upload.attempts }, deployment: report.deployment };
}
