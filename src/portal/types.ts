/**
 * The custom-restore part of the Xperience Portal, as the tool sees it. Two drivers implement it: the
 * HTTP driver (for the local emulator) and the manual driver (a person clicking in the real Portal).
 * Dates travel as ISO 8601 strings so the same objects go over HTTP and into `--json` output.
 */

export const ENVIRONMENTS = ['qa', 'uat', 'stg', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** Environments whose restore needs a Tenant administrator or DevOps, and the name typed back. */
export const PROTECTED_ENVIRONMENTS: ReadonlySet<EnvironmentName> = new Set(['stg', 'prod']);

export const ROLES = ['tenant-administrator', 'devops', 'developer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_TITLES: Record<Role, string> = {
  'tenant-administrator': 'Tenant administrator',
  devops: 'DevOps',
  developer: 'Developer',
};

/** Uploads are allowed for 7 days after the session is created, restores for 180 (seed, "Perform a custom restore"). */
export const UPLOAD_WINDOW_MS = 7 * 24 * 3600 * 1000;
export const RESTORE_WINDOW_MS = 180 * 24 * 3600 * 1000;

export interface SessionInfo {
  id: string;
  /** `open`: uploads allowed; `expired`: uploads over, restores still allowed; `unknown`: the manual driver cannot tell. */
  state: 'open' | 'expired' | 'unknown';
  createdAt: string;
  uploadUntil: string;
  restoreUntil: string;
  /** How many "Get access" grants are currently valid. */
  activeGrants: number;
  /** The restore running now (validating or running), if any; absent when the driver cannot tell. */
  activeRestore?: RestoreInfo | null;
}

export interface AccessGrant {
  databaseSasUrl: string;
  storageSasUrl: string;
  expiresOn: string;
}

export interface RestorePoint {
  id: string;
  env: EnvironmentName;
  createdAt: string;
}

export type RestoreState = 'validating' | 'running' | 'succeeded' | 'failed';

export interface RestoreInfo {
  id: string;
  env: EnvironmentName;
  state: RestoreState;
  startedAt: string;
  finishedAt?: string;
  /** What the restore is doing now, in words (e.g. "copying storage: 12/40 blobs"). */
  step?: string;
  /** Why it failed, with the fix. */
  reason?: string;
  /** Stable code of the failure (RESTORE_FAILED, VERSION_MISMATCH, …). */
  reasonCode?: string;
  /** The Xperience version read from the bacpac, null when it could not be read. */
  databaseVersion?: string | null;
}

export interface PortalCallOptions {
  signal?: AbortSignal;
}

export interface GetAccessOptions extends PortalCallOptions {
  /** An IP address or range (`10.0.0.1-10.0.0.255`) allowed to use the SAS URLs. */
  allowlist?: string;
}

export interface RestoreOptions extends PortalCallOptions {
  env: EnvironmentName;
}

/** The custom-restore operations of the Portal. Every method throws KxpError (PORTAL_* codes) on refusal. */
export interface Portal {
  /** `http` for the emulator API, `manual` for a person in the real Portal. */
  readonly kind: 'http' | 'manual';
  createSession(options?: PortalCallOptions): Promise<SessionInfo>;
  getAccess(options?: GetAccessOptions): Promise<AccessGrant>;
  revokeAccess(options?: PortalCallOptions): Promise<void>;
  /** The current session, or null when none is open. */
  getSession(options?: PortalCallOptions): Promise<SessionInfo | null>;
  createRestorePoint(env: EnvironmentName, options?: PortalCallOptions): Promise<RestorePoint>;
  /** Starts a restore and returns its id; the restore runs asynchronously (see getRestore). */
  restore(options: RestoreOptions): Promise<string>;
  getRestore(restoreId: string, options?: PortalCallOptions): Promise<RestoreInfo>;
  /** The restore running in the session now (to follow it again after an interrupted wait), or null. */
  getActiveRestore(options?: PortalCallOptions): Promise<RestoreInfo | null>;
  /** The role the driver acts with; null when it cannot tell (a person at the real Portal). */
  whoAmI(options?: PortalCallOptions): Promise<Role | null>;
  closeSession(options?: PortalCallOptions): Promise<void>;
}

/** Tenant administrators and DevOps manage sessions and restore anywhere. */
export function canManage(role: Role): boolean {
  return role === 'tenant-administrator' || role === 'devops';
}

/** Developers restore only to non-production environments (qa, uat). */
export function canRestoreTo(role: Role, env: EnvironmentName): boolean {
  return canManage(role) || !PROTECTED_ENVIRONMENTS.has(env);
}

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A deployment of a package to an environment (Portal: "Deployment history"). */
export interface DeploymentInfo {
  id: string;
  env: EnvironmentName;
  state: 'deploying' | 'succeeded' | 'failed';
  startedAt: string;
  finishedAt?: string;
  bytes: number;
  assemblyName: string | null;
  applicationVersion: string | null;
  xperienceVersion: string | null;
  /** How `$StorageAssets` went into the environment's containers; null when the package has none. */
  storageAssets: { mode: string; added: number; overwritten: number; kept: number } | null;
  reason?: string;
  reasonCode?: string;
}

/** Who may upload a package to an environment: QA for everyone, others (emergency deployments) for DevOps and Tenant administrators. */
export function canDeployTo(role: Role, env: EnvironmentName): boolean {
  return env === 'qa' || canManage(role);
}
