/**
 * Opens a payload file for reading only if the path still names the very file the scan saw. A file or folder
 * swapped for a symbolic link since the scan must not lead outside the payload: the last component is
 * opened without following links (O_NOFOLLOW), and the opened file's device, inode and size must equal the
 * scan's lstat (a folder above it swapped for a link leads to another file, with another inode).
 */
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { KxpError } from '../errors.js';
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
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') throw new KxpError('SOURCE_CHANGED', `The file disappeared after the check; it was not ${doing}.`, { path: file.displayPath, exitCode: 1, cause });
    if (code === 'ELOOP' || code === 'EMLINK') throw notTheScannedFile(file, doing, 'it is now a symbolic link, and links are not followed', cause);
    throw new KxpError('UNREADABLE', `Cannot read the file (${code}).`, { path: file.displayPath, hint: 'Fix its permissions and run again.', exitCode: 1, cause });
  }
  try {
    const state = fileState(file.absolutePath, await handle.stat({ bigint: true }));
    if (Number(state.dev) !== file.dev || Number(state.ino) !== file.ino) {
      throw notTheScannedFile(file, doing, 'the path now leads to another file (a folder on the way swapped for a link, or the file replaced)');
    }
    if (state.size !== file.size) throw changedWhile(file, doing);
    return { handle, state };
  } catch (error) {
    await handle.close();
    throw error;
  }
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
