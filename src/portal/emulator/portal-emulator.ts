/**
 * The rules of the Portal's custom restore, enforced over real Azurite storage. The HTTP server in
 * server.ts is a thin layer over this class; tests may also use it directly (clock, settled restores).
 * Each route family has its own module: sessions.ts (sessions and access), restores.ts (restore points and
 * restores), deployments.ts (deployment packages); core.ts holds what they share.
 *
 * Storage layout (one Azurite process):
 * - the development account holds the restore containers of the session (`<session>-database`,
 *   `<session>-storage`) and each environment's database (`<env>-database/db.bacpac`);
 * - each environment has its own storage account (`qastorage`, …) whose containers are named exactly
 *   like the uploaded top-level folders (`default`), as a SaaS environment's Blob storage is.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { KxpError } from '../../errors.js';
import { ENVIRONMENTS, type AccessGrant, type DeploymentInfo, type EnvironmentName, type RestoreInfo, type RestorePoint, type Role, type SessionInfo } from '../types.js';
import type { EmulatorClock } from './clock.js';
import { EmulatorCore } from './core.js';
import * as deployments from './deployments.js';
import * as restores from './restores.js';
import * as sessions from './sessions.js';
import type { EnvironmentStatus, PortalEmulatorOptions } from './state.js';

export { initialEmulatorState, type EmulatorEvent, type EmulatorState, type EnvironmentStatus, type PortalEmulatorOptions, type StorageAccount } from './state.js';

export class PortalEmulator {
  private readonly core: EmulatorCore;

  constructor(options: PortalEmulatorOptions) {
    this.core = new EmulatorCore(options);
  }

  get clock(): EmulatorClock {
    return this.core.clock;
  }

  /** Moves the emulator's time forward and applies what expires on the way (SAS URLs after 7 days, the session after 180). */
  async advanceClock(ms: number): Promise<Date> {
    return this.core.exclusive(async () => {
      let now: Date;
      try {
        now = this.core.clock.advance(ms);
      } catch (error) {
        throw new KxpError('USAGE', `${(error as Error).message}; asked to move ${ms} ms.`);
      }
      await sessions.applyExpiry(this.core);
      await this.core.persist();
      return now;
    });
  }

  // ---- sessions (sessions.ts) -----------------------------------------------------------------

  createSession(role: Role): Promise<SessionInfo> {
    return sessions.createSession(this.core, role);
  }

  getSession(role: Role): Promise<SessionInfo> {
    return sessions.getSession(this.core, role);
  }

  getAccess(role: Role, options: { allowlist?: string } = {}): Promise<AccessGrant> {
    return sessions.getAccess(this.core, role, options);
  }

  revokeAccess(role: Role): Promise<void> {
    return sessions.revokeAccess(this.core, role);
  }

  closeSession(role: Role): Promise<void> {
    return sessions.closeSession(this.core, role);
  }

  // ---- restores (restores.ts) -----------------------------------------------------------------

  createRestorePoint(role: Role, env: EnvironmentName): Promise<RestorePoint> {
    return restores.createRestorePoint(this.core, role, env);
  }

  restore(role: Role, env: EnvironmentName): Promise<string> {
    return restores.startRestore(this.core, role, env);
  }

  getRestore(role: Role, restoreId: string): Promise<RestoreInfo> {
    return restores.getRestore(this.core, role, restoreId);
  }

  /** Resolves when the restore has succeeded or failed (for tests and the rehearsal; the HTTP client polls). */
  whenRestoreSettled(restoreId: string): Promise<RestoreInfo> {
    return restores.whenRestoreSettled(this.core, restoreId);
  }

  environments(): EnvironmentStatus[] {
    return ENVIRONMENTS.map((name) => {
      const env = this.core.state.environments[name];
      return { name, version: env.version, available: env.available, storageAccount: env.account.name, deployedVersion: env.deployedVersion ?? null, application: env.application ?? null };
    });
  }

  // ---- deployments (deployments.ts) -----------------------------------------------------------

  get projectGuid(): string {
    return this.core.projectGuid;
  }

  /** Refuses early what needs no package: a wrong project, a role that may not deploy there, a busy environment. */
  assertCanDeploy(role: Role, projectGuid: string, env: EnvironmentName): void {
    deployments.assertCanDeploy(this.core, role, projectGuid, env);
  }

  /**
   * Checks an uploaded package as the Portal does, then deploys it in the background. The file is removed
   * when the deployment ends. Resolves with the started deployment.
   */
  deployPackage(role: Role, projectGuid: string, env: EnvironmentName, file: string): Promise<DeploymentInfo> {
    return deployments.deployPackage(this.core, role, projectGuid, env, file);
  }

  deployments(): DeploymentInfo[] {
    return deployments.deployments(this.core);
  }

  /** Resolves when the deployment has succeeded or failed (tests and the rehearsal; HTTP clients poll). */
  whenDeploymentSettled(deploymentId: string): Promise<DeploymentInfo> {
    return deployments.whenDeploymentSettled(this.core, deploymentId);
  }

  // ---- storage, for checks and tests ----------------------------------------------------------

  /** The environment's storage account, signed with its key (rehearsal checks and tests read it). */
  environmentStorage(env: EnvironmentName): BlobServiceClient {
    return this.core.environmentStorage(env);
  }

  environmentDatabase(env: EnvironmentName): ContainerClient {
    return this.core.environmentDatabase(env);
  }

  /** Stops running restores (they are recorded as failed) and detaches from the clock. */
  close(): Promise<void> {
    return this.core.close();
  }
}
