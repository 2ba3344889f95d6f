/**
 * Opens a payload file for reading only if the path still names the very file the scan saw. A file or folder
 * swapped for a symbolic link since the scan must not lead outside the payload: the last component is
 * opened without following links (O_NOFOLLOW), and the opened file's device, inode and size must equal the
 * scan's lstat (a folder above it swapped for a link leads to another file, with another inode).
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { KxpError } from '../errors.js';
import { SyncWhileFast, type SyncWhileFastOptions } from '../fs/sync-while-fast.js';
import type { PayloadFile } from '../source/types.js';
import { fileState, sameFileState, type FileState } from './journal.js';

/** O_NOFOLLOW does not exist on Windows; the inode comparison still holds there. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** What the file was opened for, as the messages say it. */
export type Doing = 'uploaded' | 'verified';

export interface SourceFile {
  handle: FileHandle;
  /** The file's state just after it was opened, before any byte was read. */
  state: FileState;
}

/** Opens `file` read-only, checked against the scan; `doing` completes "changed … while it was being ___". */
export async function openSourceFile(file: PayloadFile, doing: Doing): Promise<SourceFile> {
  let handle: FileHandle;
  try {
    handle = await open(file.absolutePath, constants.O_RDONLY | NO_FOLLOW);
  } catch (cause) {
    throw openFailure(file, doing, cause);
  }
  try {
    const state = fileState(file.absolutePath, await handle.stat({ bigint: true }));
    checkScanned(file, state, doing);
    return { handle, state };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A small file read whole, and checked: `bytes` are one version of it, the version `state` describes. */
export interface WholeFile {
  state: FileState;
  bytes: Buffer;
}

/** A small file opened and checked, its state taken, and left unread (readWholeSync's `unless`). */
export interface UnreadFile {
  state: FileState;
  bytes: null;
}

/**
 * Reads a small file whole into `buffer` with synchronous calls (open, fstat, read, lstat, close: a few µs
 * each, against a round trip through the thread pool and a promise for each when asynchronous), with the same
 * guards as openSourceFile and assertUnchanged. After the read, the path must still name the opened file
 * (same device and inode: not deleted, moved, replaced or swapped for a link) in the same state (not written).
 * Only for what a slow disk cannot stall long: see SyncReads.
 */
export function readWholeSync(file: PayloadFile, buffer: Buffer, doing: Doing): WholeFile;
/** `unless`: told the opened file's state before any byte is read; true leaves it unread (`bytes` null). */
export function readWholeSync(file: PayloadFile, buffer: Buffer, doing: Doing, unless: (state: FileState) => boolean): WholeFile | UnreadFile;
export function readWholeSync(file: PayloadFile, buffer: Buffer, doing: Doing, unless?: (state: FileState) => boolean): WholeFile | UnreadFile {
  let fd: number;
  try {
    fd = openSync(file.absolutePath, constants.O_RDONLY | NO_FOLLOW);
  } catch (cause) {
    throw openFailure(file, doing, cause);
  }
  try {
    const state = fileState(file.absolutePath, fstatSync(fd, { bigint: true }));
    checkScanned(file, state, doing);
    if (unless?.(state)) return { state, bytes: null };
    for (let filled = 0; filled < state.size; ) {
      const bytesRead = readSync(fd, buffer, filled, state.size - filled, filled);
      if (bytesRead === 0) throw changedWhile(file, doing);
      filled += bytesRead;
    }
    const after = lstatSync(file.absolutePath, { bigint: true, throwIfNoEntry: false });
    if (!after || after.dev !== state.dev || after.ino !== state.ino) throw changedWhile(file, doing, 'was deleted or moved');
    if (!sameFileState(fileState(state.path, after, state.seenAtMs), state)) throw changedWhile(file, doing);
    return { state, bytes: buffer.subarray(0, state.size) };
  } finally {
    closeSync(fd);
  }
}

export interface SyncReadOptions extends Partial<SyncWhileFastOptions> {
  /** Files up to this size are read synchronously. Default 256 KiB; 0 turns synchronous reads off. */
  maxBytes?: number;
}

const DEFAULT_SYNC_READ_MAX = 256 * 1024;
/** A whole small file read slower than this (ms) is slow. */
const SLOW_READ_MS = 3;

/** Decides, file by file, whether a small file is read with synchronous calls: while they stay fast (SyncWhileFast). */
export class SyncReads {
  readonly maxBytes: number;
  private readonly gate: SyncWhileFast;

  constructor(options: SyncReadOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_SYNC_READ_MAX;
    this.gate = new SyncWhileFast({ slowMs: SLOW_READ_MS, ...options });
  }

  /** Files read synchronously, and the reads among them that were slow. */
  get counts(): { sync: number; slow: number } {
    return { ...this.gate.counts };
  }

  /** Whether the next file, of `size` bytes, is read synchronously (readWhole), or opened asynchronously. */
  take(size: number): boolean {
    return size <= this.maxBytes && this.gate.take();
  }

  /** readWholeSync, timed. */
  readWhole(file: PayloadFile, buffer: Buffer, doing: Doing): WholeFile;
  readWhole(file: PayloadFile, buffer: Buffer, doing: Doing, unless: (state: FileState) => boolean): WholeFile | UnreadFile;
  readWhole(file: PayloadFile, buffer: Buffer, doing: Doing, unless?: (state: FileState) => boolean): WholeFile | UnreadFile {
    return this.gate.timed(() => (unless ? readWholeSync(file, buffer, doing, unless) : readWholeSync(file, buffer, doing)));
  }
}

/** The scan's file, still: same device and inode (not replaced, no link on the way), same size. */
function checkScanned(file: PayloadFile, state: FileState, doing: Doing): void {
  if (Number(state.dev) !== file.dev || Number(state.ino) !== file.ino) {
    throw notTheScannedFile(file, doing, 'the path now leads to another file (a folder on the way swapped for a link, or the file replaced)');
  }
  if (state.size !== file.size) throw changedWhile(file, doing);
}

function openFailure(file: PayloadFile, doing: Doing, cause: unknown): KxpError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ENOENT') return new KxpError('SOURCE_CHANGED', `The file disappeared after the check; it was not ${doing}.`, { path: file.displayPath, exitCode: 1, cause });
  if (code === 'ELOOP' || code === 'EMLINK') return notTheScannedFile(file, doing, 'it is now a symbolic link, and links are not followed', cause);
  return new KxpError('UNREADABLE', `Cannot read the file (${code}).`, { path: file.displayPath, hint: 'Fix its permissions and run again.', exitCode: 1, cause });
}

/** Fails unless the open file is still the version `before` describes: what was read is one version of it. */
export async function assertUnchanged(source: SourceFile, file: PayloadFile, doing: Doing): Promise<void> {
  const stats = await source.handle.stat({ bigint: true });
  // The open handle still reads a deleted or moved file; the path no longer names it.
  const gone = stats.nlink === 0n || (await lstat(file.absolutePath).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'ENOENT'));
  if (gone) throw changedWhile(file, doing, 'was deleted or moved');
  if (!sameFileState(fileState(source.state.path, stats, source.state.seenAtMs), source.state)) throw changedWhile(file, doing);
}

/** The file `what` ("changed", "was deleted or moved") while it was being uploaded or verified. */
export function changedWhile(file: PayloadFile, doing: Doing, what = 'changed'): KxpError {
  return doing === 'uploaded'
    ? new KxpError('SOURCE_CHANGED', `The file ${what} while it was being uploaded; nothing of this version was committed.`, {
        path: file.displayPath,
        hint: 'Stop whatever writes to it and run the same command again: only the changed blocks are sent.',
      })
    : new KxpError('SOURCE_CHANGED', `The file ${what} while it was being verified.`, { path: file.displayPath, hint: 'Stop whatever writes to it, upload again, then verify.' });
}

function notTheScannedFile(file: PayloadFile, doing: Doing, why: string, cause?: unknown): KxpError {
  return new KxpError('SOURCE_CHANGED', `The payload changed after the check: ${why}; nothing was ${doing === 'uploaded' ? 'sent' : 'read'} from it.`, {
    path: file.displayPath,
    hint: 'Put the real file back (links are never followed out of the payload) and run again.',
    exitCode: 1,
    cause,
  });
}
