/** Deployment packages: checked as the Portal checks them, then deployed in the background (the `$StorageAssets` copy: deployment-job.ts). */
import { rm } from 'node:fs/promises';
import { KxpError, toKxpError } from '../../errors.js';
import { checkPackage } from '../../package/check.js';
import { canDeployTo, type DeploymentInfo, type EnvironmentName, type Role } from '../types.js';
import { forbidden, newId, type EmulatorCore } from './core.js';
import { deployStorageAssets } from './deployment-job.js';

/** Refuses early what needs no package: a wrong project, a role that may not deploy there, a busy environment. */
export function assertCanDeploy(core: EmulatorCore, role: Role, projectGuid: string, env: EnvironmentName): void {
  if (projectGuid.toLowerCase() !== core.projectGuid.toLowerCase()) {
    throw new KxpError('PORTAL_NOT_FOUND', 'No project with this GUID.', { hint: "Copy the PROJECT_GUID from the Portal's Dashboard (Project info)." });
  }
  if (!canDeployTo(role, env)) {
    throw forbidden(role, `upload a deployment package to ${env}`, 'Tenant administrator or DevOps (everyone may deploy to qa)');
  }
  if (!core.state.environments[env].available) {
    throw new KxpError('PORTAL_CONFLICT', `The ${env} environment is busy (a deployment or restore is running); try again when it ends.`);
  }
}

/**
 * Checks an uploaded package as the Portal does, then deploys it in the background: the environment is
 * unavailable meanwhile, gets the package's Xperience version, and its containers the \$StorageAssets.
 * The file is removed when the deployment ends. Resolves with the started deployment.
 */
export async function deployPackage(core: EmulatorCore, role: Role, projectGuid: string, env: EnvironmentName, file: string): Promise<DeploymentInfo> {
  const started = await core.exclusive(async () => {
    assertCanDeploy(core, role, projectGuid, env);
    const environment = core.state.environments[env];
    const report = await checkPackage(file, { shownAs: 'the package', environmentVersion: environment.deployedVersion ?? undefined, signal: core.stopJobs.signal });
    if (!report.ok) {
      const listed = report.errors.slice(0, 5).map((finding) => `[${finding.code}] ${finding.path}: ${finding.message}`).join(' ');
      throw new KxpError('PACKAGE_INVALID', `The package was refused: ${listed}`, { hint: 'Run kxp-restore package check on it, fix what it lists, and upload again.' });
    }
    const deployment: DeploymentInfo = {
      id: newId('d'),
      env,
      state: 'deploying',
      startedAt: core.clock.now().toISOString(),
      bytes: report.bytes,
      assemblyName: report.assemblyName,
      applicationVersion: report.applicationVersion,
      xperienceVersion: report.xperienceVersion,
      storageAssets: report.storageAssets && report.storageAssets.files > 0 ? { mode: report.deploymentMode ?? 'Create', added: 0, overwritten: 0, kept: 0 } : null,
    };
    (core.state.deployments ??= []).push(deployment);
    environment.available = false;
    await core.persist();
    core.emit({ type: 'deployment-updated', deployment: { ...deployment } });
    core.jobs.set(deployment.id, runDeployment(core, deployment, file));
    return { ...deployment };
  }).catch(async (error: unknown) => {
    await rm(file, { force: true });
    throw error;
  });
  return started;
}

export function deployments(core: EmulatorCore): DeploymentInfo[] {
  return (core.state.deployments ?? []).map((deployment) => ({ ...deployment }));
}

/** Resolves when the deployment has succeeded or failed (tests and the rehearsal; HTTP clients poll). */
export async function whenDeploymentSettled(core: EmulatorCore, deploymentId: string): Promise<DeploymentInfo> {
  await core.jobs.get(deploymentId);
  const found = deployments(core).find((deployment) => deployment.id === deploymentId);
  if (!found) throw new KxpError('PORTAL_NOT_FOUND', `No deployment with id ${deploymentId}.`);
  return found;
}

async function runDeployment(core: EmulatorCore, deployment: DeploymentInfo, file: string): Promise<void> {
  const signal = core.stopJobs.signal;
  const environment = core.state.environments[deployment.env];
  try {
    if (deployment.storageAssets) {
      const outcome = await deployStorageAssets(file, core.environmentStorage(deployment.env), deployment.storageAssets.mode === 'CreateUpdate' ? 'CreateUpdate' : 'Create', signal);
      deployment.storageAssets = { ...deployment.storageAssets, ...outcome };
    }
    if (deployment.xperienceVersion !== null) {
      environment.version = deployment.xperienceVersion;
      environment.deployedVersion = deployment.xperienceVersion;
    }
    environment.application = { assemblyName: deployment.assemblyName, version: deployment.applicationVersion, deploymentId: deployment.id };
    Object.assign(deployment, { state: 'succeeded', finishedAt: core.clock.now().toISOString() });
  } catch (thrown) {
    const error = toKxpError(signal.aborted ? signal.reason : thrown);
    Object.assign(deployment, { state: 'failed', finishedAt: core.clock.now().toISOString(), reasonCode: error.code, reason: error.message });
  } finally {
    environment.available = true;
    await rm(file, { force: true });
    await core.persist();
    core.emit({ type: 'deployment-updated', deployment: { ...deployment } });
  }
}
