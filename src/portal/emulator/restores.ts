/** Restore points and restores of an environment from the session's containers (the copying itself: restore-job.ts). */
import { ContainerSASPermissions, generateBlobSASQueryParameters, SASProtocol } from '@azure/storage-blob';
import { KxpError, toKxpError } from '../../errors.js';
import { canRestoreTo, type EnvironmentName, type RestoreInfo, type RestorePoint, type Role } from '../types.js';
import { forbidden, newId, type EmulatorCore } from './core.js';
import { applyRestore, validateRestoreSource, type RestoreSource, type RestoreTarget } from './restore-job.js';
import { requireSession } from './sessions.js';
import type { StoredSession } from './state.js';

export async function createRestorePoint(core: EmulatorCore, role: Role, env: EnvironmentName): Promise<RestorePoint> {
  return core.exclusive(async () => {
    assertCanRestore(core, role, env, 'create a restore point of');
    const database = core.environmentDatabase(env).getBlobClient('db.bacpac');
    const snapshot = (await database.exists()) ? ((await database.createSnapshot()).snapshot ?? null) : null;
    const point = { id: newId('rp-'), env, createdAt: core.clock.now().toISOString() };
    core.state.restorePoints.push({ ...point, snapshot });
    await core.persist();
    core.emit({ type: 'restore-point', point });
    return point;
  });
}

export async function startRestore(core: EmulatorCore, role: Role, env: EnvironmentName): Promise<string> {
  return core.exclusive(async () => {
    assertCanRestore(core, role, env, 'restore to');
    const session = await requireSession(core);
    const running = core.running();
    if (running) {
      throw new KxpError('PORTAL_CONFLICT', `A restore to ${running.env} (${running.id}) is already running; wait until it ends.`, {
        hint: `kxp-restore restore --env ${running.env} follows it to the end.`,
      });
    }
    if (!core.state.environments[env].available) {
      throw new KxpError('PORTAL_CONFLICT', `The ${env} environment is unavailable: a deployment to it is running. Wait until it ends.`);
    }
    const restore: RestoreInfo = { id: newId('r'), env, state: 'validating', startedAt: core.clock.now().toISOString(), step: 'checking the uploaded data' };
    core.state.restores.push(restore);
    await core.persist();
    core.emit({ type: 'restore-updated', restore: { ...restore } });
    core.jobs.set(restore.id, runRestore(core, session, restore));
    return restore.id;
  });
}

export async function getRestore(core: EmulatorCore, _role: Role, restoreId: string): Promise<RestoreInfo> {
  const restore = core.state.restores.find((candidate) => candidate.id === restoreId);
  if (!restore) throw new KxpError('PORTAL_NOT_FOUND', `No restore with id ${restoreId}.`);
  return { ...restore };
}

/** Resolves when the restore has succeeded or failed (for tests and the rehearsal; the HTTP client polls). */
export async function whenRestoreSettled(core: EmulatorCore, restoreId: string): Promise<RestoreInfo> {
  await core.jobs.get(restoreId);
  return getRestore(core, 'tenant-administrator', restoreId);
}

function assertCanRestore(core: EmulatorCore, role: Role, env: EnvironmentName, action: string): void {
  if (!canRestoreTo(role, env)) {
    throw forbidden(role, `${action} the ${env} environment`, 'Tenant administrator or DevOps (Developers may restore to qa and uat)');
  }
}

async function runRestore(core: EmulatorCore, session: StoredSession, restore: RestoreInfo): Promise<RestoreInfo> {
  const signal = core.stopJobs.signal;
  const environment = core.state.environments[restore.env];
  const update = (changes: Partial<RestoreInfo>) => {
    Object.assign(restore, changes);
    core.emit({ type: 'restore-updated', restore: { ...restore } });
  };
  const source: RestoreSource = {
    database: core.sessionContainer(session, 'database'),
    storage: core.sessionContainer(session, 'storage'),
    copySourceUrl: (container, blobName) => {
      const sas = generateBlobSASQueryParameters(
        { containerName: container.containerName, permissions: ContainerSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000), protocol: SASProtocol.HttpsAndHttp },
        core.azurite.credential,
      ).toString();
      return `${container.getBlobClient(blobName).url}?${sas}`;
    },
  };
  const target: RestoreTarget = {
    database: core.environmentDatabase(restore.env),
    storage: core.environmentStorage(restore.env),
    version: environment.version,
    name: restore.env,
  };
  try {
    const validated = await validateRestoreSource(source, target, core.readBacpacVersion, signal);
    environment.available = false;
    update({ state: 'running', databaseVersion: validated.databaseVersion, step: 'starting' });
    await core.persist();
    await applyRestore(source, target, validated, (step) => update({ step }), signal);
    if (validated.databaseVersion !== null) environment.version = validated.databaseVersion;
    environment.available = true;
    update({ state: 'succeeded', step: 'done', finishedAt: core.clock.now().toISOString() });
  } catch (thrown) {
    const error = toKxpError(signal.aborted ? signal.reason : thrown);
    const touched = restore.state === 'running';
    environment.available = true;
    update({
      state: 'failed',
      finishedAt: core.clock.now().toISOString(),
      reasonCode: error.code,
      reason: error.message + (error.hint ? ` ${error.hint}` : '') + (touched ? ' The environment may be partly restored: use its restore point to go back.' : ''),
    });
  } finally {
    environment.available = true;
    await core.persist();
  }
  return { ...restore };
}
