/**
 * The local walk, shared by the migration folder and the project folder, streaming, in a deterministic order.
 *
 * Case collisions are found without remembering every path: sibling names that are one name once
 * normalised and case-folded (collisionKey) are grouped, and sibling folders of one group are walked as
 * one merged folder, so two files collide exactly when they meet in the same group. Memory stays bounded by
 * the largest single folder listing, whatever the size of the tree.
 */
import { accessSync, constants, lstatSync } from 'node:fs';
import { access, lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { SyncWhileFast } from '../fs/sync-while-fast.js';
import { error, warning, type Finding } from '../rules/finding.js';
import { blobNameLimitsProblem, collisionKey, containerNameProblem, hasUppercase, isNfc, isSystemFile, mapName, segmentProblem, STATE_DIR_NAME } from '../rules/names.js';
import { finding, notLowercase, notNfc, notUtf8, otherEntryFinding, systemFileFinding, unreadableFinding, type Entry, type Located, type Show } from './local-entry.js';
import type { PayloadFile, SourceEvent } from './types.js';

type LocalEvent = SourceEvent<PayloadFile>;

/** How many lstat calls run at once inside one folder. */
const STAT_CONCURRENCY = 64;
/** How many names of one folder are stat'ed before they are walked. */
const STAT_WINDOW = 1024;

const OWN_UID = process.getuid?.();

/**
 * A file this process owns with the owner's read bit set: the kernel decides by those bits alone (an ACL's
 * owner entry is those bits), so the access() call, one more system call per file, is skipped. Any other
 * file is asked about; and whatever this misses, the engine's open still reports as UNREADABLE.
 */
function ownReadable(stats: { uid: number; mode: number }): boolean {
  return OWN_UID !== undefined && stats.uid === OWN_UID && (stats.mode & constants.S_IRUSR) !== 0;
}

/** How storage names are mapped on the way, and whether OS clutter is sent: from the PayloadSource. */
export interface Naming {
  lowercase: boolean;
  nfc: boolean;
  includeSystemFiles: boolean;
}

/** The storage root: one folder per container, files below; `checkContainer` may refuse a first-level folder (named like a path, not a container). */
export async function* walkStorage(root: string, naming: Naming, show: Show, signal?: AbortSignal, checkContainer?: (folder: Entry) => Finding | null): AsyncGenerator<LocalEvent> {
  const rootReal = await realpath(root);
  const top = await listFolders([{ absolute: root, relative: '' }], rootReal, show);
  yield* top.findings;
  // The top level is a few container folders: stat it whole.
  top.groups = await statGroups(top.groups, show, (found) => top.findings.push(found));
  yield* top.findings.splice(0);
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
      } else if (entry.name === STATE_DIR_NAME && entry.stats?.isDirectory()) {
        yield finding(stateFolderFinding(entry, root, show));
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
    for (const folder of folders) {
      yield* containerNameFindings(folder, naming.lowercase, show);
      const found = checkContainer?.(folder);
      if (found) yield finding(found);
    }
    yield* walkFolder(folders, rootReal, naming, show, signal);
  }
}

/** The journal of an earlier run given `--storage …/storage/<container>`: its local paths and lock must not become blobs. */
function stateFolderFinding(folder: Entry, root: string, show: Show): Finding {
  const beside = path.join(path.dirname(root), STATE_DIR_NAME);
  return error(
    'STATE_FOLDER',
    show(folder.absolute),
    `${STATE_DIR_NAME} is kxp-restore's own state folder (resume journals and locks of an earlier run, left there by a --storage that named a container folder), not a container; it is never uploaded. Move it out of the storage folder, to ${show(beside)} where runs keep it now, or delete it once no run uses it.`,
  );
}

function* containerNameFindings(folder: Entry, lowercase: boolean, show: Show): Generator<LocalEvent> {
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
export async function* walkFolder(folders: Entry[], rootReal: string, naming: Naming, show: Show, signal?: AbortSignal, skip?: (folder: Entry) => boolean): AsyncGenerator<LocalEvent> {
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
  // Stat'ed a window at a time, so a folder of a million files holds its names, never a million Stats.
  for (let start = 0; start < listing.groups.length; start += STAT_WINDOW) {
    const found: LocalEvent[] = [];
    const window = await statGroups(listing.groups.slice(start, start + STAT_WINDOW), show, (event) => found.push(event));
    yield* found;
    for (const group of window) {
      yield* walkGroup(group, rootReal, naming, show, signal, skip);
      for (const entry of group) entry.stats = null; // what was needed is in the events by now
    }
  }
}

/** One group of names that are one name once case-folded (usually one entry), stat'ed. */
async function* walkGroup(group: Entry[], rootReal: string, naming: Naming, show: Show, signal: AbortSignal | undefined, skip: ((folder: Entry) => boolean) | undefined): AsyncGenerator<LocalEvent> {
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

/**
 * A folder as its entries know it: `prefix` is its path normalised, with a separator at the end, so an entry's
 * path is the prefix and its name (the same as path.join, whose normalising cost more than the rest of the walk).
 */
interface ListedFolder extends Located {
  prefix: string;
}

/** An entry of a folder listing: its paths are made when asked, so a folder of a million names holds only the names. */
class FolderEntry implements Entry {
  stats: Entry['stats'] = null;
  statError: Entry['statError'] = null;
  constructor(
    readonly name: string,
    private readonly folder: ListedFolder,
  ) {}

  get absolute(): string {
    return this.folder.prefix + this.name;
  }

  get relative(): string {
    return this.folder.relative ? `${this.folder.relative}/${this.name}` : this.name;
  }
}

interface Listing {
  /** Entries grouped by collision key (NFC, case-folded), groups in key order. */
  groups: Entry[][];
  findings: LocalEvent[];
  unreadable: Set<string>;
}

/**
 * Lists several folders as one and groups names that are one name (collisionKey); nothing is stat'ed yet (statGroups).
 * Each folder must still resolve inside the payload: one swapped for a link since it was found is not listed.
 */
async function listFolders(folders: Located[], rootReal: string, show: Show): Promise<Listing> {
  const findings: LocalEvent[] = [];
  const unreadable = new Set<string>();
  const byKey = new Map<string, Entry[]>();
  for (const folder of folders) {
    let names: string[];
    try {
      const real = await realpath(folder.absolute);
      if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
        unreadable.add(folder.absolute);
        findings.push(finding(error('SYMLINK', show(folder.absolute), `This folder now leads to ${real}, outside the payload (it or a folder above it was swapped for a symbolic link); links are not followed. Put the real folder back.`)));
        continue;
      }
      names = await readdir(folder.absolute);
    } catch (cause) {
      unreadable.add(folder.absolute);
      findings.push(finding(unreadableFinding(show(folder.absolute), cause, 'folder')));
      continue;
    }
    const listed: ListedFolder = { absolute: folder.absolute, relative: folder.relative, prefix: path.join(folder.absolute, path.sep) };
    for (const name of names) {
      const key = collisionKey(name);
      const entry = new FolderEntry(name, listed);
      const group = byKey.get(key);
      if (group) group.push(entry);
      else byKey.set(key, [entry]);
    }
  }
  const groups = [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, group]) => group.sort((a, b) => compare(a.relative, b.relative)));
  return { groups, findings, unreadable };
}

/** The scan's lstat calls: synchronous while they stay fast (a cached local lstat takes a few µs). */
export const scanStats = new SyncWhileFast({ slowMs: 1 });
/** Synchronous stats in a row before the event loop gets a turn (sockets of an upload in progress wait meanwhile). */
const SYNC_STATS_PER_TURN = 64;

/**
 * Stats every entry of the groups (not following links): synchronously while that is fast, else 64 at a
 * time; an entry that cannot be stat'ed is told to `report` and left out of its group (a group left empty is dropped).
 */
async function statGroups(groups: Entry[][], show: Show, report: (event: LocalEvent) => void): Promise<Entry[][]> {
  const entries = groups.flat();
  const later: Entry[] = [];
  let inTurn = 0;
  for (const entry of entries) {
    if (!scanStats.take()) {
      later.push(entry);
      continue;
    }
    if (++inTurn > SYNC_STATS_PER_TURN) {
      inTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    scanStats.timed(() => statSync(entry));
  }
  for (let start = 0; start < later.length; start += STAT_CONCURRENCY) await Promise.all(later.slice(start, start + STAT_CONCURRENCY).map(statAsync));
  for (const entry of entries) if (entry.statError) report(finding(notUtf8(entry, show) ?? unreadableFinding(show(entry.absolute), entry.statError, 'file')));
  return groups.map((group) => group.filter((entry) => !entry.statError)).filter((group) => group.length > 0);
}

function statSync(entry: Entry): void {
  try {
    entry.stats = lstatSync(entry.absolute);
    // lstat succeeds on files the process may not open; find those now rather than mid-upload.
    if (entry.stats.isFile() && !ownReadable(entry.stats)) accessSync(entry.absolute, constants.R_OK);
  } catch (cause) {
    entry.statError = cause as NodeJS.ErrnoException;
  }
}

async function statAsync(entry: Entry): Promise<void> {
  try {
    entry.stats = await lstat(entry.absolute);
    if (entry.stats.isFile() && !ownReadable(entry.stats)) await access(entry.absolute, constants.R_OK);
  } catch (cause) {
    entry.statError = cause as NodeJS.ErrnoException;
  }
}

/** Entries of one group share a lowercased name; any file among them collides with the others. */
function* collisionFindings(group: Entry[], show: Show): Generator<LocalEvent> {
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


/** OS clutter (Thumbs.db, desktop.ini, .DS_Store, ._*) is left out unless --include-system-files. */
function leftOut(entry: Entry, naming: Naming): boolean {
  return !naming.includeSystemFiles && entry.stats?.isFile() === true && isSystemFile(entry.name);
}

function storageFile(entry: Entry, naming: Naming, show: Show): PayloadFile {
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

/** Code-unit order: stable across locales, like blob listings. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

