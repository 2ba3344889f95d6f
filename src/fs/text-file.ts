/**
 * Small text files a person saved by hand (SAS URL files, token files): read whatever encoding an editor or
 * shell chose. Windows PowerShell's `>` writes UTF-16 with a byte-order mark and CRLF line ends.
 */
import { readFile } from 'node:fs/promises';

/** Decodes by byte-order mark (UTF-8, UTF-16 LE or BE); without one, UTF-16 LE when every other byte is NUL, else UTF-8. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes.length % 2 === 0 && bytes[1] === 0 && bytes[0] !== 0) return new TextDecoder('utf-16le').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/** The non-blank lines of a text, trimmed (CR, LF and CRLF all end a line). */
export function nonBlankLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** The non-blank lines of a small text file, decoded as above. */
export async function readTextLines(file: string): Promise<string[]> {
  return nonBlankLines(decodeText(await readFile(file)));
}
