/**
 * Names come from files and listings and may hold characters that change what a terminal shows: C0 and C1
 * controls (ESC starts colour and cursor sequences) and the bidirectional formatting marks that reorder a
 * line (an RLO makes `gpj.exe` read `exe.jpg`). Every renderer shows them escaped, as `\x1b` or `\u202e`,
 * so the output says exactly which characters a name holds and the terminal does nothing with them.
 */

// C0 and C1 controls, DEL, the bidi marks and embeddings/overrides/isolates, and the line and paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same without the line feed, for text of several lines.
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves as it is: it escapes C0 controls itself, not C1 controls, bidi marks or separators.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A name or any one-line text, every unsafe character escaped (a line feed too: a name never breaks a line). */
export function escapeName(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/** A message that may run over several lines: the same, keeping its line feeds. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escaped);
}

/**
 * JSON output: JSON.stringify, then the characters it leaves raw written as `\uXXXX` escapes. The parsed
 * value is the same; only the text a terminal shows changes.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
