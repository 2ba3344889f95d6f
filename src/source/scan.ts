/**
 * Walks a migration payload into PayloadFiles and Findings, streaming, in a deterministic order.
 *
 * Case collisions are found without remembering every path: sibling names that are one name once
 * normalised and case-folded (collisionKey) are grouped, and sibling folders of one group are walked as
 * one merged folder, so two files collide exactly when they meet in the same group. Memory stays bounded by the largest
 * single folder listing, whatever the size of the tree.
 */
import { constants, type Dirent, type Stats } from 'node:fs';
import { access, lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { error, warning, type Finding } from '../rules/finding.js';
import { blobNameLimitsProblem, collisionKey, containerNameProblem, DATABASE_BLOB_NAME, hasUppercase, isNfc, isSystemFile, lowercaseName, mapName, segmentProblem } from '../rules/names.js';
import type { Layout } from '../rules/layout-model.js';
import { checkedAgainstLayout, layoutOfSource, scanProject } from './project.js';
import type { PayloadFile, PayloadSource } from './types.js';

export type ScanEvent = { type: 'file'; file: PayloadFile } | { type: 'finding'; finding: Finding };

export interface ScanOptions {
  signal?: AbortSignal;
  /** Working directory that display paths are relative to. Default: process.cwd(). */
  cwd?: string;
}

/** The folder the journal lives in by default; never part of the payload. */
export const STATE_DIR_NAME = '.kxp-restore';
const STORAGE_DIR_NAME = 'storage';
/** How many lstat calls run at once inside one folder. */
const STAT_CONCURRENCY = 64;

/** How storage names are mapped on the way, and whether OS clutter is sent: from the PayloadSource. */
interface Naming {
  lowercase: boolean;
  nfc: boolean;
  includeSystemFiles: boolean;
}

interface Located {
  absolute: string;
  /** Path relative to the storage root, forward slashes, as on disk. */
  relative: string;
}

interface Entry extends Located {
  name: string;
  stats: Stats | null;
  statError: NodeJS.ErrnoException | null;
}

/** The folder walker, handed to the project source (src/source/project.ts) so both walk the same way. */
export type WalkEntry = Entry;
export interface Walker {
  walk: (folders: Entry[], rootReal: string, lowercase: boolean, show: (p: string) => string, signal?: AbortSignal, skip?: (folder: Entry) => boolean) => AsyncGenerator<ScanEvent>;
  storage: (root: string, lowercase: boolean, show: (p: string) => string, signal?: AbortSignal) => AsyncGenerator<ScanEvent>;
}

/** The walker the project source uses: it decides lowercasing; --nfc and --include-system-files still apply. */
function projectWalker(naming: Naming): Walker {
  return {
    walk: (folders, rootReal, lowercase, show, signal, skip) => walkFolder(folders, rootReal, { ...naming, lowercase }, show, signal, skip),
    storage: (root, lowercase, show, signal) => scanStorage(root, { ...naming, lowercase }, show, signal),
  };
}

export async function* scanPayload(source: PayloadSource, options: ScanOptions = {}): AsyncGenerator<ScanEvent> {
  const layout = await layoutOfSource(source, options.cwd ?? process.cwd(), options.signal);
  yield* checkedAgainstLayout(scanParts(source, options, layout), layout);
}

async function* scanParts(source: PayloadSource, options: ScanOptions, layout: Layout | null): AsyncGenerator<ScanEvent> {
  const cwd = options.cwd ?? process.cwd();
  const show = (absolute: string) => displayPath(cwd, absolute);
  const naming: Naming = { lowercase: source.lowercase ?? false, nfc: source.nfc ?? false, includeSystemFiles: source.includeSystemFiles ?? false };
  const dir = source.dir === undefined ? undefined : path.resolve(cwd, source.dir);
  if (dir === undefined && source.bacpac === undefined && source.storage === undefined && source.project === undefined) {
    throw new KxpError('USAGE', 'Name a migration folder, or --project, --bacpac and/or --storage.', {
      hint: 'For example: kxp-restore plan ./migration  (holding db.bacpac and storage/<container>/…)',
    });
  }
  if (source.project !== undefined && (dir !== undefined || source.storage !== undefined)) {
    throw new KxpError('USAGE', '--project supplies the storage files; it cannot be combined with a migration folder or --storage.', {
      hint: 'Use --project DIR with --bacpac FILE, or a migration folder (optionally with --layout FILE to check it).',
    });
  }
  if (dir !== undefined) await requireKind(dir, 'directory', 'migration folder');

  let storageRoot: string | undefined;
  if (source.storage !== undefined) {
    storageRoot = path.resolve(cwd, source.storage);
    await requireKind(storageRoot, 'directory', '--storage folder');
  }

  let fileCount = 0;

  // The database part.
  if (source.bacpac !== undefined) {
    const bacpacPath = path.resolve(cwd, source.bacpac);
    const stats = await requireKind(bacpacPath, 'file', '--bacpac file');
    fileCount++;
    // A file named on the command line may be a link; it is opened by its real path (links are never followed later).
    yield { type: 'file', file: { ...bacpacFile(bacpacPath, show(bacpacPath), stats), absolutePath: await realpath(bacpacPath) } };
  }
  if (dir !== undefined) {
    for await (const event of scanMigrationFolder(dir, source, show)) {
      if (event.type === 'storage-root') {
        storageRoot = event.path;
        continue;
      }
      // A misnamed database file is a payload with a problem, not an empty one.
      if (event.type === 'file' || event.finding.code === 'BACPAC_NAME' || event.finding.code === 'STORAGE_NAME') fileCount++;
      yield event;
    }
  }

  if (storageRoot !== undefined) {
    for await (const event of scanStorage(storageRoot, naming, show, options.signal)) {
      if (event.type === 'file') fileCount++;
      yield event;
    }
  }

  if (source.project !== undefined && layout !== null) {
    const project = path.resolve(cwd, source.project);
    await requireKind(project, 'directory', '--project folder');
    for await (const event of scanProject(project, layout, projectWalker(naming), show, options.signal)) {
      if (event.type === 'file') fileCount++;
      yield event;
    }
  }

  if (fileCount === 0) {
    yield {
      type: 'finding',
      finding: error(
        'EMPTY',
        dir === undefined ? show(storageRoot ?? cwd) : show(dir),
        'Nothing to upload: no db.bacpac and no files under storage/<container>/. Put the database export at db.bacpac and the files under storage/<container>/…, or point --bacpac / --storage at them.',
      ),
    };
  }
}

type FolderEvent = ScanEvent | { type: 'storage-root'; path: string };

/** The top level of a migration folder: `db.bacpac`, `storage/`, and anything that does not belong. */
async function* scanMigrationFolder(dir: string, source: PayloadSource, show: (p: string) => string): AsyncGenerator<FolderEvent> {
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

/** A name as the user must see it: quoted when spaces or odd characters would otherwise hide. */
function shownName(name: string): string {
  return /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
}

/** A path as the user would type it in a shell. */
function quotedPath(shown: string): string {
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}

/** The storage root: one folder per container, files below. */
async function* scanStorage(root: string, naming: Naming, show: (p: string) => string, signal?: AbortSignal): AsyncGenerator<ScanEvent> {
  const rootReal = await realpath(root);
  const top = await listFolders([{ absolute: root, relative: '' }], rootReal, show);
  yield* top.findings;
  if (top.groups.length === 0) {
    yield finding(warning('EMPTY_FOLDER', show(root), 'The storage folder is empty; no storage files will be uploaded.'));
    return;
  }
  for (const group of top.groups) {
    signal?.throwIfAborted();
    const folders: Entry[] = [];
    for (const entry of group) {
      if (leftOut(entry, naming)) {
        yield finding(systemFileFinding(entry, show));
      } else if (entry.stats?.isFile()) {
        yield finding(
          error(
            'OUTSIDE_CONTAINER',
            show(entry.absolute),
            `Files must sit inside a container folder (storage/<container>/…); move ${entry.name} into one, for example storage/default/${entry.name}.`,
          ),
        );
      } else if (entry.stats?.isDirectory()) {
        folders.push(entry);
      } else {
        const other = await otherEntryFinding(entry, rootReal, show);
        if (other) yield finding(other);
      }
    }
    if (folders.length === 0) continue;
    for (const folder of folders) yield* containerNameFindings(folder, naming.lowercase, show);
    yield* walkFolder(folders, rootReal, naming, show, signal);
  }
}

function* containerNameFindings(folder: Entry, lowercase: boolean, show: (p: string) => string): Generator<ScanEvent> {
  const mapped = mapName(folder.name, lowercase);
  if (hasUppercase(mapped)) {
    yield finding(notLowercase(folder, show, 'folder'));
    if (containerNameProblem(mapped.toLowerCase()) === null) return;
  }
  const problem = containerNameProblem(mapped.toLowerCase());
  if (problem) {
    yield finding(
      error(
        'CONTAINER_NAME',
        show(folder.absolute),
        `"${folder.name}" is not a valid container name: it ${problem}. Each top-level storage folder becomes a storage container; rename it to the container name of your Blob storage mapping (for example "default").`,
      ),
    );
  }
}

/** Walks one (possibly merged) folder below a container, depth first, in name order. */
async function* walkFolder(folders: Entry[], rootReal: string, naming: Naming, show: (p: string) => string, signal?: AbortSignal, skip?: (folder: Entry) => boolean): AsyncGenerator<ScanEvent> {
  signal?.throwIfAborted();
  const listing = await listFolders(folders, rootReal, show);
  yield* listing.findings;
  if (listing.groups.length === 0) {
    for (const folder of folders) {
      if (!listing.unreadable.has(folder.absolute)) {
        yield finding(warning('EMPTY_FOLDER', show(folder.absolute), 'Empty folder: ignored (blob storage has no folders, only files).'));
      }
    }
    return;
  }
  for (const group of listing.groups) {
    yield* collisionFindings(group, show);
    const subfolders: Entry[] = [];
    for (const entry of group) {
      if (leftOut(entry, naming)) {
        yield finding(systemFileFinding(entry, show));
        continue;
      }
      const segment = segmentProblem(entry.name);
      if (segment) {
        yield finding(error('BLOB_NAME', show(entry.absolute), `"${entry.name}" ${segment}; it cannot be part of a blob name. Rename it.`));
      } else if (hasUppercase(entry.name) && !naming.lowercase) {
        yield finding(notLowercase(entry, show, entry.stats?.isDirectory() ? 'folder' : 'file'));
      }
      if (!naming.nfc && !isNfc(entry.name)) yield finding(notNfc(entry, show));
      if (entry.stats?.isDirectory()) {
        if (!skip?.(entry)) subfolders.push(entry);
      } else if (entry.stats?.isFile()) {
        const file = storageFile(entry, naming, show);
        // Segments were checked one by one on the way down; what is left are the limits of the whole name.
        const problem = blobNameLimitsProblem(file.blobName);
        if (problem) yield finding(error('BLOB_NAME', file.displayPath, `The blob name "${file.blobName}" ${problem}. Shorten the path.`));
        yield { type: 'file', file };
      } else {
        const other = await otherEntryFinding(entry, rootReal, show);
        if (other) yield finding(other);
      }
    }
    if (subfolders.length > 0) yield* walkFolder(subfolders, rootReal, naming, show, signal, skip);
  }
}

interface Listing {
  /** Entries grouped by collision key (NFC, case-folded), groups in key order. */
  groups: Entry[][];
  findings: ScanEvent[];
  unreadable: Set<string>;
}

/**
 * Lists several folders as one, stats every entry (not following links) and groups names that are one name (collisionKey).
 * Each folder must still resolve inside the payload: one swapped for a link since it was found is not listed.
 */
async function listFolders(folders: Located[], rootReal: string, show: (p: string) => string): Promise<Listing> {
  const findings: ScanEvent[] = [];
  const unreadable = new Set<string>();
  const entries: Entry[] = [];
  for (const folder of folders) {
    let dirents: Dirent[];
    try {
      const real = await realpath(folder.absolute);
      if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
        unreadable.add(folder.absolute);
        findings.push(finding(error('SYMLINK', show(folder.absolute), `This folder now leads to ${real}, outside the payload (it or a folder above it was swapped for a symbolic link); links are not followed. Put the real folder back.`)));
        continue;
      }
      dirents = await readdir(folder.absolute, { withFileTypes: true });
    } catch (cause) {
      unreadable.add(folder.absolute);
      findings.push(finding(unreadableFinding(show(folder.absolute), cause, 'folder')));
      continue;
    }
    for (const dirent of dirents) {
      const absolute = path.join(folder.absolute, dirent.name);
      entries.push({ name: dirent.name, absolute, relative: folder.relative ? `${folder.relative}/${dirent.name}` : dirent.name, stats: null, statError: null });
    }
  }
  for (let start = 0; start < entries.length; start += STAT_CONCURRENCY) {
    await Promise.all(
      entries.slice(start, start + STAT_CONCURRENCY).map(async (entry) => {
        try {
          entry.stats = await lstat(entry.absolute);
          // lstat succeeds on files the process may not open; find those now rather than mid-upload.
          if (entry.stats.isFile()) await access(entry.absolute, constants.R_OK);
        } catch (cause) {
          entry.statError = cause as NodeJS.ErrnoException;
        }
      }),
    );
  }
  const byKey = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (entry.statError) {
      findings.push(finding(notUtf8(entry, show) ?? unreadableFinding(show(entry.absolute), entry.statError, 'file')));
      continue;
    }
    const key = collisionKey(entry.name);
    const group = byKey.get(key);
    if (group) group.push(entry);
    else byKey.set(key, [entry]);
  }
  const groups = [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, group]) => group.sort((a, b) => compare(a.relative, b.relative)));
  return { groups, findings, unreadable };
}

/** Entries of one group share a lowercased name; any file among them collides with the others. */
function* collisionFindings(group: Entry[], show: (p: string) => string): Generator<ScanEvent> {
  if (group.length < 2) return;
  const files = group.filter((entry) => !entry.stats?.isDirectory());
  if (files.length === 0) return; // folders only: merged and walked as one, their files checked below
  const names = group.map((entry) => show(entry.absolute));
  yield finding(
    error(
      'CASE_COLLISION',
      names[0] ?? '',
      `${names.join(' and ')} are one name once Unicode-normalised (NFC) and case-folded, so one would overwrite the other (or be unreachable on a case-insensitive system). Rename or remove one of them (this is an error even with --lowercase).`,
    ),
  );
}

async function otherEntryFinding(entry: Entry, rootReal: string, show: (p: string) => string): Promise<Finding | null> {
  if (entry.stats?.isSymbolicLink()) return symlinkFinding(entry.absolute, rootReal, show, 'Copy the file or folder in place if it must be uploaded.');
  return error('SPECIAL_FILE', show(entry.absolute), 'Not a regular file or folder (a socket, pipe or device); remove it from the payload.');
}

async function symlinkFinding(absolute: string, root: string, show: (p: string) => string, fix: string): Promise<Finding> {
  let target: string;
  try {
    target = await realpath(absolute);
  } catch {
    return error('SYMLINK', show(absolute), `Broken symbolic link: it points to nothing. Remove it. ${fix}`);
  }
  const rootReal = await realpath(root);
  const inside = target === rootReal || target.startsWith(rootReal + path.sep);
  return inside
    ? warning('SYMLINK', show(absolute), `Symbolic link not followed (it points inside the payload, to ${show(target)}); it is not uploaded.`)
    : error('SYMLINK', show(absolute), `Symbolic link to ${target}, outside the payload; links are not followed. ${fix}`);
}

function notLowercase(entry: Entry, show: (p: string) => string, what: 'file' | 'folder'): Finding {
  return error(
    'NOT_LOWERCASE',
    show(entry.absolute),
    `The ${what} name "${entry.name}" has uppercase letters; the custom restore needs every storage name in lowercase. Rename it to "${lowercaseName(entry.name)}", or pass --lowercase to lowercase names on the way (files on disk are not renamed).`,
  );
}

/**
 * Node decodes a name that is not valid UTF-8 with U+FFFD in place of the bad bytes, so the decoded path
 * names no file (ENOENT). Such a name cannot become a blob name (they are UTF-8): a naming error, not a permission one.
 */
function notUtf8(entry: Entry, show: (p: string) => string): Finding | null {
  if (entry.statError?.code !== 'ENOENT' || !entry.name.includes('\uFFFD')) return null;
  return error('BLOB_NAME', show(entry.absolute), `The name "${entry.name}" is not valid UTF-8 (bytes that cannot be read are shown as \uFFFD); blob names must be UTF-8. Rename it.`);
}

function notNfc(entry: Entry, show: (p: string) => string): Finding {
  return error(
    'NOT_NFC',
    show(entry.absolute),
    `The name "${entry.name}" is not in Unicode form NFC (accents stored as separate marks, as macOS may write them), so the site would not find it under the name it shows. Rename it, or pass --nfc to normalise names on the way (files on disk are not renamed).`,
  );
}

/** OS clutter (Thumbs.db, desktop.ini, .DS_Store, ._*) is left out unless --include-system-files. */
function leftOut(entry: Entry, naming: Naming): boolean {
  return !naming.includeSystemFiles && entry.stats?.isFile() === true && isSystemFile(entry.name);
}

function systemFileFinding(entry: Entry, show: (p: string) => string): Finding {
  return warning('SYSTEM_FILE', show(entry.absolute), `Operating-system file (${entry.name}) left out; pass --include-system-files to upload it.`);
}

function unreadableFinding(shown: string, cause: unknown, what: 'file' | 'folder'): Finding {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  return error('UNREADABLE', shown, `Cannot read this ${what} (${code}). Fix its permissions or remove it from the payload.`);
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

function storageFile(entry: Entry, naming: Naming, show: (p: string) => string): PayloadFile {
  const blobName = mapName(entry.relative, naming.lowercase, naming.nfc);
  const container = blobName.slice(0, blobName.indexOf('/'));
  return {
    kind: 'storage',
    absolutePath: entry.absolute,
    displayPath: show(entry.absolute),
    sourceName: entry.relative,
    blobName,
    container,
    size: entry.stats?.size ?? 0,
    mtimeMs: entry.stats?.mtimeMs ?? 0,
    dev: entry.stats?.dev ?? 0,
    ino: entry.stats?.ino ?? 0,
  };
}

async function requireKind(target: string, kind: 'file' | 'directory', what: string): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await stat(target);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new KxpError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `The ${what} ${target} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`, {
      path: target,
      hint: 'Check the path and run again.',
      cause,
    });
  }
  const ok = kind === 'file' ? stats.isFile() : stats.isDirectory();
  if (!ok) throw new KxpError('USAGE', `The ${what} ${target} is not a ${kind}.`, { path: target, hint: `Pass a ${kind}.` });
  return stats;
}

function finding(value: Finding): ScanEvent {
  return { type: 'finding', finding: value };
}

function byName(a: Dirent, b: Dirent): number {
  return compare(a.name, b.name);
}

/** Code-unit order: stable across locales, like blob listings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the payload names anything on this machine (a migration folder, --project, --bacpac or --storage), beside any --storage-from. */
export function hasLocalPart(source: PayloadSource): boolean {
  return source.dir !== undefined || source.project !== undefined || source.bacpac !== undefined || source.storage !== undefined;
}

/** A path the user would recognise: relative to the working directory when below it. */
export function displayPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return absolute.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}
