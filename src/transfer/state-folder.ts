/**
 * Failures to write the state folder (journal, lock), named as what they are: a full disk is not an
 * internal error, and a folder that cannot be written is not "unreadable". Both are local and exit 2.
 */
import { KxpError } from '../errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The KxpError for a failed write under the state folder `stateDir` (`what`: "the resume journal", "the lock
 * file"). Anything that is not a file-system error code passes through unchanged.
 */
export function stateFolderError(cause: unknown, stateDir: string, what: string): unknown {
  if (cause instanceof KxpError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return cause;
  const already = 'What was committed before stays committed.';
  const rerun = 'then run the same command again: it goes on where it stopped.';
  if (FULL.has(code)) {
    return new KxpError('STATE_DIR_FULL', `The state folder ${stateDir} is full (${code}): ${what} cannot be written there. ${already}`, {
      path: stateDir,
      hint: `Free space on that disk, or give another folder with --state-dir, ${rerun}`,
      cause,
    });
  }
  if (DENIED.has(code)) {
    return new KxpError('STATE_DIR_UNWRITABLE', `The state folder ${stateDir} cannot be written (${code}), so ${what} cannot be kept there.`, {
      path: stateDir,
      hint: `Make that folder writable by this user, or give another folder with --state-dir, ${rerun}`,
      cause,
    });
  }
  return new KxpError('STATE_DIR_UNWRITABLE', `Cannot keep ${what} in the state folder ${stateDir} (${code}).`, {
    path: stateDir,
    hint: `Check that folder, or give another one with --state-dir, ${rerun}`,
    cause,
  });
}
