/**
 * The two parts of a payload, and which of them the user asked for. A restore replaces the environment's
 * database and recreates every storage container from what the two restore containers hold, so a payload
 * missing one part is a decision the user must have taken: `--database-only`, `--storage-only`, or naming only
 * `--bacpac` (only `--storage`, `--project`, `--storage-from`). Otherwise the missing part is MISSING_PART.
 */
import { KxpError } from '../errors.js';
import { error, type Finding } from '../rules/finding.js';
import type { PayloadSource } from './types.js';

export interface WantedParts {
  database: boolean;
  storage: boolean;
}

/** Which parts the payload must have, from what the user named; contradictory flags are a usage error. */
export function wantedParts(source: PayloadSource): WantedParts {
  const namesStorage = source.storage !== undefined || source.project !== undefined || (source.storageFrom?.length ?? 0) > 0;
  if (source.databaseOnly && source.storageOnly) {
    throw new KxpError('USAGE', '--database-only and --storage-only exclude each other.', { hint: 'Give one of them, or neither to send both parts.' });
  }
  if (source.databaseOnly && namesStorage) {
    throw new KxpError('USAGE', '--database-only sends no storage files, yet --storage, --project or --storage-from names some.', { hint: 'Leave out --database-only to send both parts, or the storage option to send the database alone.' });
  }
  if (source.storageOnly && source.bacpac !== undefined) {
    throw new KxpError('USAGE', '--storage-only sends no database, yet --bacpac names one.', { hint: 'Leave out --storage-only to send both parts, or --bacpac to send the storage files alone.' });
  }
  // Naming one part and no migration folder says which part is meant.
  const onlyDatabaseNamed = source.dir === undefined && source.bacpac !== undefined && !namesStorage;
  const onlyStorageNamed = source.dir === undefined && source.bacpac === undefined && namesStorage;
  return { database: !source.storageOnly && !onlyStorageNamed, storage: !source.databaseOnly && !onlyDatabaseNamed };
}

/** The finding for a part the user did not decide to leave out: what the restore will do without it, and how to say it is meant. */
export function missingPart(part: 'database' | 'storage', where: string): Finding {
  if (part === 'database') {
    return error(
      'MISSING_PART',
      where,
      'No db.bacpac: the payload has storage files only. The restore replaces the environment\'s database with the db.bacpac of the database container, so without one it fails, or restores a db.bacpac an earlier upload of this session left there. ' +
        'Put the database export at db.bacpac (or pass --bacpac FILE); if you mean to send the storage files alone, say so with --storage-only (or name only --storage).',
    );
  }
  return error(
    'MISSING_PART',
    where,
    'No storage files: the payload has db.bacpac only. The restore deletes every storage container of the environment and recreates it from the storage container, so the environment\'s storage is recreated from an empty container (its media and files are gone). ' +
      'Put the files under storage/<container>/… (or pass --storage DIR, --storage-from URL); if you mean to send the database alone, say so with --database-only (or name only --bacpac).',
  );
}
