/**
 * The accept-list of a migration folder and of the storage folder's first level. At the top of a migration
 * folder only `db.bacpac`, `storage/`, the tool's own state folder and operating-system clutter may sit:
 * anything else is `UNEXPECTED_ENTRY`, named with what it looks like (a lookalike or misspelt name, a readable
 * BACPAC, a tree shaped `<container>/…`) and the fix. Leaving out half the payload by a name that only looks
 * right is the mistake this catches; `--ignore NAME` leaves an entry out on purpose.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { looksLikeBacpac } from '../bacpac/quick-check.js';
import { error, type Finding } from '../rules/finding.js';
import { containersOf, templateDefaultLayout, type Layout } from '../rules/layout-model.js';
import { lookalike, type Lookalike } from '../rules/lookalike.js';
import { DATABASE_BLOB_NAME, isContainerName, isFolderClutter } from '../rules/names.js';
import { quotedPath, shownName, type Show } from './local-entry.js';

export const STORAGE_DIR_NAME = 'storage';

/** What an unexpected entry turned out to be, read cheaply (a zip's directory, one folder listing). */
type Shape = { kind: 'bacpac' } | { kind: 'storage'; containers: string[] } | { kind: 'migration'; holds: string[] } | { kind: 'link' } | { kind: 'other' };

const MAX_NAMED = 3;

/** The finding for an entry at the top of a migration folder that is none of db.bacpac, storage/, state or clutter. */
export async function unexpectedTopEntry(absolute: string, entry: Dirent, show: Show, signal?: AbortSignal): Promise<Finding> {
  const name = entry.name;
  const shape = await shapeOf(absolute, entry, signal);
  const likeDatabase = entry.isDirectory() ? null : lookalike(name, DATABASE_BLOB_NAME);
  const likeStorage = entry.isFile() ? null : lookalike(name, STORAGE_DIR_NAME);
  const sentences = [`${shownName(name)} is not part of a migration folder, which holds only db.bacpac, storage/ and operating-system files, so it would not be uploaded.`];
  if (likeDatabase) sentences.push(resemblance(likeDatabase, DATABASE_BLOB_NAME));
  else if (likeStorage) sentences.push(resemblance(likeStorage, `${STORAGE_DIR_NAME}/`));
  if (name === STORAGE_DIR_NAME) sentences.push('storage here is not a folder: the storage files go in a folder storage/<container>/….');
  sentences.push(describeShape(shape));
  const shown = quotedPath(show(absolute));
  const fixes: string[] = [];
  if (likeDatabase || shape.kind === 'bacpac') fixes.push(`rename it to db.bacpac, or pass it with --bacpac ${shown}`);
  else if (likeStorage || shape.kind === 'storage') fixes.push(`rename it to storage, or pass it with --storage ${shown}`);
  else if (shape.kind === 'migration') fixes.push(`name that folder as the migration folder instead`);
  else fixes.push('move it out of the migration folder');
  fixes.push(`leave it out on purpose with --ignore ${quotedPath(name)}`);
  sentences.push(`${capitalised(fixes.join(', or '))}.`);
  return error('UNEXPECTED_ENTRY', show(absolute), sentences.filter((sentence) => sentence !== '').join(' '));
}

/**
 * A first-level folder of the storage folder named like a path inside a container rather than a container
 * (`storage/assets/…`, the container level forgotten): the restore would create a container `assets` that no
 * mapping reads. Judged by the template's mapping (`default` ← `assets/`) when no layout is given; a given
 * layout checks every first-level folder itself (UNMAPPED_CONTAINER).
 */
export function prefixFolderFinding(name: string, absolute: string, layout: Layout | null, show: Show): Finding | null {
  if (layout !== null) return null;
  const template = templateDefaultLayout();
  const folder = name.toLowerCase();
  if (containersOf(template).has(folder)) return null;
  const rule = template.rules.find((candidate) => candidate.prefix.split('/')[0] === folder);
  if (rule === undefined) return null;
  return error(
    'UNEXPECTED_ENTRY',
    show(absolute),
    `${shownName(name)} is named like a folder inside a container, not like a container: the storage mapping of a project made from the template serves ${rule.prefix} from container ${rule.container}, so a container named ${folder} would never be read by the site. ` +
      `Move it down one level, to ${rule.container}/${folder}/…, or, if your project does map a container named ${folder}, say so with --layout FILE (or --project DIR).`,
  );
}

/**
 * `--storage migration/storage/default`: one level too deep, so each folder inside the container (`assets`)
 * would become a container. Known when the folder is named like a container of the layout (or of the template)
 * and sits in a folder named storage.
 */
export function tooDeepStorageFinding(storage: string, layout: Layout | null, show: Show): Finding | null {
  const name = path.basename(storage);
  const parent = path.dirname(storage);
  if (path.basename(parent).toLowerCase() !== STORAGE_DIR_NAME) return null;
  if (!containersOf(layout ?? templateDefaultLayout()).has(name.toLowerCase())) return null;
  return error(
    'UNEXPECTED_ENTRY',
    show(storage),
    `--storage names ${shownName(name)}, a container folder inside ${show(parent)}: one level too deep, so each folder inside it would become a container of its own and the site would read none of them. Pass the storage folder itself: --storage ${quotedPath(show(parent))}.`,
  );
}

/**
 * A folder holding only what kxp-restore keeps in a state folder (journals, locks, shard folders): one left by an
 * earlier run with `--state-dir` inside the migration folder, which this run was not told about.
 */
export async function isStateFolder(absolute: string, entry: Dirent): Promise<boolean> {
  if (!entry.isDirectory()) return false;
  const children = await readdir(absolute, { withFileTypes: true }).catch(() => [] as Dirent[]);
  const kept = children.filter((child) => !isFolderClutter(child.name));
  return kept.length > 0 && kept.every((child) => (child.isFile() && /\.(journal|lock|jsonl)$/.test(child.name)) || (child.isDirectory() && /^shard-\d+-of-\d+$/.test(child.name)));
}

function resemblance(like: Lookalike, expected: string): string {
  const details = like.differences.length > 0 ? `: ${like.differences.join('; ')}` : '';
  return like.kind === 'confusable' ? `It looks like ${expected} but is another name${details}.` : `Its name is close to ${expected}${details}.`;
}

function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case 'bacpac':
      return 'It is a readable BACPAC (its zip holds model.xml and Origin.xml).';
    case 'storage':
      return `It holds a tree shaped like storage/<container>/… (${named(shape.containers)}).`;
    case 'migration':
      return `It holds ${shape.holds.join(' and ')}: a migration folder of its own.`;
    case 'link':
      return 'It is a symbolic link (links are not followed).';
    case 'other':
      return '';
  }
}

async function shapeOf(absolute: string, entry: Dirent, signal?: AbortSignal): Promise<Shape> {
  if (entry.isSymbolicLink()) return { kind: 'link' };
  if (entry.isFile()) return (await looksLikeBacpac(absolute, { signal })) ? { kind: 'bacpac' } : { kind: 'other' };
  if (!entry.isDirectory()) return { kind: 'other' };
  const children = await readdir(absolute, { withFileTypes: true }).catch(() => [] as Dirent[]);
  const kept = children.filter((child) => !isFolderClutter(child.name));
  const holds = kept.filter((child) => child.name === DATABASE_BLOB_NAME || (child.name === STORAGE_DIR_NAME && child.isDirectory())).map((child) => child.name);
  if (holds.length > 0) return { kind: 'migration', holds };
  if (kept.length > 0 && kept.every((child) => child.isDirectory() && isContainerName(child.name))) {
    return { kind: 'storage', containers: kept.map((child) => child.name).sort() };
  }
  return { kind: 'other' };
}

function named(names: string[]): string {
  return names.length > MAX_NAMED ? `${names.slice(0, MAX_NAMED).join(', ')} and ${names.length - MAX_NAMED} more` : names.join(', ');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
