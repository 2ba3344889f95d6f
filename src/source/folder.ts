/**
 * A migration folder as a source: `<dir>/db.bacpac` and `<dir>/storage/<container>/…`, or the files named by
 * `--bacpac` and `--storage` instead. Anything else at the top of the folder is an error unless left out with --ignore.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { error, warning } from '../rules/finding.js';
import type { Layout } from '../rules/layout-model.js';
import { DATABASE_BLOB_NAME, isFolderClutter, STATE_DIR_NAME } from '../rules/names.js';
import { finding, quotedPath, requireKind, shownName, symlinkFinding, type Entry, type Show } from './local-entry.js';
import type { PassContext, PayloadFile, Source, SourceEvent } from './types.js';
import { isStateFolder, prefixFolderFinding, STORAGE_DIR_NAME, tooDeepStorageFinding, unexpectedTopEntry } from './unexpected.js';
import { compare, walkStorage, type Naming } from './walk.js';

export { STATE_DIR_NAME };

type LocalEvent = SourceEvent<PayloadFile>;

/** The parts of a migration folder, as absolute paths; at least one is given. */
export interface FolderParts {
  dir?: string;
  bacpac?: string;
  storage?: string;
  /** Names at the top of the migration folder left out on purpose (--ignore). */
  ignore?: string[];  /** Files the command itself reads or writes (absolute): left out where they sit. */
  commandFiles?: string[];
  /** --database-only: <dir>/storage is left out. */
  databaseOnly?: boolean;
  /** --storage-only: <dir>/db.bacpac is left out. */
  storageOnly?: boolean;
}

export class FolderSource implements Source {
  readonly kind = 'folder';

  constructor(
    readonly parts: FolderParts,
    private readonly naming: Naming,
    /** The layout storage is checked against, or null: then only the template's prefixes are known (see prefixFolderFinding). */
    private readonly layout: Layout | null = null,
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
      for await (const event of scanMigrationFolder(dir, this.parts, show, signal)) {
        if (event.type === 'storage-root') storageRoot = event.path;
        else yield event;
      }
    }
    if (this.parts.storage !== undefined) {
      const tooDeep = tooDeepStorageFinding(this.parts.storage, this.layout, show);
      if (tooDeep) yield finding(tooDeep);
    }
    const layout = this.layout;
    const containerCheck = (folder: Entry) => prefixFolderFinding(folder.name, folder.absolute, layout, show);
    if (storageRoot !== undefined) yield* walkStorage(storageRoot, this.naming, show, signal, containerCheck);
  }
}

type FolderEvent = LocalEvent | { type: 'storage-root'; path: string };

/**
 * The top level of a migration folder, an accept-list: `db.bacpac`, `storage/`, the state folder and
 * operating-system clutter; a near miss of either name is BACPAC_NAME or STORAGE_NAME, anything else UNEXPECTED_ENTRY.
 */
async function* scanMigrationFolder(dir: string, source: FolderParts, show: Show, signal?: AbortSignal): AsyncGenerator<FolderEvent> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort(byName);
  const ignored = new Set(source.ignore ?? []);
  const commandFiles = source.commandFiles ?? [];
  const databaseFiles = entries.filter((entry) => !ignored.has(entry.name) && isDatabaseLike(entry.name));
  for (const entry of databaseFiles) {
    const absolute = path.join(dir, entry.name);
    if (source.bacpac !== undefined || source.storageOnly) {
      const why = source.storageOnly ? '--storage-only leaves the database out' : '--bacpac names the database file to upload';
      yield finding(warning('IGNORED', show(absolute), `Ignored: ${why}, so ${entry.name} in the migration folder is not used.`));
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
    if (ignored.has(entry.name)) {
      yield finding(warning('IGNORED', show(absolute), 'Left out on purpose (--ignore).'));
      continue;
    }
    if (commandFiles.some((file) => file === absolute || file.startsWith(absolute + path.sep))) {
      yield finding(warning('IGNORED', show(absolute), 'Ignored: this command reads or writes it (named by one of its options); not part of the payload.'));
      continue;
    }
    if (isFolderClutter(entry.name)) {
      yield finding(warning('IGNORED', show(absolute), 'Ignored: operating-system clutter, never part of the payload.'));
      continue;
    }
    if ((entry.name === STORAGE_DIR_NAME || isStorageLike(entry.name)) && entry.isDirectory() && (source.storage !== undefined || source.databaseOnly)) {
      const why = source.databaseOnly ? '--database-only leaves the storage files out' : '--storage names the storage folder to upload';
      yield finding(warning('IGNORED', show(absolute), `Ignored: ${why}, so this one is not used.`));
      continue;
    }
    if (entry.name === STORAGE_DIR_NAME && entry.isDirectory()) {
      yield { type: 'storage-root', path: absolute };
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
    if (entry.isDirectory() && isStorageLike(entry.name)) {
      yield finding(
        error(
          'STORAGE_NAME',
          show(absolute),
          `The storage folder must be named exactly "storage" (lowercase, no spaces), or its files are not uploaded; found ${shownName(entry.name)}. Rename it to storage, or pass it with --storage ${quotedPath(show(absolute))}.`,
        ),
      );
      continue;
    }
    if (await isStateFolder(absolute, entry)) {
      yield finding(warning('IGNORED', show(absolute), 'Ignored: a kxp-restore state folder (journals and locks of an earlier run), not part of the payload.'));
      continue;
    }
    yield finding(await unexpectedTopEntry(absolute, entry, show, signal));
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

