/**
 * Which part of a custom-restore session a container is: the database container holds exactly `db.bacpac`,
 * the storage container only `<container>/…` blobs. Pure functions over what a listing saw, a journal
 * remembered and the container's name; upload refuses on any contradiction, verify reports the shape.
 */
import { containerNameProblem, DATABASE_BLOB_NAME } from './names.js';

export type ContainerRole = 'database' | 'storage';

/** How many offending names a shape keeps to show; the count covers the rest. */
const EXAMPLES = 3;

interface Offenders {
  count: number;
  examples: string[];
}

/** What a listing saw, reduced to the evidence about roles (bounded memory whatever the container holds). */
export interface ContainerShape {
  blobs: number;
  /** Blobs a database container must not hold: anything but `db.bacpac`. */
  notDatabase: Offenders;
  /** Blobs a storage container must not hold: `*.bacpac`, or anything outside a valid `<container>/` folder. */
  notStorage: Offenders;
}

export function emptyShape(): ContainerShape {
  return { blobs: 0, notDatabase: { count: 0, examples: [] }, notStorage: { count: 0, examples: [] } };
}

export function observeBlob(shape: ContainerShape, name: string): void {
  shape.blobs++;
  if (name !== DATABASE_BLOB_NAME) note(shape.notDatabase, name);
  const slash = name.indexOf('/');
  if (/\.bacpac$/i.test(name) || slash <= 0 || containerNameProblem(name.slice(0, slash)) !== null) note(shape.notStorage, name);
}

function note(offenders: Offenders, name: string): void {
  offenders.count++;
  if (offenders.examples.length < EXAMPLES) offenders.examples.push(name);
}

/** Why a container with this shape cannot be the `role` container, or null when it can. */
export function shapeProblem(role: ContainerRole, shape: ContainerShape): string | null {
  const offenders = role === 'database' ? shape.notDatabase : shape.notStorage;
  if (offenders.count === 0) return null;
  const more = offenders.count > offenders.examples.length ? ` and ${offenders.count - offenders.examples.length} more` : '';
  const listed = `${offenders.examples.join(', ')}${more}`;
  return role === 'database'
    ? `it holds ${listed}, and a database container holds only db.bacpac`
    : `it holds ${listed}, and a storage container holds only <container>/… folders (valid container names) and no .bacpac`;
}

const DATABASE_WORDS = new Set(['db', 'database', 'databases', 'bacpac', 'sql']);
const STORAGE_WORDS = new Set(['storage', 'files', 'file', 'assets', 'media', 'blobs']);

/**
 * The role a container's name claims (`abc-database`, `abc-storage`, as the Portal emulator names them), or
 * null when it claims none or both. The words are whole hyphen-separated parts: `dbx` claims nothing.
 */
export function roleFromName(container: string): ContainerRole | null {
  const words = container.toLowerCase().split('-');
  const database = words.some((word) => DATABASE_WORDS.has(word));
  const storage = words.some((word) => STORAGE_WORDS.has(word));
  if (database === storage) return null;
  return database ? 'database' : 'storage';
}

export interface RoleEvidence {
  /** The role the URL was given for. */
  role: ContainerRole;
  container: string;
  /** What the listing saw; null when the container was not listed. */
  shape: ContainerShape | null;
  /** The role the journal of this container remembers from an earlier run; null when it remembers none. */
  remembered: ContainerRole | null;
}

/** Every reason the evidence says this URL points at the other part of the session (empty: none found). */
export function roleContradictions(evidence: RoleEvidence): string[] {
  const other = evidence.role === 'database' ? 'storage' : 'database';
  const reasons: string[] = [];
  const shape = evidence.shape && shapeProblem(evidence.role, evidence.shape);
  if (shape) reasons.push(shape);
  if (evidence.remembered === other) reasons.push(`an earlier run uploaded ${other === 'database' ? 'the database' : 'storage files'} to it (the journal remembers it as the ${other} container)`);
  if (roleFromName(evidence.container) === other) reasons.push(`its name "${evidence.container}" says it is the ${other} container`);
  return reasons;
}
