/** Where a run keeps its journals and locks, and the one place it must not be: inside the files it uploads. */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../../errors.js';
import { displayPath, hasLocalPart, STATE_DIR_NAME } from '../../source/payload.js';
import type { PayloadSource } from '../../source/types.js';

/** The journal folder: `--state-dir`, else `.kxp-restore` in the migration folder (or beside --storage / --bacpac). */
export function defaultStateDir(source: PayloadSource, options: { stateDir?: string; cwd?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.stateDir !== undefined) return path.resolve(cwd, options.stateDir);
  if (!hasLocalPart(source)) return path.resolve(cwd, STATE_DIR_NAME); // only --storage-from sources
  const anchor = source.dir ?? source.project ?? (source.storage !== undefined ? path.dirname(path.resolve(cwd, source.storage)) : path.dirname(path.resolve(cwd, source.bacpac ?? '.')));
  return path.resolve(cwd, anchor, STATE_DIR_NAME);
}

/** The journal holds local absolute paths: kept inside the storage folder, it would be uploaded into the site's storage. */
export async function refuseStateDirInPayload(source: PayloadSource, stateDir: string, options: { cwd?: string }): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  const storageRoot = source.storage !== undefined ? path.resolve(cwd, source.storage) : source.dir !== undefined ? path.resolve(cwd, source.dir, 'storage') : undefined;
  if (storageRoot === undefined) return;
  const [state, root] = await Promise.all([resolvedPath(stateDir), resolvedPath(storageRoot)]);
  if (state !== root && !state.startsWith(root + path.sep)) return;
  throw new KxpError('USAGE', `The state folder ${displayPath(cwd, stateDir)} is inside the storage files, so its journal (with local paths) would be uploaded with them; nothing was sent.`, {
    path: displayPath(cwd, stateDir),
    hint: `Choose a --state-dir outside ${displayPath(cwd, storageRoot)}, or leave it out to use the default (.kxp-restore beside storage/).`,
  });
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
