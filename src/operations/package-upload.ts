/**
 * `package upload`: check the package (and, with a bacpac, the versions agree) so nothing is sent when the
 * deployment would fail; the environment's name typed back for anything but qa; then the upload, and when
 * the Portal answers with the started deployment (the emulator does), its end.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KxpError } from '../errors.js';
import { PORTAL_URL, uploadDeploymentPackage, type DeploymentUploadEvent, type DeploymentUploadOptions, type DeploymentUploadResult } from '../portal/deployment-upload.js';
import { HttpPortal } from '../portal/http-portal.js';
import { confirmEnvironment } from '../portal/restore-flow.js';
import type { DeploymentInfo, EnvironmentName } from '../portal/types.js';
import { checkDeploymentPackage, type DeploymentPackageCheck } from './package-check.js';

export interface PackageUploadOptions extends Omit<DeploymentUploadOptions, 'onEvent'> {
  /** A database export the package must agree with (same Xperience version). */
  bacpac?: string;
  cwd?: string;
  /** `--yes`: no typed confirmation for environments other than qa. */
  assumeYes?: boolean;
  askConfirmation?: (env: EnvironmentName) => Promise<string>;
  /** Pause between polls of the deployment history, when the Portal names the deployment. Default 500 ms. */
  pollIntervalMs?: number;
  onEvent?: (event: PackageUploadEvent) => void;
}

export type PackageUploadEvent = { type: 'package-checked'; check: DeploymentPackageCheck } | DeploymentUploadEvent | { type: 'deployment-status'; deployment: DeploymentInfo };

export interface PackageUploadReport {
  check: DeploymentPackageCheck;
  upload: DeploymentUploadResult;
  /** The deployment at its end, when the Portal named it (the emulator); null for the real Portal. */
  deployment: DeploymentInfo | null;
}

export async function uploadPackage(file: string, options: PackageUploadOptions): Promise<PackageUploadReport> {
  const check = await checkDeploymentPackage(file, { bacpac: options.bacpac, cwd: options.cwd, signal: options.signal });
  options.onEvent?.({ type: 'package-checked', check });
  if (!check.ok) {
    const count = check.errors.length;
    throw new KxpError('PACKAGE_INVALID', `The package has ${count} problem${count === 1 ? '' : 's'} that would make the deployment fail; nothing was sent.`, {
      path: check.path,
      hint: 'Fix them (listed above, or run `kxp-restore package check`) and upload again.',
    });
  }
  if (options.env !== 'qa') {
    await confirmEnvironment(options.env, options, `Uploading straight to ${options.env} deploys it there at once, skipping qa (an emergency deployment)`);
  }
  const absolute = path.resolve(options.cwd ?? process.cwd(), file);
  const upload = await uploadDeploymentPackage(absolute, { ...options, onEvent: options.onEvent });
  const started = upload.deployment;
  if (!started) return { check, upload, deployment: null };
  return { check, upload, deployment: await waitForDeployment(new HttpPortal({ url: options.portalUrl ?? PORTAL_URL, token: options.token }), started, options) };
}

/** Polls the deployment history until the deployment has succeeded or failed; throws DEPLOYMENT_FAILED on failure. */
export async function waitForDeployment(portal: HttpPortal, started: DeploymentInfo, options: Pick<PackageUploadOptions, 'pollIntervalMs' | 'signal' | 'onEvent'>): Promise<DeploymentInfo> {
  let deployment = started;
  options.onEvent?.({ type: 'deployment-status', deployment });
  while (deployment.state === 'deploying') {
    await delay(options.pollIntervalMs ?? 500, undefined, { signal: options.signal });
    deployment = (await portal.listDeployments({ signal: options.signal })).find((candidate) => candidate.id === started.id) ?? deployment;
    if (deployment.state !== 'deploying') options.onEvent?.({ type: 'deployment-status', deployment });
  }
  if (deployment.state === 'failed') {
    throw new KxpError('DEPLOYMENT_FAILED', `The deployment ${deployment.id} to ${deployment.env} failed: ${deployment.reason ?? 'no reason given'}`);
  }
  return deployment;
}
