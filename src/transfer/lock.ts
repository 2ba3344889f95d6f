/**
 * One run at a time per journal: a lock file beside it, created atomically ('wx' = O_CREAT|O_EXCL), holding
 * the owner's pid, host and start time. A second run is refused (LOCKED) with those three facts; a lock
 * left by a process that is gone (same host, `kill(pid, 0)` answers ESRCH) is taken over, and the caller
 * is told so. Used by upload for each destination container; any other writer of a journal (a server-side
 * copy) takes the same lock the same way (`lockJournal`).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { makeDirectory } from '../fs/make-directory.js';
import { journalBaseName } from './journal.js';
import { stateFolderError } from './state-folder.js';

/** What a lock file holds. `token` tells this lock from a later one of the same pid (pids are reused). */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the owning run started. */
  startedAt: string;
  token: string;
}

export interface HeldLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** What the lock guards, for the LOCKED message (e.g. "the journal of devstoreaccount1/files"). */
  what?: string;
  /** Why two holders would do harm, for the LOCKED message. Default: sending twice and interleaving the journal. */
  why?: string;
  /** Told when a lock left by a dead process is taken over. */
  onTakeOver?: (stale: LockOwner) => void;
}

/** The lock of the journal of one container (`account/container`) under a state folder. */
export function journalLockFile(stateDir: string, identity: string): string {
  return path.join(stateDir, `${journalBaseName(identity)}.lock`);
}

/** Takes the lock of one container's journal for the duration of a run. */
export async function lockJournal(stateDir: string, identity: string, options: Omit<LockOptions, 'what'> = {}): Promise<HeldLock> {
  try {
    await makeDirectory(stateDir);
  } catch (cause) {
    throw stateFolderError(cause, stateDir, 'the resume journal');
  }
  try {
    return await acquireLock(journalLockFile(stateDir, identity), { ...options, what: `the journal of ${identity} in ${stateDir}` });
  } catch (cause) {
    throw stateFolderError(cause, stateDir, 'the lock of the resume journal');
  }
}

/**
 * The journal's lock when no live run holds it; else who holds it (null: its lock file cannot be read yet).
 * For a reader (verify): it may write the journal only while holding the lock, and reads it otherwise.
 */
export async function lockJournalIfFree(stateDir: string, identity: string, options: Omit<LockOptions, 'what'> = {}): Promise<{ lock: HeldLock } | { heldBy: LockOwner | null }> {
  try {
    return { lock: await lockJournal(stateDir, identity, options) };
  } catch (error) {
    if (!(error instanceof KxpError) || error.code !== 'LOCKED') throw error;
    const owner = await readOwner(journalLockFile(stateDir, identity));
    return { heldBy: owner === 'gone' ? null : owner };
  }
}

/** Creates `file` exclusively, or throws LOCKED naming the run that holds it. */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<HeldLock> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  // A few rounds at most: each one either creates the file, meets a live owner, or clears one dead owner's file.
  for (let round = 0; round < 5; round++) {
    if (await createExclusive(file, owner)) return held(file, owner);
    const current = await readOwner(file);
    if (current === 'gone') continue; // released between our attempt and the read: try again
    if (current === null || isAlive(current)) throw lockedError(file, current, options);
    await takeOver(file, current);
    options.onTakeOver?.(current);
  }
  throw lockedError(file, null, options);
}

async function createExclusive(file: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw stateFolderError(cause, path.dirname(file), `the lock file ${path.basename(file)}`);
  }
  try {
    await handle.writeFile(JSON.stringify(owner) + '\n');
    await handle.sync();
  } catch (cause) {
    // A lock that could not be written whole is no lock: leave no empty file that would read as held.
    await handle.close();
    await unlink(file).catch(() => undefined);
    throw stateFolderError(cause, path.dirname(file), `the lock file ${path.basename(file)}`);
  }
  await handle.close();
  return true;
}

/** The owner written in the file; null when it cannot be read as one (being written, or foreign); 'gone' when removed. */
async function readOwner(file: string): Promise<LockOwner | null | 'gone'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.startedAt === 'string' && typeof value.token === 'string') return value as LockOwner;
  } catch {
    // a lock still being written (created, not yet filled) reads as empty: treated as held
  }
  return null;
}

/** Only a process on this host can be checked; one elsewhere (a shared folder) is assumed alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Moves the dead owner's file aside (rename is atomic, so of two runs clearing it only one succeeds) and
 * checks it was the file we judged: if another run had already replaced it with its own live lock, that lock
 * is put back (link does not overwrite) and the next round reports it.
 */
async function takeOver(file: string, stale: LockOwner): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw cause;
  }
  const moved = await readOwner(aside);
  if (moved === 'gone' || moved === null || moved.token !== stale.token) {
    await link(aside, file).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

function held(file: string, owner: LockOwner): HeldLock {
  let released = false;
  // A backstop for exits that skip the caller's finally (process.exit, an uncaught error): remove it synchronously.
  const onExit = () => {
    if (!released) removeIfOursSync(file, owner);
  };
  process.once('exit', onExit);
  return {
    file,
    owner,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const current = await readOwner(file);
      if (current !== 'gone' && current !== null && current.token === owner.token) await unlink(file).catch(() => undefined);
    },
  };
}

function removeIfOursSync(file: string, owner: LockOwner): void {
  try {
    // Read synchronously too: at 'exit' no more asynchronous work runs.
    if ((JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>).token === owner.token) unlinkSync(file);
  } catch {
    // nothing more can be done while exiting
  }
}

const DEFAULT_WHY = 'Two runs at once would send the same data twice and interleave the journal.';

function lockedError(file: string, owner: LockOwner | null, { what = 'this journal', why = DEFAULT_WHY }: LockOptions): KxpError {
  const who = owner ? `process ${owner.pid} on ${owner.host}, started ${owner.startedAt}` : 'another process (its lock file cannot be read yet)';
  return new KxpError('LOCKED', `Another run is using ${what}: ${who}. ${why}`, {
    path: file,
    hint: owner && owner.host !== hostname()
      ? `Wait for it to finish. If that run is gone for good, delete ${file} and run again.`
      : 'Wait for it to finish (or stop it), then run again; progress is kept. A lock left by a run that is gone is taken over by itself.',
  });
}
