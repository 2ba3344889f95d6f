/**
 * Files that hold secrets (emulator tokens, the emulator's state with its account keys): owner-only, also
 * when they or their folder existed before. A file is written as a new owner-only file and renamed over the
 * old one, so an old file's looser mode never survives; a folder others may write to is refused, since they
 * could swap the file between our write and our rename, or read it by replacing the folder's contents.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { makeDirectory } from './make-directory.js';

const OWNER_ONLY_FILE = 0o600;
const OWNER_ONLY_FOLDER = 0o700;
const GROUP_OR_WORLD_WRITABLE = 0o022;

/** Makes `dir` (owner-only) or, when it exists, checks nobody else may write to it and narrows it to owner-only. */
export async function preparePrivateFolder(dir: string, what: string): Promise<void> {
  await makeDirectory(dir, OWNER_ONLY_FOLDER);
  const stats = await lstat(dir);
  if (!stats.isDirectory()) {
    throw new KxpError('USAGE', `The ${what} ${dir} is not a folder (a symbolic link or a file).`, { path: dir, hint: 'Give a real folder.' });
  }
  if ((stats.mode & GROUP_OR_WORLD_WRITABLE) !== 0) {
    throw new KxpError('USAGE', `The ${what} ${dir} can be written by other users (mode ${(stats.mode & 0o777).toString(8)}), so the secrets kept there would not be safe.`, {
      path: dir,
      hint: `Run: chmod 700 ${dir}  (or give a folder of your own).`,
    });
  }
  if ((stats.mode & 0o777) !== OWNER_ONLY_FOLDER) await chmod(dir, OWNER_ONLY_FOLDER);
}

/** Writes `file` owner-only through a new file renamed over it, whatever the mode of the file it replaces. */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content, { mode: OWNER_ONLY_FILE, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
