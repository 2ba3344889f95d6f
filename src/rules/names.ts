/**
 * Naming rules of Azure Blob Storage and of the custom restore, as pure functions.
 * Each returns null when the name is fine, or the reason it is not (a sentence fragment).
 */

export const MAX_BLOB_NAME_LENGTH = 1024;
/** Azure's limit on path segments in a blob name. */
export const MAX_BLOB_SEGMENTS = 254;
export const DATABASE_BLOB_NAME = 'db.bacpac';

const containerPattern = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;
// C0 and C1 control characters, and DEL.
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

export function hasUppercase(name: string): boolean {
  return name !== name.toLowerCase();
}

/** Why `name` is not a valid container name (3–63 chars of a-z0-9-, letter or digit at both ends, no `--`), or null. */
export function containerNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters long; container names have 3 to 63`;
  if (/[^a-z0-9-]/.test(name)) return 'may contain only lowercase letters a-z, digits and hyphens';
  if (!containerPattern.test(name)) return 'must start and end with a letter or digit and must not contain "--"';
  return null;
}

/** Why one path segment (a file or folder name) cannot be part of a blob name, or null. */
export function segmentProblem(segment: string): string | null {
  if (segment === '.' || segment === '..') return `is a "${segment}" segment`;
  if (segment.includes('\\')) return 'contains a backslash "\\", which Azure tools treat as a path separator';
  if (controlCharacter.test(segment)) return 'contains a control character';
  if (segment.includes('\ufffd')) return 'is not valid UTF-8 (it shows a replacement character)';
  if (segment.endsWith('.')) return 'ends with ".", which Azure strips or rejects';
  return null;
}

/** Why a blob name breaks Azure's length or depth limits, or null. */
export function blobNameLimitsProblem(blobName: string): string | null {
  if (blobName.length === 0) return 'is empty';
  if (blobName.length > MAX_BLOB_NAME_LENGTH) return `is ${blobName.length} characters long; blob names have at most ${MAX_BLOB_NAME_LENGTH}`;
  const segments = blobName.split('/').length;
  if (segments > MAX_BLOB_SEGMENTS) return `has ${segments} path segments; Azure allows at most ${MAX_BLOB_SEGMENTS}`;
  return null;
}

/** Why a whole blob name is invalid, or null. Checks the limits and each segment. */
export function blobNameProblem(blobName: string): string | null {
  const limits = blobNameLimitsProblem(blobName);
  if (limits) return limits;
  if (blobName.endsWith('/')) return 'ends with "/"';
  for (const segment of blobName.split('/')) {
    if (segment === '') return 'has an empty path segment ("//")';
    const problem = segmentProblem(segment);
    if (problem) return `has a segment "${segment}" that ${problem}`;
  }
  return null;
}

/** The name a file or folder gets remotely: lowercased when asked, otherwise unchanged. */
export function mapName(name: string, lowercase: boolean): string {
  return lowercase ? name.toLowerCase() : name;
}
