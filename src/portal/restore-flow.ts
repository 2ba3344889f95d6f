/**
 * "Restore to environment" as a careful person does it: a restore point first (unless declined), the
 * environment's name typed back for staging and production, then start the restore and wait for it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { KxpError } from '../errors.js';
import { canRestoreTo, PROTECTED_ENVIRONMENTS, ROLE_TITLES, type EnvironmentName, type Portal, type RestoreInfo, type RestorePoint } from './types.js';

export type RestoreFlowEvent =
  | { type: 'restore-attached'; restore: RestoreInfo }
  /** `confirmed`: the person said so (--manual): the id is kxp-restore's placeholder, not the Portal's. */
  | { type: 'restore-point-created'; point: RestorePoint; confirmed?: boolean }
  | { type: 'restore-point-skipped'; env: EnvironmentName }
  | { type: 'restore-started'; env: EnvironmentName; restoreId: string; confirmed?: boolean }
  | { type: 'restore-status'; restore: RestoreInfo };

export interface WaitForRestoreOptions {
  /** Pause between polls. Default 500 ms (0 for the manual driver, where each poll is a question). */
  intervalMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: RestoreFlowEvent) => void;
}

/** Polls the restore until it succeeds or fails, reporting each change of state or step. Never throws on a failed restore. */
export async function waitForRestore(portal: Portal, restoreId: string, options: WaitForRestoreOptions = {}): Promise<RestoreInfo> {
  const interval = options.intervalMs ?? (portal.kind === 'manual' ? 0 : 500);
  let last = '';
  for (;;) {
    const restore = await portal.getRestore(restoreId, { signal: options.signal });
    const seen = `${restore.state}|${restore.step ?? ''}`;
    if (seen !== last) {
      last = seen;
      options.onEvent?.({ type: 'restore-status', restore });
    }
    if (restore.state === 'succeeded' || restore.state === 'failed') return restore;
    if (interval > 0) await delay(interval, undefined, { signal: options.signal });
  }
}

export interface RestoreFlowOptions extends WaitForRestoreOptions {
  env: EnvironmentName;
  /** Create a restore point first. Default true. */
  restorePoint?: boolean;
  /**
   * Asks the person to type the environment's name back; resolves to what they typed. Needed for stg and
   * prod unless `assumeYes`.
   */
  askConfirmation?: (env: EnvironmentName) => Promise<string>;
  /** `--yes`: skip the typed confirmation. */
  assumeYes?: boolean;
}

/**
 * The environment's name typed back before a change that is hard to undo (restore to stg/prod, a package
 * straight to an environment other than qa); `--yes` skips it. Throws NOT_CONFIRMED; `why` starts the message.
 */
export async function confirmEnvironment(env: EnvironmentName, options: Pick<RestoreFlowOptions, 'assumeYes' | 'askConfirmation'>, why: string): Promise<void> {
  if (options.assumeYes) return;
  const typed = options.askConfirmation ? (await options.askConfirmation(env)).trim() : '';
  if (typed !== env) {
    throw new KxpError('NOT_CONFIRMED', `${why}, so it needs the environment's name typed back; ${typed ? `"${typed}" does not match` : 'nothing was typed'}. Nothing was changed.`, {
      hint: `Type "${env}" when asked, or pass --yes in scripts that have been checked.`,
    });
  }
}

/**
 * Runs the whole restore and resolves with its final state; throws RESTORE_FAILED when it failed. When a
 * restore to the same environment is already running (the wait for it was interrupted), follows that one
 * instead: nothing is confirmed or started again.
 */
export async function restoreToEnvironment(portal: Portal, options: RestoreFlowOptions): Promise<RestoreInfo> {
  const { env, signal } = options;
  const active = await portal.getActiveRestore({ signal });
  if (active?.env === env) {
    options.onEvent?.({ type: 'restore-attached', restore: active });
    return settled(await waitForRestore(portal, active.id, options));
  }
  if (active) {
    throw new KxpError('PORTAL_CONFLICT', `A restore to ${active.env} (${active.id}) is already running; only one restore runs at a time. Nothing was changed.`, {
      hint: `Wait for it (kxp-restore restore --env ${active.env} follows it), then restore to ${env}.`,
    });
  }
  // Before the typed confirmation: a role that may not restore here is told so at once.
  const role = PROTECTED_ENVIRONMENTS.has(env) ? await portal.whoAmI({ signal }) : null;
  if (role !== null && !canRestoreTo(role, env)) {
    throw new KxpError('PORTAL_FORBIDDEN', `The ${ROLE_TITLES[role]} role cannot restore to the ${env} environment; only Tenant administrator or DevOps can (Developers may restore to qa and uat). Nothing was changed.`, {
      hint: 'Ask someone with that role in the Xperience Portal, or use their token.',
    });
  }
  if (PROTECTED_ENVIRONMENTS.has(env)) await confirmEnvironment(env, options, `Restoring to ${env} overwrites its database and storage`);
  if (options.restorePoint === false) {
    options.onEvent?.({ type: 'restore-point-skipped', env });
  } else {
    options.onEvent?.({ type: 'restore-point-created', point: await portal.createRestorePoint(env, { signal }), confirmed: portal.kind === 'manual' });
  }
  const restoreId = await portal.restore({ env, signal });
  options.onEvent?.({ type: 'restore-started', env, restoreId, confirmed: portal.kind === 'manual' });
  return settled(await waitForRestore(portal, restoreId, options));
}

function settled(restore: RestoreInfo): RestoreInfo {
  if (restore.state === 'failed') {
    throw new KxpError(restore.reasonCode === 'VERSION_MISMATCH' ? 'VERSION_MISMATCH' : 'RESTORE_FAILED', `The restore to ${restore.env} failed: ${restore.reason ?? 'no reason given'}`, {
      exitCode: 1,
    });
  }
  return restore;
}
