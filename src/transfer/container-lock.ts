/**
 * One run per container on this computer, whatever the state folder: beside the journal's lock (which two
 * runs with different `--state-dir` do not share), each run takes a lock per user keyed by the container's
 * identity (endpoint, account, container), in a per-user folder. Same file format and takeover of a dead
 * owner's lock as the journal's lock (lock.ts). Runs on other computers cannot be seen from here.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { makeDirectory } from '../fs/make-directory.js';
import { acquireLock, type HeldLock, type LockOptions } from './lock.js';

/** Overrides the per-user lock folder (tests; machines whose home cannot be written). */
export const LOCK_DIR_VARIABLE = 'KXP_RESTORE_LOCK_DIR';

type Env = Readonly<Record<string, string | undefined>>;

/** The container as its lock knows it: where (endpoint) and which (`account/container`). */
export interface LockedContainer {
  endpoint: string;
  identity: string;
}

export interface ContainerLockOptions extends Pick<LockOptions, 'onTakeOver'> {
  /** Where the lock folder is read (then process.env). */
  env?: Env;
  /**
   * Which part of the work the lock is for, when parts may run side by side on purpose: the shards of a
   * sharded upload (`shard-2-of-8`), its finish. Runs of the same scope exclude each other; '' (a whole upload) by default.
   */
  scope?: string;
}

/**
 * `$KXP_RESTORE_LOCK_DIR`, else `$XDG_STATE_HOME/kxp-restore/locks`, else `~/.local/state/kxp-restore/locks`
 * (on Windows `%LOCALAPPDATA%\kxp-restore\locks`).
 */
export function userLockDir(env: Env = process.env): string {
  if (env[LOCK_DIR_VARIABLE]) return path.resolve(env[LOCK_DIR_VARIABLE]);
  if (env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)) return path.join(env.XDG_STATE_HOME, 'kxp-restore', 'locks');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'kxp-restore', 'locks');
  return path.join(env.HOME || homedir(), '.local', 'state', 'kxp-restore', 'locks');
}

/** `<account>-<container>[-<scope>]-<digest>.lock`: readable, and the digest covers the endpoint (two emulators, two accounts). */
export function containerLockFile(lockDir: string, container: LockedContainer, scope = ''): string {
  const readable = [container.identity, scope].filter(Boolean).join('-').replace(/[^a-z0-9-]+/gi, '-').slice(0, 100);
  const digest = createHash('sha256').update(`${container.endpoint}\n${container.identity}\n${scope}`).digest('hex').slice(0, 12);
  return path.join(lockDir, `${readable}-${digest}.lock`);
}

/** Takes this user's lock of the container for the duration of a run (LOCKED when another run here holds it). */
export async function lockContainer(container: LockedContainer, options: ContainerLockOptions = {}): Promise<HeldLock> {
  const lockDir = userLockDir(options.env);
  const { scope = '', onTakeOver } = options;
  try {
    await makeDirectory(lockDir);
    return await acquireLock(containerLockFile(lockDir, container, scope), {
      onTakeOver,
      what: `the container ${container.identity} (${container.endpoint}) from this computer${scope ? ` for ${scope}` : ''}`,
      why: 'Two runs into one container at once, whatever their state folders, would leave a mix of two payloads.',
    });
  } catch (cause) {
    if (cause instanceof KxpError) throw cause;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
    throw new KxpError('STATE_DIR_UNWRITABLE', `Cannot keep the lock of ${container.identity} in ${lockDir} (${code}): it keeps a second run on this computer out of the same container.`, {
      path: lockDir,
      hint: `Make that folder writable by this user, or set ${LOCK_DIR_VARIABLE} to a folder this user can write, then run the same command again.`,
      cause,
    });
  }
}
