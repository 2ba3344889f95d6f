/** The payload options every data command shares: `[dir] --bacpac --storage --lowercase`. Defined once here. */
import type { Argv } from 'yargs';
import type { PayloadSource } from '../source/types.js';

export interface SourceArgs {
  dir?: string;
  bacpac?: string;
  storage?: string;
  lowercase?: boolean;
}

export function withSourceOptions<T>(yargs: Argv<T>): Argv<T & SourceArgs> {
  return yargs
    .positional('dir', {
      type: 'string',
      describe: 'Migration folder: holds db.bacpac and storage/<container>/<path…>; either part may be missing',
    })
    .option('bacpac', {
      type: 'string',
      describe: 'Database export to use instead of <dir>/db.bacpac; whatever its name, it is uploaded as db.bacpac',
      requiresArg: true,
    })
    .option('storage', {
      type: 'string',
      describe: 'Storage folder to use instead of <dir>/storage, shaped <container>/<path…> (e.g. a project\'s $StorageAssets)',
      requiresArg: true,
    })
    .option('lowercase', {
      type: 'boolean',
      default: false,
      describe: 'Lowercase every storage name on the way (files on disk are never renamed)',
    }) as Argv<T & SourceArgs>;
}

export function sourceFromArgs(args: SourceArgs): PayloadSource {
  const source: PayloadSource = { lowercase: args.lowercase ?? false };
  if (args.dir !== undefined) source.dir = args.dir;
  if (args.bacpac !== undefined) source.bacpac = args.bacpac;
  if (args.storage !== undefined) source.storage = args.storage;
  return source;
}
