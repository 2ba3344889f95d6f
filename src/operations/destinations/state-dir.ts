/** Where a run keeps its journals and locks, and the one place it must not be: inside the files it uploads. */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../../errors.js';
import { displayPath, hasLocalPart, STATE_DIR_NAME } from '../../source/payload.js';
import type { PayloadSource } from '../../source/types.js';

const STORAGE_FOLDER_NAME = 'storage';

/**
 * The journal folder: `--state-dir`, else `.kxp-restore` in the migration folder or the project folder (which
 * skip it), else beside --storage / --bacpac. Never inside a folder named `storage`: after a mistaken
 * `--storage …/storage/default` it goes beside `…/storage`, not into it.
 */
export function defaultStateDir(source: PayloadSource, options: { stateDir?: string; cwd?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.stateDir !== undefined) return path.resolve(cwd, options.stateDir);
  if (!hasLocalPart(source)) return path.resolve(cwd, STATE_DIR_NAME); // only --storage-from sources
  const anchor = path.resolve(cwd, source.dir ?? source.project ?? path.dirname(path.resolve(cwd, source.storage ?? source.bacpac ?? '.')));
  return path.join(isStorageFolder(anchor) ? path.dirname(anchor) : anchor, STATE_DIR_NAME);
}

/** A folder whose files (some or all) are the payload, and what to call it. */
interface PayloadRoot {
  root: string;
  what: string;
  /** The tool's own folder at the top of it, which its scan skips: allowed. */
  ownFolderAllowed: boolean;
}

/**
 * The journal holds local absolute paths and the lock the host and pid: kept inside a payload root (the
 * migration folder, --storage, --project, or the folder named `storage` above a --storage), they would be
 * uploaded with it, or read as a container of it by the next run. Refused before anything is sent.
 */
export async function refuseStateDirInPayload(source: PayloadSource, stateDir: string, options: { cwd?: string }): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  const state = await resolvedPath(stateDir);
  for (const { root, what, ownFolderAllowed } of payloadRoots(source, cwd)) {
    const real = await resolvedPath(root);
    if (state !== real && !state.startsWith(real + path.sep)) continue;
    if (ownFolderAllowed && path.relative(real, state).split(path.sep)[0] === STATE_DIR_NAME) continue;
    const shownState = displayPath(cwd, stateDir);
    const shownRoot = displayPath(cwd, root);
    throw new KxpError('USAGE', `The state folder ${shownState} is inside ${what} ${shownRoot}, so its journal (with local paths) and lock would be uploaded with the payload or read as part of it; nothing was sent.`, {
      path: shownState,
      hint: `Choose a --state-dir outside ${shownRoot}, or leave --state-dir out to use the default (${displayPath(cwd, defaultStateDir(source, { cwd }))}).`,
    });
  }
}

function payloadRoots(source: PayloadSource, cwd: string): PayloadRoot[] {
  const roots: PayloadRoot[] = [];
  if (source.storage !== undefined) {
    const storage = path.resolve(cwd, source.storage);
    roots.push({ root: storage, what: 'the storage files', ownFolderAllowed: false });
    // `--storage …/storage/default`: the folder above is the real storage folder, whose every folder is a container.
    if (isStorageFolder(path.dirname(storage))) roots.push({ root: path.dirname(storage), what: 'the storage folder', ownFolderAllowed: false });
  }
  if (source.dir !== undefined) {
    const dir = path.resolve(cwd, source.dir);
    if (source.storage === undefined) roots.push({ root: path.join(dir, STORAGE_FOLDER_NAME), what: 'the storage files', ownFolderAllowed: false });
    roots.push({ root: dir, what: 'the migration folder', ownFolderAllowed: true });
  }
  if (source.project !== undefined) roots.push({ root: path.resolve(cwd, source.project), what: 'the project folder', ownFolderAllowed: true });
  return roots;
}

function isStorageFolder(folder: string): boolean {
  return path.basename(folder).toLowerCase() === STORAGE_FOLDER_NAME;
}

/** The real path of `target`, resolving links in the part that exists (the state folder may not exist yet). */
async function resolvedPath(target: string): Promise<string> {
  const rest: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    try {
      return path.join(await realpath(current), ...rest.reverse());
    } catch {
      if (path.dirname(current) === current) return target;
      rest.push(path.basename(current));
    }
  }
}
