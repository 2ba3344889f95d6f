/**
 * Where the two parts of a payload live on this machine. The manifest names local files relative to these
 * roots, so every shard finds them in its own copy of the payload, wherever that copy is.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { PayloadSource } from '../../source/types.js';

export interface PartRoots {
  /** The database export, or null when the payload has none. */
  bacpac: string | null;
  /** The folder storage names are relative to: `--storage`, the project folder, or `<dir>/storage`. */
  storage: string | null;
}

export async function partRoots(source: PayloadSource, cwd: string): Promise<PartRoots> {
  const resolve = (part: string | undefined) => (part === undefined ? null : path.resolve(cwd, part));
  const bacpac = resolve(source.bacpac) ?? (source.dir !== undefined ? path.resolve(cwd, source.dir, 'db.bacpac') : null);
  const storage = resolve(source.storage) ?? resolve(source.project) ?? (source.dir !== undefined ? path.resolve(cwd, source.dir, 'storage') : null);
  // The scan names files by their real path: so must the roots they are taken relative to.
  return { bacpac: bacpac && (await realpath(bacpac).catch(() => bacpac)), storage: storage && (await realpath(storage).catch(() => storage)) };
}

/** A manifest path (forward slashes) to this machine's file. */
export function localPath(roots: PartRoots, role: 'database' | 'storage', relative: string): string | null {
  if (role === 'database') return roots.bacpac;
  return roots.storage && path.join(roots.storage, ...relative.split('/'));
}

/** This machine's file to a manifest path (forward slashes), relative to its part's root. */
export function manifestPath(roots: PartRoots, role: 'database' | 'storage', absolute: string): string {
  if (role === 'database') return path.basename(absolute);
  return path.relative(roots.storage ?? '', absolute).split(path.sep).join('/');
}
