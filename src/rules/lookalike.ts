/**
 * Names that only look like an expected one: `ѕtorage` with a Cyrillic `ѕ`, `storage` holding a zero-width
 * space, fullwidth letters, a combining mark, or a typo such as `stroage`. Compared by Unicode's confusable
 * skeleton (UTS #39: NFD, each character replaced by its prototype from confusables.txt, NFD again; compatibility forms
 * such as fullwidth letters folded by NFKC first); the
 * prototypes come from `unhomoglyph` (generated from confusables.txt), the character names from `unicode-name`
 * (UnicodeData.txt). Both tables are loaded on first use only: a name on the accept-list never needs them.
 */
import { createRequire } from 'node:module';
import type * as UnicodeNames from 'unicode-name';

type Unhomoglyph = (text: string) => string;
type UnicodeName = typeof UnicodeNames;

const require = createRequire(import.meta.url);
let prototypes: Unhomoglyph | null = null;
let names: UnicodeName | null = null;

/** Invisible characters: zero-width space and joiners, soft hyphen, bidirectional marks, variation selectors, byte-order mark… */
const invisible = /^[\p{Default_Ignorable_Code_Point}\p{Cf}]$/u;
const combiningMark = /^\p{M}$/u;

/** UTS #39 skeleton of a string, lowercased (the names compared here are case-insensitive on Windows and macOS). */
export function skeleton(text: string): string {
  prototypes ??= require('unhomoglyph') as Unhomoglyph;
  return prototypes(text.normalize('NFD')).normalize('NFD').toLowerCase();
}

/** `U+0430 CYRILLIC SMALL LETTER A`. */
export function describeCodePoint(character: string): string {
  names ??= require('unicode-name') as UnicodeName;
  const code = `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const name = names.unicodeReadableName(character) ?? names.unicodeName(character);
  return name ? `${code} ${name}` : code;
}

export interface Lookalike {
  /** How the name differs from the expected one, one sentence fragment per character (at most a few). */
  differences: string[];
  /** `confusable`: looks the same once invisible characters, marks and lookalike letters are set aside; `typo`: one or two edits away, or the expected name with something added. */
  kind: 'confusable' | 'typo';
}

const MAX_DIFFERENCES = 3;

/**
 * Whether `name` is (almost) `expected` to the eye: null when it is not, or when it is `expected` exactly.
 * `expected` is plain lowercase ASCII (`storage`, `db.bacpac`).
 */
export function lookalike(name: string, expected: string): Lookalike | null {
  if (name === expected) return null;
  const differences: string[] = [];
  let visible = '';
  for (const character of name) {
    if (invisible.test(character)) differences.push(`it holds ${describeCodePoint(character)}, an invisible character`);
    else visible += character;
  }
  let bare = '';
  let previous = '';
  for (const character of visible.normalize('NFD')) {
    if (combiningMark.test(character)) differences.push(`${describeCodePoint(character)} is a combining mark on '${previous}'`);
    else bare += character;
    previous = character;
  }
  for (const character of bare.normalize('NFC')) {
    if (character.charCodeAt(0) < 0x80) continue;
    differences.push(`the '${character}' is ${describeCodePoint(character)}${looksLikeText(character)}`);
  }
  // NFKC first, so compatibility forms (fullwidth letters, ligatures) meet their plain letters, which confusables.txt does not always list.
  const shape = skeleton(bare.normalize('NFKC'));
  const shown = differences.length > MAX_DIFFERENCES ? [...differences.slice(0, MAX_DIFFERENCES), `${differences.length - MAX_DIFFERENCES} more such characters`] : differences;
  if (shape === expected) return { kind: 'confusable', differences: shown };
  if (shape.startsWith(expected) || editDistance(shape, expected) <= 2) return { kind: 'typo', differences: shown };
  return null;
}

/** What a reader takes one character for: its compatibility form (fullwidth `ｍ` is `m`), else its confusable prototype (Cyrillic `е` is `e`). */
function readAs(character: string): string {
  const folded = character.normalize('NFKC');
  return !/[^\x20-\x7e]/.test(folded) ? folded : skeleton(folded);
}

/** `, which looks like 'e'` for a character read as printable ASCII, else nothing. */
function looksLikeText(character: string): string {
  const looksLike = readAs(character);
  return /^[\x21-\x7e]+$/.test(looksLike) ? `, which looks like '${looksLike}'` : '';
}

/** What a name reads as, for a suggestion: invisible characters and combining marks dropped, every other character as a reader takes it. */
export function plainReading(name: string): string {
  let reading = '';
  for (const character of name.normalize('NFD')) if (!invisible.test(character) && !combiningMark.test(character)) reading += readAs(character);
  return reading.toLowerCase();
}

/** A character a name may not hold, as a reader can find it: `'_'`, `'е' (U+0435 CYRILLIC SMALL LETTER IE, which looks like 'e')`, `U+200B ZERO WIDTH SPACE (invisible)`. */
export function describeCharacter(character: string): string {
  if (invisible.test(character)) return `${describeCodePoint(character)} (invisible)`;
  if (/^[\x21-\x7e]$/.test(character)) return `'${character}'`;
  return `'${character}' (${describeCodePoint(character)}${looksLikeText(character)})`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours, each one edit. */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > 2) return 3;
  const rows: number[][] = [];
  for (let i = 0; i <= x.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= y.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] as number[];
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[x.length] as number[])[y.length] as number;
}
