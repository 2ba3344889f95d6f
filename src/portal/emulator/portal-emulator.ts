/**
 * The rules of the Portal's custom restore, enforced over real Azurite storage. The HTTP server in
 * server.ts is a thin layer over this class; tests may also use it directly (clock, settled restores).
 *
 * Storage layout (one Azurite process):
 * - the development account holds the restore containers of the session (`<session>-database`,
 *   `<session>-storage`) and each environment's database (`<env>-database/db.bacpac`);
 * - each environment has its own storage account (`qastorage`, …) whose containers are named exactly
 *   like the uploaded top-level folders (`default`), as a SaaS environment's Blob storage is.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { KxpError, toKxpError } from '../../errors.js';
import type { RunningAzurite } from '../../azure/azurite.js';
import {
  canManage,
  canRestoreTo,
  ENVIRONMENTS,
  RESTORE_WINDOW_MS,
  ROLE_TITLES,
  UPLOAD_WINDOW_MS,
  canDeployTo,
  type AccessGrant,
  type DeploymentInfo,
  type EnvironmentName,
  type RestoreInfo,
  type RestorePoint,
  type Role,
  type SessionInfo,
} from '../types.js';
import { EmulatorClock } from './clock.js';
import { checkPackage } from '../../package/check.js';
import { deployStorageAssets } from './deployment-job.js';
import { applyRestore, validateRestoreSource, type BacpacVersionReader, type RestoreSource, type RestoreTarget } from './restore-job.js';

/** What the issued SAS URLs allow: everything an uploader, a verifier and a tidy-up need. */
const GRANT_PERMISSIONS = 'racwdl';
/** SAS start times reach this far back, for clock skew between machines (Azure's advice for `st`). */
const START_SKEW_MS = 15 * 60 * 1000;

export interface StorageAccount {
  name: string;
  /** Base64 account key. */
  key: string;
}

export interface EnvironmentStatus {
  name: EnvironmentName;
  version: string;
  available: boolean;
  /** The storage account holding the environment's containers. */
  storageAccount: string;
  /** The Xperience version of the last deployment (or of --env-version); null before the first deployment. */
  deployedVersion: string | null;
  /** The application the last deployment put there. */
  application: { assemblyName: string | null; version: string | null; deploymentId: string } | null;
}

type StoredEnvironment = {
  version: string;
  available: boolean;
  account: StorageAccount;
  deployedVersion?: string | null;
  application?: EnvironmentStatus['application'];
};

interface StoredSession {
  id: string;
  createdAt: string;
  uploadUntil: string;
  restoreUntil: string;
  /**
   * The stored access policy of the current access generation, on both containers: created by the first
   * "Get access" after the session's creation or a revoke, deleted by the revoke. Null when there is none.
   * Every grant of a generation is bound to it, so Azure's limit of 5 policies per container never bites.
   * `expiresOn` is on the real clock (Azurite's), fixed when the policy was made; the URLs repeat it.
   */
  policy: { id: string; expiresOn: string } | null;
  /** Generations so far; the next policy is `access-<generations + 1>`. */
  generations: number;
  /** Grants issued in the current generation (all valid until the revoke or day 7). */
  grants: number;
  /** Start time (`st`, real clock, whole seconds) of the last grant; each grant starts later, so no two grants are the same URL. */
  lastStart: string | null;
}

/** Everything the emulator must remember across a restart with `--data`. */
export interface EmulatorState {
  clockOffsetMs: number;
  session: StoredSession | null;
  restores: RestoreInfo[];
  restorePoints: Array<RestorePoint & { snapshot: string | null }>;
  environments: Record<EnvironmentName, StoredEnvironment>;
  /** The project's GUID, as in `/api/deployment/upload/<PROJECT_GUID>/<env>`. */
  projectGuid?: string;
  deployments?: DeploymentInfo[];
}

export type EmulatorEvent =
  | { type: 'session-created'; session: SessionInfo }
  | { type: 'access-granted'; grants: number; allowlist: string | null }
  | { type: 'access-revoked' }
  | { type: 'session-closed'; id: string }
  | { type: 'session-expired'; id: string; uploadsOnly: boolean }
  | { type: 'restore-point'; point: RestorePoint }
  | { type: 'restore-updated'; restore: RestoreInfo }
  | { type: 'deployment-updated'; deployment: DeploymentInfo };

export interface PortalEmulatorOptions {
  azurite: RunningAzurite;
  state: EmulatorState;
  readBacpacVersion: BacpacVersionReader;
  clock?: EmulatorClock;
  /** Called after every change of state (the `--data` mode saves it). */
  persist?: (state: EmulatorState) => Promise<void>;
  onEvent?: (event: EmulatorEvent) => void;
}

/**
 * A fresh state: every environment on `versions`, each with a new storage account. The environments named
 * in `deployed` count as already deployed on their version (a later package may not be older).
 */
export function initialEmulatorState(versions: Record<EnvironmentName, string>, deployed: Partial<Record<EnvironmentName, string>> = {}): EmulatorState {
  const environments = {} as EmulatorState['environments'];
  for (const env of ENVIRONMENTS) {
    environments[env] = { version: versions[env], available: true, account: { name: `${env}storage`, key: randomBytes(32).toString('base64') }, deployedVersion: deployed[env] ?? null, application: null };
  }
  return { clockOffsetMs: 0, session: null, restores: [], restorePoints: [], environments, projectGuid: randomUUID(), deployments: [] };
}

function forbidden(role: Role, action: string, allowed = 'Tenant administrator or DevOps'): KxpError {
  return new KxpError('PORTAL_FORBIDDEN', `The ${ROLE_TITLES[role]} role cannot ${action}; only ${allowed} can.`, {
    hint: 'Ask someone with that role in the Xperience Portal, or use their token.',
  });
}

function newId(prefix: string): string {
  return prefix + randomBytes(4).toString('hex');
}

function parseAllowlist(allowlist: string): { start: string; end?: string } {
  const [start, end, extra] = allowlist.trim().split('-').map((part) => part.trim());
  if (!start || !isIPv4(start) || (end !== undefined && !isIPv4(end)) || extra !== undefined) {
    throw new KxpError('USAGE', `The allowlist "${allowlist}" is not an IPv4 address or range.`, { hint: 'Give an address (203.0.113.7) or a range (203.0.113.0-203.0.113.255).' });
  }
  return end === undefined ? { start } : { start, end };
}

/**
 * The start time of a new grant (real clock: Azurite checks it): whole seconds, as the SAS format has no
 * finer unit, and strictly after the previous grant's, so grants issued in the same second still differ.
 * Starting 15 minutes back leaves room for bursts; only a burst faster than that is refused.
 */
function nextStart(session: StoredSession): Date {
  const realNow = Date.now();
  const earliest = Math.floor((realNow - START_SKEW_MS) / 1000) * 1000;
  const start = Math.max(earliest, session.lastStart === null ? 0 : Date.parse(session.lastStart) + 1000);
  if (start > realNow) {
    throw new KxpError('PORTAL_RULE', 'Too many access grants in a short time.', { hint: 'Keep using the SAS URLs you already have, or wait a moment and get access again.' });
  }
  return new Date(start);
}

export class PortalEmulator {
  readonly clock: EmulatorClock;
  private readonly azurite: RunningAzurite;
  private readonly state: EmulatorState;
  private readonly readBacpacVersion: BacpacVersionReader;
  private readonly persistState: ((state: EmulatorState) => Promise<void>) | undefined;
  private readonly onEvent: ((event: EmulatorEvent) => void) | undefined;
  /** Running restores and deployments by id. */
  private readonly jobs = new Map<string, Promise<unknown>>();
  private readonly stopJobs = new AbortController();
  private readonly unsubscribeClock: () => void;
  /** Requests change shared state (policies, the session) in several awaited steps: one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private saved: Promise<unknown> = Promise.resolve();

  constructor(options: PortalEmulatorOptions) {
    this.azurite = options.azurite;
    this.state = options.state;
    this.readBacpacVersion = options.readBacpacVersion;
    this.persistState = options.persist;
    this.onEvent = options.onEvent;
    this.clock = options.clock ?? new EmulatorClock(options.state.clockOffsetMs);
    // A restore that was running when the emulator stopped cannot be resumed: say so.
    for (const restore of this.state.restores) {
      if (restore.state === 'validating' || restore.state === 'running') {
        Object.assign(restore, { state: 'failed', finishedAt: this.clock.now().toISOString(), reasonCode: 'RESTORE_FAILED', reason: 'The emulator stopped while this restore was running.' });
        this.state.environments[restore.env].available = true;
      }
    }
    this.unsubscribeClock = this.clock.onAdvance(() => {
      this.state.clockOffsetMs = this.clock.offset;
    });
  }

  /** Moves the emulator's time forward and applies what expires on the way (SAS URLs after 7 days, the session after 180). */
  async advanceClock(ms: number): Promise<Date> {
    return this.exclusive(async () => {
      let now: Date;
      try {
        now = this.clock.advance(ms);
      } catch (error) {
        throw new KxpError('USAGE', `${(error as Error).message}; asked to move ${ms} ms.`);
      }
      await this.applyExpiry();
      await this.persist();
      return now;
    });
  }

  // ---- sessions -------------------------------------------------------------------------------

  async createSession(role: Role): Promise<SessionInfo> {
    return this.exclusive(async () => {
      if (!canManage(role)) throw forbidden(role, 'create a custom restore session');
      await this.applyExpiry();
      const current = this.state.session;
      if (current) {
        throw new KxpError('PORTAL_CONFLICT', `A custom restore session (${current.id}, created ${current.createdAt}) is already open; only one session can be open at a time.`, {
          hint: 'Finish with it and close it (kxp-restore session close), then create a new one.',
        });
      }
      const now = this.clock.now();
      const session: StoredSession = {
        id: newId('s'),
        createdAt: now.toISOString(),
        uploadUntil: new Date(now.getTime() + UPLOAD_WINDOW_MS).toISOString(),
        restoreUntil: new Date(now.getTime() + RESTORE_WINDOW_MS).toISOString(),
        policy: null,
        generations: 0,
        grants: 0,
        lastStart: null,
      };
      await this.sessionContainer(session, 'database').create();
      await this.sessionContainer(session, 'storage').create();
      this.state.session = session;
      await this.persist();
      const info = this.describe(session);
      this.onEvent?.({ type: 'session-created', session: info });
      return info;
    });
  }

  async getSession(_role: Role): Promise<SessionInfo> {
    return this.exclusive(async () => {
      return this.describe(await this.requireSession());
    });
  }

  async getAccess(_role: Role, options: { allowlist?: string } = {}): Promise<AccessGrant> {
    return this.exclusive(async () => {
      // Every role may get access: Developers "access the restore containers" too.
      const session = await this.requireSession();
      const now = this.clock.now();
      if (now >= new Date(session.uploadUntil)) {
        throw new KxpError('PORTAL_RULE', `The upload window of session ${session.id} has closed: it expired for uploads on ${session.uploadUntil} (uploads are allowed for 7 days after it was created), so no new SAS URLs are issued.`, {
          hint: `A new session is needed to upload: close this one and create a new one. You can still restore the data already uploaded until ${session.restoreUntil}.`,
        });
      }
      const ipRange = options.allowlist ? parseAllowlist(options.allowlist) : undefined;
      const startsOn = nextStart(session);
      const policy = session.policy ?? (await this.createPolicy(session));
      const expiresOn = new Date(policy.expiresOn);
      // The URL repeats the policy's permissions and expiry (sp, se) so the uploader can check them before sending;
      // Azurite accepts this form and refuses every such URL once the policy is deleted (revoke).
      const urls = (['database', 'storage'] as const).map((part) => {
        const container = this.sessionContainer(session, part);
        const sas = generateBlobSASQueryParameters(
          { containerName: container.containerName, identifier: policy.id, permissions: ContainerSASPermissions.parse(GRANT_PERMISSIONS), startsOn, expiresOn, ipRange, protocol: SASProtocol.HttpsAndHttp },
          this.azurite.credential,
        ).toString();
        return `${container.url}?${sas}`;
      });
      session.grants += 1;
      session.lastStart = startsOn.toISOString();
      await this.persist();
      this.onEvent?.({ type: 'access-granted', grants: session.grants, allowlist: options.allowlist ?? null });
      return { databaseSasUrl: urls[0] ?? '', storageSasUrl: urls[1] ?? '', expiresOn: session.uploadUntil };
    });
  }

  async revokeAccess(role: Role): Promise<void> {
    return this.exclusive(async () => {
      if (!canManage(role)) throw forbidden(role, 'revoke access to the restore containers');
      const session = await this.requireSession();
      await this.deletePolicies(session);
      await this.persist();
      this.onEvent?.({ type: 'access-revoked' });
    });
  }

  async closeSession(role: Role): Promise<void> {
    return this.exclusive(async () => {
      if (!canManage(role)) throw forbidden(role, 'close a custom restore session');
      const session = await this.requireSession();
      const running = this.running();
      if (running) {
        throw new KxpError('PORTAL_CONFLICT', `A restore to ${running.env} (${running.id}) is still running; the session cannot be closed until it ends.`, {
          hint: 'Wait for it (kxp-restore restore waits) and close afterwards.',
        });
      }
      await this.discardSession(session);
      this.onEvent?.({ type: 'session-closed', id: session.id });
    });
  }

  // ---- restores -------------------------------------------------------------------------------

  async createRestorePoint(role: Role, env: EnvironmentName): Promise<RestorePoint> {
    return this.exclusive(async () => {
      this.assertCanRestore(role, env, 'create a restore point of');
      const database = this.environmentDatabase(env).getBlobClient('db.bacpac');
      const snapshot = (await database.exists()) ? ((await database.createSnapshot()).snapshot ?? null) : null;
      const point = { id: newId('rp-'), env, createdAt: this.clock.now().toISOString() };
      this.state.restorePoints.push({ ...point, snapshot });
      await this.persist();
      this.onEvent?.({ type: 'restore-point', point });
      return point;
    });
  }

  async restore(role: Role, env: EnvironmentName): Promise<string> {
    return this.exclusive(async () => {
      this.assertCanRestore(role, env, 'restore to');
      const session = await this.requireSession();
      const running = this.running();
      if (running) {
        throw new KxpError('PORTAL_CONFLICT', `A restore to ${running.env} (${running.id}) is already running; wait until it ends.`, {
          hint: `kxp-restore restore --env ${running.env} follows it to the end.`,
        });
      }
      if (!this.state.environments[env].available) {
        throw new KxpError('PORTAL_CONFLICT', `The ${env} environment is unavailable: a deployment to it is running. Wait until it ends.`);
      }
      const restore: RestoreInfo = { id: newId('r'), env, state: 'validating', startedAt: this.clock.now().toISOString(), step: 'checking the uploaded data' };
      this.state.restores.push(restore);
      await this.persist();
      this.onEvent?.({ type: 'restore-updated', restore: { ...restore } });
      this.jobs.set(restore.id, this.runRestore(session, restore));
      return restore.id;
    });
  }

  async getRestore(_role: Role, restoreId: string): Promise<RestoreInfo> {
    const restore = this.state.restores.find((candidate) => candidate.id === restoreId);
    if (!restore) throw new KxpError('PORTAL_NOT_FOUND', `No restore with id ${restoreId}.`);
    return { ...restore };
  }

  /** Resolves when the restore has succeeded or failed (for tests and the rehearsal; the HTTP client polls). */
  async whenRestoreSettled(restoreId: string): Promise<RestoreInfo> {
    await this.jobs.get(restoreId);
    return this.getRestore('tenant-administrator', restoreId);
  }

  environments(): EnvironmentStatus[] {
    return ENVIRONMENTS.map((name) => {
      const env = this.state.environments[name];
      return { name, version: env.version, available: env.available, storageAccount: env.account.name, deployedVersion: env.deployedVersion ?? null, application: env.application ?? null };
    });
  }

  // ---- deployments ----------------------------------------------------------------------------

  get projectGuid(): string {
    return (this.state.projectGuid ??= randomUUID());
  }

  /** Refuses early what needs no package: a wrong project, a role that may not deploy there, a busy environment. */
  assertCanDeploy(role: Role, projectGuid: string, env: EnvironmentName): void {
    if (projectGuid.toLowerCase() !== this.projectGuid.toLowerCase()) {
      throw new KxpError('PORTAL_NOT_FOUND', 'No project with this GUID.', { hint: "Copy the PROJECT_GUID from the Portal's Dashboard (Project info)." });
    }
    if (!canDeployTo(role, env)) {
      throw forbidden(role, `upload a deployment package to ${env}`, 'Tenant administrator or DevOps (everyone may deploy to qa)');
    }
    if (!this.state.environments[env].available) {
      throw new KxpError('PORTAL_CONFLICT', `The ${env} environment is busy (a deployment or restore is running); try again when it ends.`);
    }
  }

  /**
   * Checks an uploaded package as the Portal does, then deploys it in the background: the environment is
   * unavailable meanwhile, gets the package's Xperience version, and its containers the \$StorageAssets.
   * The file is removed when the deployment ends. Resolves with the started deployment.
   */
  async deployPackage(role: Role, projectGuid: string, env: EnvironmentName, file: string): Promise<DeploymentInfo> {
    const started = await this.exclusive(async () => {
      this.assertCanDeploy(role, projectGuid, env);
      const environment = this.state.environments[env];
      const report = await checkPackage(file, { shownAs: 'the package', environmentVersion: environment.deployedVersion ?? undefined, signal: this.stopJobs.signal });
      if (!report.ok) {
        const listed = report.errors.slice(0, 5).map((finding) => `[${finding.code}] ${finding.path}: ${finding.message}`).join(' ');
        throw new KxpError('PACKAGE_INVALID', `The package was refused: ${listed}`, { hint: 'Run kxp-restore package check on it, fix what it lists, and upload again.' });
      }
      const deployment: DeploymentInfo = {
        id: newId('d'),
        env,
        state: 'deploying',
        startedAt: this.clock.now().toISOString(),
        bytes: report.bytes,
        assemblyName: report.assemblyName,
        applicationVersion: report.applicationVersion,
        xperienceVersion: report.xperienceVersion,
        storageAssets: report.storageAssets && report.storageAssets.files > 0 ? { mode: report.deploymentMode ?? 'Create', added: 0, overwritten: 0, kept: 0 } : null,
      };
      (this.state.deployments ??= []).push(deployment);
      environment.available = false;
      await this.persist();
      this.onEvent?.({ type: 'deployment-updated', deployment: { ...deployment } });
      this.jobs.set(deployment.id, this.runDeployment(deployment, file));
      return { ...deployment };
    }).catch(async (error: unknown) => {
      await rm(file, { force: true });
      throw error;
    });
    return started;
  }

  deployments(): DeploymentInfo[] {
    return (this.state.deployments ?? []).map((deployment) => ({ ...deployment }));
  }

  /** Resolves when the deployment has succeeded or failed (tests and the rehearsal; HTTP clients poll). */
  async whenDeploymentSettled(deploymentId: string): Promise<DeploymentInfo> {
    await this.jobs.get(deploymentId);
    const found = this.deployments().find((deployment) => deployment.id === deploymentId);
    if (!found) throw new KxpError('PORTAL_NOT_FOUND', `No deployment with id ${deploymentId}.`);
    return found;
  }

  /** The environment's storage account, signed with its key (rehearsal checks and tests read it). */
  environmentStorage(env: EnvironmentName): BlobServiceClient {
    const { name, key } = this.state.environments[env].account;
    return new BlobServiceClient(`http://${this.azurite.host}:${this.azurite.port}/${name}`, new StorageSharedKeyCredential(name, key));
  }

  environmentDatabase(env: EnvironmentName): ContainerClient {
    return this.azurite.serviceClient.getContainerClient(`${env}-database`);
  }

  /** Stops running restores (they are recorded as failed) and detaches from the clock. */
  async close(): Promise<void> {
    this.unsubscribeClock();
    this.stopJobs.abort(new KxpError('ABORTED', 'The emulator stopped while this restore was running.'));
    await Promise.allSettled(this.jobs.values());
  }

  // ---- internals ------------------------------------------------------------------------------

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private assertCanRestore(role: Role, env: EnvironmentName, action: string): void {
    if (!canRestoreTo(role, env)) {
      throw forbidden(role, `${action} the ${env} environment`, 'Tenant administrator or DevOps (Developers may restore to qa and uat)');
    }
  }

  private async runRestore(session: StoredSession, restore: RestoreInfo): Promise<RestoreInfo> {
    const signal = this.stopJobs.signal;
    const environment = this.state.environments[restore.env];
    const update = (changes: Partial<RestoreInfo>) => {
      Object.assign(restore, changes);
      this.onEvent?.({ type: 'restore-updated', restore: { ...restore } });
    };
    const source: RestoreSource = {
      database: this.sessionContainer(session, 'database'),
      storage: this.sessionContainer(session, 'storage'),
      copySourceUrl: (container, blobName) => {
        const sas = generateBlobSASQueryParameters(
          { containerName: container.containerName, permissions: ContainerSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000), protocol: SASProtocol.HttpsAndHttp },
          this.azurite.credential,
        ).toString();
        return `${container.getBlobClient(blobName).url}?${sas}`;
      },
    };
    const target: RestoreTarget = {
      database: this.environmentDatabase(restore.env),
      storage: this.environmentStorage(restore.env),
      version: environment.version,
      name: restore.env,
    };
    try {
      const validated = await validateRestoreSource(source, target, this.readBacpacVersion, signal);
      environment.available = false;
      update({ state: 'running', databaseVersion: validated.databaseVersion, step: 'starting' });
      await this.persist();
      await applyRestore(source, target, validated, (step) => update({ step }), signal);
      if (validated.databaseVersion !== null) environment.version = validated.databaseVersion;
      environment.available = true;
      update({ state: 'succeeded', step: 'done', finishedAt: this.clock.now().toISOString() });
    } catch (thrown) {
      const error = toKxpError(signal.aborted ? signal.reason : thrown);
      const touched = restore.state === 'running';
      environment.available = true;
      update({
        state: 'failed',
        finishedAt: this.clock.now().toISOString(),
        reasonCode: error.code,
        reason: error.message + (error.hint ? ` ${error.hint}` : '') + (touched ? ' The environment may be partly restored: use its restore point to go back.' : ''),
      });
    } finally {
      environment.available = true;
      await this.persist();
    }
    return { ...restore };
  }

  /** The restore validating or running now (one at a time), if any. */
  private running(): RestoreInfo | undefined {
    return this.state.restores.find((restore) => restore.state === 'validating' || restore.state === 'running');
  }

  private async runDeployment(deployment: DeploymentInfo, file: string): Promise<void> {
    const signal = this.stopJobs.signal;
    const environment = this.state.environments[deployment.env];
    try {
      if (deployment.storageAssets) {
        const outcome = await deployStorageAssets(file, this.environmentStorage(deployment.env), deployment.storageAssets.mode === 'CreateUpdate' ? 'CreateUpdate' : 'Create', signal);
        deployment.storageAssets = { ...deployment.storageAssets, ...outcome };
      }
      if (deployment.xperienceVersion !== null) {
        environment.version = deployment.xperienceVersion;
        environment.deployedVersion = deployment.xperienceVersion;
      }
      environment.application = { assemblyName: deployment.assemblyName, version: deployment.applicationVersion, deploymentId: deployment.id };
      Object.assign(deployment, { state: 'succeeded', finishedAt: this.clock.now().toISOString() });
    } catch (thrown) {
      const error = toKxpError(signal.aborted ? signal.reason : thrown);
      Object.assign(deployment, { state: 'failed', finishedAt: this.clock.now().toISOString(), reasonCode: error.code, reason: error.message });
    } finally {
      environment.available = true;
      await rm(file, { force: true });
      await this.persist();
      this.onEvent?.({ type: 'deployment-updated', deployment: { ...deployment } });
    }
  }

  private sessionContainer(session: StoredSession, part: 'database' | 'storage'): ContainerClient {
    return this.azurite.serviceClient.getContainerClient(`${session.id}-${part}`);
  }

  private describe(session: StoredSession): SessionInfo {
    const open = this.clock.now() < new Date(session.uploadUntil);
    const { id, createdAt, uploadUntil, restoreUntil } = session;
    const running = this.running();
    return { id, state: open ? 'open' : 'expired', createdAt, uploadUntil, restoreUntil, activeGrants: session.grants, activeRestore: running ? { ...running } : null };
  }

  private async requireSession(): Promise<StoredSession> {
    await this.applyExpiry();
    const session = this.state.session;
    if (!session) {
      throw new KxpError('PORTAL_NOT_FOUND', 'There is no open custom restore session.', { hint: 'Create one first (kxp-restore session create).' });
    }
    return session;
  }

  /** Past 7 days the SAS URLs stop working (policies deleted); past 180 days the session and its data are gone. */
  private async applyExpiry(): Promise<void> {
    const session = this.state.session;
    if (!session) return;
    const now = this.clock.now();
    if (now >= new Date(session.restoreUntil)) {
      await this.discardSession(session);
      this.onEvent?.({ type: 'session-expired', id: session.id, uploadsOnly: false });
    } else if (now >= new Date(session.uploadUntil) && session.policy !== null) {
      await this.deletePolicies(session);
      this.onEvent?.({ type: 'session-expired', id: session.id, uploadsOnly: true });
    }
  }

  /** Starts an access generation: one policy, same id, on both containers, holding the upload window. */
  private async createPolicy(session: StoredSession): Promise<NonNullable<StoredSession['policy']>> {
    const id = `access-${session.generations + 1}`;
    // Azurite checks expiry on the real clock: translate the end of the upload window. Azurite 3.35 takes
    // permissions and expiry from the policy (a policy that leaves them to the URL answers 500).
    const expiresOn = this.clock.toRealTime(new Date(session.uploadUntil));
    const identifier = { id, accessPolicy: { permissions: GRANT_PERMISSIONS, expiresOn } };
    for (const part of ['database', 'storage'] as const) await this.sessionContainer(session, part).setAccessPolicy(undefined, [identifier]);
    session.policy = { id, expiresOn: expiresOn.toISOString() };
    session.generations += 1;
    session.grants = 0;
    return session.policy;
  }

  private async deletePolicies(session: StoredSession): Promise<void> {
    for (const part of ['database', 'storage'] as const) await this.sessionContainer(session, part).setAccessPolicy(undefined, []);
    session.policy = null;
    session.grants = 0;
  }

  private async discardSession(session: StoredSession): Promise<void> {
    for (const part of ['database', 'storage'] as const) await this.sessionContainer(session, part).deleteIfExists();
    this.state.session = null;
    await this.persist();
  }

  /** Saves the state; writes are chained so a restore's updates and a request's never interleave in the file. */
  private persist(): Promise<void> {
    const save = this.persistState;
    if (!save) return Promise.resolve();
    const written = this.saved.then(() => save(this.state));
    this.saved = written.catch(() => undefined);
    return written;
  }
}
