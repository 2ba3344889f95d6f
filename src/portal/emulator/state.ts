/** What the Portal emulator remembers (saved with `--data`) and tells (events), and a fresh state. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RunningAzurite } from '../../azure/azurite.js';
import { ENVIRONMENTS, type DeploymentInfo, type EnvironmentName, type RestoreInfo, type RestorePoint, type SessionInfo } from '../types.js';
import type { EmulatorClock } from './clock.js';
import type { BacpacVersionReader } from './restore-job.js';

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

export type StoredEnvironment = {
  version: string;
  available: boolean;
  account: StorageAccount;
  deployedVersion?: string | null;
  application?: EnvironmentStatus['application'];
};

export interface StoredSession {
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
