/**
 * Reading the journal's previous form (version 2: one JSON object per line, `<name>.jsonl`), so that a run
 * interrupted before this version resumes without re-reading or re-sending what it had done: the open
 * converts it once into the binary form and removes it. Version 1 lines (size and mtime only) and torn or
 * foreign lines are skipped, as version 2 itself did.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { DigestTable } from '../digest-table.js';
import { HEADER, RECORD_BYTES, encodeEntry, fingerprintOf, hashingMarginMs, type JournalEntry } from './journal-format.js';

interface V2Record {
  v: 2;
  t: 'hash' | 'committed' | 'role';
  blob?: string;
  path?: string;
  size?: number;
  dev?: string;
  ino?: string;
  mtimeNs?: string;
  ctimeNs?: string;
  seenAtMs?: number;
  md5?: string;
  role?: string;
}

/** The entries of a version-2 file, in order, streamed. */
export async function* readV2Entries(file: string): AsyncGenerator<JournalEntry> {
  for await (const line of readLines(file)) {
    const entry = parseLine(line);
    if (entry) yield entry;
  }
}

function parseLine(line: string): JournalEntry | null {
  if (line.trim() === '') return null;
  let value: Partial<V2Record>;
  try {
    value = JSON.parse(line) as Partial<V2Record>;
  } catch {
    return null; // a torn or foreign line
  }
  if (value.v !== 2) return null;
  if (value.t === 'role') return value.role === 'database' || value.role === 'storage' ? { kind: 'role', role: value.role } : null;
  if (value.t !== 'hash' && value.t !== 'committed') return null;
  const { blob, path, size, dev, ino, mtimeNs, ctimeNs, seenAtMs, md5 } = value;
  if (typeof blob !== 'string' || typeof path !== 'string' || typeof md5 !== 'string' || !isMd5(md5)) return null;
  if (typeof size !== 'number' || typeof seenAtMs !== 'number') return null;
  if (![dev, ino, mtimeNs, ctimeNs].every((field) => typeof field === 'string' && /^-?\d+$/.test(field))) return null;
  const state = { path, size, dev: dev!, ino: ino!, mtimeNs: mtimeNs!, ctimeNs: ctimeNs!, seenAtMs };
  return {
    kind: value.t,
    digest: DigestTable.digest(blob),
    fingerprint: fingerprintOf(state),
    md5: Buffer.from(md5, 'base64'),
    marginMs: hashingMarginMs(state),
  };
}

export function isMd5(text: string): boolean {
  return text.length === 24 && Buffer.from(text, 'base64').toString('base64') === text;
}

/** The file's lines as text, streamed (a journal of millions of lines is larger than the biggest string Node holds). */
async function* readLines(file: string): AsyncGenerator<string> {
  // Pieces of a line that spans chunks, joined once its newline arrives (linear even for a huge line).
  let partial: Buffer[] = [];
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      partial.push(chunk.subarray(start, newline));
      yield Buffer.concat(partial).toString('utf8');
      partial = [];
      start = newline + 1;
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  }
  if (partial.length > 0) yield Buffer.concat(partial).toString('utf8');
}

/**
 * A version-2 journal (JSON lines) left by an earlier kxp-restore becomes a version-3 one: converted into a
 * temporary file that then takes the new name (a crash leaves the old file whole), then removed. Both
 * present means a conversion finished but the removal did not.
 */
export async function convertVersion2(legacy: string, file: string): Promise<void> {
  if (!(await exists(legacy))) return;
  if (!(await exists(file))) {
    const temporary = `${file}.convert`;
    const out = await open(temporary, 'w');
    try {
      const chunk: Buffer[] = [HEADER];
      for await (const entry of readV2Entries(legacy)) {
        chunk.push(encodeEntry(entry satisfies JournalEntry, Buffer.allocUnsafe(RECORD_BYTES)));
        if (chunk.length >= 4096) await out.write(Buffer.concat(chunk.splice(0)));
      }
      await out.write(Buffer.concat(chunk));
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(temporary, file);
  }
  await rm(legacy, { force: true });
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
  );
}
