/**
 * A migration folder as a source: `<dir>/db.bacpac` and `<dir>/storage/<container>/…`, or the files named by
 * `--bacpac` and `--storage` instead. Anything else at the top of the folder is reported, never uploaded.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { error, warning } from '../rules/finding.js';
import { DATABASE_BLOB_NAME, STATE_DIR_NAME } from '../rules/names.js';
import { finding, quotedPath, requireKind, shownName, symlinkFinding, type Show } from './local-entry.js';
import type { PassContext, PayloadFile, Source, SourceEvent } from './types.js';
import { compare, walkStorage, type Naming } from './walk.js';

export { STATE_DIR_NAME };
const STORAGE_DIR_NAME = 'storage';

type LocalEvent = SourceEvent<PayloadFile>;

/** The parts of a migration folder, as absolute paths; at least one is given. */
export interface FolderParts {
  dir?: string;
  bacpac?: string;
  storage?: string;
}

export class FolderSource implements Source {
  readonly kind = 'folder';

  constructor(
    readonly parts: FolderParts,
    private readonly naming: Naming,
  ) {}

  async *events(context: PassContext): AsyncGenerator<LocalEvent> {
    const { dir, bacpac } = this.parts;
    const { show, signal } = context;
    if (dir !== undefined) await requireKind(dir, 'directory', 'migration folder');
    let storageRoot = this.parts.storage;
    if (storageRoot !== undefined) await requireKind(storageRoot, 'directory', '--storage folder');

    if (bacpac !== undefined) {
      const stats = await requireKind(bacpac, 'file', '--bacpac file');
      // A file named on the command line may be a link; it is opened by its real path (links are never followed later).
      yield { type: 'file', file: { ...bacpacFile(bacpac, show(bacpac), stats), absolutePath: await realpath(bacpac) } };
    }
    if (dir !== undefined) {
      for await (const event of scanMigrationFolder(dir, this.parts, show)) {
        if (event.type === 'storage-root') storageRoot = event.path;
        else yield event;
      }
    }
    if (storageRoot !== undefined) yield* walkStorage(storageRoot, this.naming, show, signal);
  }
}

type FolderEvent = LocalEvent | { type: 'storage-root'; path: string };

/** The top level of a migration folder: `db.bacpac`, `storage/`, and anything that does not belong. */
async function* scanMigrationFolder(dir: string, source: FolderParts, show: Show): AsyncGenerator<FolderEvent> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort(byName);
  const databaseFiles = entries.filter((entry) => isDatabaseLike(entry.name));
  for (const entry of databaseFiles) {
    const absolute = path.join(dir, entry.name);
    if (source.bacpac !== undefined) {
      yield finding(warning('IGNORED', show(absolute), `Ignored: --bacpac names the database file to upload, so ${entry.name} in the migration folder is not used.`));
      continue;
    }
    if (entry.isSymbolicLink()) {
      yield finding(await symlinkFinding(absolute, dir, show, `To upload the file it points to, pass it with --bacpac.`));
      continue;
    }
    if (entry.name === DATABASE_BLOB_NAME && entry.isFile()) {
      const stats = await lstat(absolute);
      yield { type: 'file', file: bacpacFile(absolute, show(absolute), stats) };
      continue;
    }
    const others = databaseFiles.filter((other) => other !== entry).map((other) => other.name);
    const reason = entry.name.toLowerCase().endsWith('.dacpac')
      ? `${entry.name} is a .dacpac (schema only, no data); the custom restore needs a .bacpac export with data, named db.bacpac.`
      : `The database file must be named exactly db.bacpac, or the restore fails; found ${shownName(entry.name)}${others.length > 0 ? ` (beside ${others.map(shownName).join(', ')})` : ''}.`;
    yield finding(error('BACPAC_NAME', show(absolute), `${reason} Rename it to db.bacpac, or pass it with --bacpac ${quotedPath(show(absolute))} (it is then uploaded as db.bacpac).`));
  }

  for (const entry of entries) {
    if (databaseFiles.includes(entry) || entry.name === STATE_DIR_NAME) continue;
    const absolute = path.join(dir, entry.name);
    if (entry.name === STORAGE_DIR_NAME && entry.isDirectory()) {
      if (source.storage !== undefined) {
        yield finding(warning('IGNORED', show(absolute), 'Ignored: --storage names the storage folder to upload, so this one is not used.'));
      } else {
        yield { type: 'storage-root', path: absolute };
      }
      continue;
    }
    if (entry.name === STORAGE_DIR_NAME && entry.isSymbolicLink() && source.storage === undefined) {
      const target = await realpath(absolute).catch(() => null);
      yield finding(
        error(
          'SYMLINK',
          show(absolute),
          target === null
            ? 'The storage folder is a broken symbolic link. Point --storage at the real folder.'
            : `The storage folder is a symbolic link, and links are not followed. Pass the real folder instead: --storage ${show(target)}`,
        ),
      );
      continue;
    }
    // A folder that is almost `storage` is the storage folder misnamed: leaving it out would upload half the payload.
    if (entry.isDirectory() && isStorageLike(entry.name) && source.storage === undefined) {
      yield finding(
        error(
          'STORAGE_NAME',
          show(absolute),
          `The storage folder must be named exactly "storage" (lowercase, no spaces), or its files are not uploaded; found ${shownName(entry.name)}. Rename it to storage, or pass it with --storage ${quotedPath(show(absolute))}.`,
        ),
      );
      continue;
    }
    const hint =
      entry.name === STORAGE_DIR_NAME
        ? 'storage here is not a folder; the storage files go in a folder named storage/<container>/…, or pass --storage DIR.'
        : 'Only db.bacpac and storage/ are uploaded from a migration folder; move it elsewhere or ignore this warning.';
    yield finding(warning('IGNORED', show(absolute), `Ignored: ${hint}`));
  }
}

/** Trailing spaces and dots, which a shell or file manager hides and Windows drops. */
function withoutTrailingClutter(name: string): string {
  return name.trim().replace(/[\s.]+$/, '').toLowerCase();
}

/** `db.bacpac`, `DB.bacpac`, `db.bacpac ` (trailing space), `site.bacpac`, `schema.dacpac`: a database file, named or misnamed. */
function isDatabaseLike(name: string): boolean {
  return /\.(bacpac|dacpac)$/.test(withoutTrailingClutter(name));
}

/** `Storage`, `storage ` (trailing space), `STORAGE.`: the storage folder misnamed. */
function isStorageLike(name: string): boolean {
  return name !== STORAGE_DIR_NAME && withoutTrailingClutter(name) === STORAGE_DIR_NAME;
}


function bacpacFile(absolute: string, shown: string, stats: Stats): PayloadFile {
  return {
    kind: 'bacpac',
    absolutePath: absolute,
    displayPath: shown,
    sourceName: path.basename(absolute),
    blobName: DATABASE_BLOB_NAME,
    container: null,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    dev: stats.dev,
    ino: stats.ino,
  };
}

function byName(a: Dirent, b: Dirent): number {
  return compare(a.name, b.name);
}

