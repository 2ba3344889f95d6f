/**
 * Naming rules of Azure Blob Storage and of the custom restore, as pure functions.
 * Each returns null when the name is fine, or the reason it is not (a sentence fragment).
 */
import { describeCharacter, plainReading } from './lookalike.js';

export const MAX_BLOB_NAME_LENGTH = 1024;
/** Azure's limit on path segments in a blob name. */
export const MAX_BLOB_SEGMENTS = 254;
export const DATABASE_BLOB_NAME = 'db.bacpac';
/** kxp-restore's own folder (journals, locks) by default; never part of the payload, never a container. */
export const STATE_DIR_NAME = '.kxp-restore';

const containerPattern = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;
const storageAccountPattern = /^[a-z0-9]{3,24}$/;
// C0 and C1 control characters, and DEL.
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

// Names made only of ASCII need none of the Unicode work below: the fast path of a scan of 10^6 files.
// eslint-disable-next-line no-control-regex
const asciiOnly = /^[\u0000-\u007f]*$/;
const DOTTED_CAPITAL_I = '\u0130';
const foldCache = new Map<string, string>();

/**
 * Lowercase, code point by code point, with Unicode's simple mapping (UnicodeData.txt, as .NET's
 * ToLowerInvariant): no context rule (a final `Σ` becomes `σ`, not `ς`) and no change of length (`İ`
 * becomes `i`, not `i` + U+0307). JavaScript's toLowerCase applies both; it is used one code point at a
 * time, where `İ` is the only code point whose full mapping is longer.
 */
export function lowercaseName(name: string): string {
  if (asciiOnly.test(name)) return name.toLowerCase();
  let lowered = '';
  for (const character of name) lowered += simpleLower(character);
  return lowered;
}

function simpleLower(character: string): string {
  return character === DOTTED_CAPITAL_I ? 'i' : character.toLowerCase();
}

/**
 * The key under which two names are one name: NFC, then a case fold per code point (lowercase, uppercase,
 * lowercase again, each a single code point), so `café` in NFC and NFD, `ΟΔΟΣ`/`οδοσ`/`οδος`, `ıcon`/`Icon`,
 * `ẞ`/`ß` and `µ`/`μ` each share a key. ASCII names keep their plain lowercase as key.
 */
export function collisionKey(name: string): string {
  if (asciiOnly.test(name)) return name.toLowerCase();
  let key = '';
  for (const character of name.normalize('NFC')) {
    let folded = foldCache.get(character);
    if (folded === undefined) {
      const lower = simpleLower(character);
      const upper = lower.toUpperCase();
      folded = [...upper].length === 1 ? simpleLower(upper) : lower;
      foldCache.set(character, folded);
    }
    key += folded;
  }
  return key;
}

/** Files an operating system leaves behind: Windows thumbnails and folder settings, macOS Finder data and resource forks. */
export function isSystemFile(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'thumbs.db' || lower === 'desktop.ini' || name === '.DS_Store' || name.startsWith('._');
}

/**
 * Folders and files an operating system or a file manager puts at the top of a folder or drive: the recycle bin,
 * volume information, Finder and Spotlight data, KDE's folder settings. Never part of a payload.
 */
export function isFolderClutter(name: string): boolean {
  return isSystemFile(name) || FOLDER_CLUTTER.has(name.toLowerCase()) || name === 'Icon\r';
}

const FOLDER_CLUTTER = new Set([
  '$recycle.bin',
  'recycler',
  'system volume information',
  '.trashes',
  '.trash',
  '.spotlight-v100',
  '.fseventsd',
  '.temporaryitems',
  '.documentrevisions-v100',
  '.apdisk',
  '.localized',
  '.directory',
  'ehthumbs.db',
  'ehthumbs_vista.db',
]);

/** Whether a name is in Unicode Normalization Form C (what Windows and most tools produce; macOS may give NFD). */
export function isNfc(name: string): boolean {
  return asciiOnly.test(name) || name === name.normalize('NFC');
}

export function hasUppercase(name: string): boolean {
  return name !== lowercaseName(name);
}

/** Whether `name` is a valid container name (3–63 chars of a-z0-9-, letter or digit at both ends, no `--`). */
export function isContainerName(name: string): boolean {
  return containerPattern.test(name);
}

/** Whether `name` is a valid storage account name (3–24 lowercase letters and digits). */
export function isStorageAccountName(name: string): boolean {
  return storageAccountPattern.test(name);
}

/** Why `name` is not a valid container name (3–63 chars of a-z0-9-, letter or digit at both ends, no `--`), or null. */
export function containerNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters long; container names have 3 to 63`;
  if (/[^a-z0-9-]/.test(name)) return `may contain only lowercase letters a-z, digits and hyphens${notAllowedText(name)}`;
  if (!containerPattern.test(name)) return 'must start and end with a letter or digit and must not contain "--"';
  return null;
}

/** `, not '_' or ' '`, naming at most three characters a container name may not hold; for lookalike letters also what the name reads as. */
function notAllowedText(name: string): string {
  const odd = [...new Set(name.match(/[^a-z0-9-]/gu) ?? [])];
  const shown = odd.slice(0, 3).map((character) => (character === ' ' ? "' ' (a space)" : describeCharacter(character)));
  const more = odd.length > 3 ? ` and ${odd.length - 3} more` : '';
  const plain = !/[^\x20-\x7e]/.test(name) ? null : plainReading(name);
  const readsAs = plain !== null && plain !== name && isContainerName(plain) ? `; it reads as "${plain}", which is valid` : '';
  return `, not ${shown.join(', ')}${more}${readsAs}`;
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

/** The name a file or folder gets remotely: NFC and lowercased (code point by code point) when asked, otherwise unchanged. */
export function mapName(name: string, lowercase: boolean, nfc = false): string {
  const composed = nfc && !asciiOnly.test(name) ? name.normalize('NFC') : name;
  return lowercase ? lowercaseName(composed) : composed;
}
