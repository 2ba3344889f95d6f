/**
 * A file or folder met by a local walk (migration folder, --storage, project folder), and the findings
 * about one: links, special files, names that are not lowercase, NFC or UTF-8, unreadable entries.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { error, warning, type Finding } from '../rules/finding.js';
import { lowercaseName } from '../rules/names.js';
import type { PayloadFile, SourceEvent } from './types.js';

export interface Located {
  absolute: string;
  /** Path relative to the storage root, forward slashes, as on disk. */
  relative: string;
}

export interface Entry extends Located {
  name: string;
  stats: Stats | null;
  statError: NodeJS.ErrnoException | null;
}

/** A path as the user sees it. */
export type Show = (absolute: string) => string;

/** A name as the user must see it: quoted when spaces or odd characters would otherwise hide, a character no terminal shows as `\uXXXX`. */
export function shownName(name: string): string {
  if (/^[\w.-]+$/.test(name)) return name;
  return JSON.stringify(name).replace(hiddenEverywhere, (character) => `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/**
 * A path as the user would type it in a shell. One holding a character a terminal does not show (a zero-width
 * space, a combining mark, a control) is written `$'…'` with `\uXXXX` escapes, which bash and zsh read back.
 */
export function quotedPath(shown: string): string {
  if (/^[\w./-]+$/.test(shown)) return shown;
  if (!hidden.test(shown)) return `'${shown.replace(/'/g, `'\\''`)}'`;
  let escaped = '';
  for (const character of shown) {
    const code = character.codePointAt(0) ?? 0;
    if (character === "'" || character === '\\') escaped += `\\${character}`;
    else if (code >= 0x20 && code < 0x7f) escaped += character;
    else escaped += code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `$'${escaped}'`;
}

// Invisible, combining, control and unassigned characters.
const hidden = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}\p{Cc}\p{Cn}]/u;
const hiddenEverywhere = new RegExp(hidden.source, 'gu');

export async function otherEntryFinding(entry: Entry, rootReal: string, show: Show): Promise<Finding | null> {
  if (entry.stats?.isSymbolicLink()) return symlinkFinding(entry.absolute, rootReal, show, 'Copy the file or folder in place if it must be uploaded.');
  return error('SPECIAL_FILE', show(entry.absolute), 'Not a regular file or folder (a socket, pipe or device); remove it from the payload.');
}

export async function symlinkFinding(absolute: string, root: string, show: Show, fix: string): Promise<Finding> {
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

export function notLowercase(entry: Entry, show: Show, what: 'file' | 'folder'): Finding {
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
export function notUtf8(entry: Entry, show: Show): Finding | null {
  if (entry.statError?.code !== 'ENOENT' || !entry.name.includes('\uFFFD')) return null;
  return error('BLOB_NAME', show(entry.absolute), `The name "${entry.name}" is not valid UTF-8 (bytes that cannot be read are shown as \uFFFD); blob names must be UTF-8. Rename it.`);
}

export function notNfc(entry: Entry, show: Show): Finding {
  return error(
    'NOT_NFC',
    show(entry.absolute),
    `The name "${entry.name}" is not in Unicode form NFC (accents stored as separate marks, as macOS may write them), so the site would not find it under the name it shows. Rename it, or pass --nfc to normalise names on the way (files on disk are not renamed).`,
  );
}

export function systemFileFinding(entry: Entry, show: Show): Finding {
  return warning('SYSTEM_FILE', show(entry.absolute), `Operating-system file (${entry.name}) left out; pass --include-system-files to upload it.`);
}

export function unreadableFinding(shown: string, cause: unknown, what: 'file' | 'folder'): Finding {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  return error('UNREADABLE', shown, `Cannot read this ${what} (${code}). Fix its permissions or remove it from the payload.`);
}
export function finding(value: Finding): SourceEvent<PayloadFile> {
  return { type: 'finding', finding: value };
}


/** The folder or file a flag names, or a clear error (NOT_FOUND, UNREADABLE, USAGE) naming it. */
export async function requireKind(target: string, kind: 'file' | 'directory', what: string): Promise<Stats> {
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

/** A path with nothing to normalise: no empty, `.` or `..` segment, no separator at the end. */
const NOT_NORMAL = path.sep === '/' ? /\/\/|\/\.\.?(\/|$)|\/$/ : /[\\/][\\/]|[\\/]\.\.?([\\/]|$)|[\\/]$|\//;
let normalCwd = { cwd: '', normal: false };

/** A path the user would recognise: relative to the working directory when below it. */
export function displayPath(cwd: string, absolute: string): string {
  // Once per file of a scan: below a normal cwd, a normal path's relative form is its tail (path.relative
  // resolves both paths, character by character, every time).
  if (normalCwd.cwd !== cwd) normalCwd = { cwd, normal: path.isAbsolute(cwd) && path.resolve(cwd) === cwd && !cwd.endsWith(path.sep) };
  if (normalCwd.normal && absolute.length > cwd.length + 1 && absolute.startsWith(cwd) && absolute[cwd.length] === path.sep && !NOT_NORMAL.test(absolute)) {
    const tail = absolute.slice(cwd.length + 1);
    if (!tail.startsWith('..')) return path.sep === '/' ? tail : tail.split(path.sep).join('/');
  }
  const relative = path.relative(cwd, absolute);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return absolute.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}
