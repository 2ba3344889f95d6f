/**
 * The resume journal: one append-only JSON-lines file per container (keyed by account + container, never
 * by SAS), fsync'd in groups. It remembers the MD5 of local files (at a size and mtime) and which blobs
 * were committed, so a re-run skips without re-reading. A file counts as unchanged only at the same path,
 * device, inode, size, mtime and ctime (nanoseconds where the system has them), and only if it was hashed
 * well after its last change (the "racy git" rule: a change within the same timestamp tick leaves no trace). It is a cache: a lost or torn journal costs time,
 * never correctness, because the remote listing and block list decide what is really there.
 * It never holds a SAS URL or signature: only blob names, local paths, sizes, times and MD5s.
 * In memory it keeps ~100 bytes per blob (a digest table, no names or paths) and the file is read as a
 * stream, so a journal of millions of files opens in bounded memory.
 */
import { createHash, hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { makeDirectory } from '../make-directory.js';
import { DigestTable, valueLayout } from '../digest-table.js';
import type { ContainerRole } from '../rules/container-role.js';

export const JOURNAL_VERSION = 2;
/**
 * An entry hashed less than this long after the file's last change (the later of mtime and ctime) is not
 * trusted: a write in the same timestamp tick would leave every field equal. 2 s covers FAT's 2-second and
 * HFS+'s 1-second timestamps, the coarse kernel clocks of finer filesystems, and small clock differences.
 */
export const RACY_WINDOW_MS = 2000;
const FLUSH_DELAY_MS = 200;
/** Re-runs append a record per file; past twice the live records (plus this), the journal is rewritten. */
const COMPACT_SLACK = 1000;
// Per blob: a fingerprint of (path, device, inode, size, mtime, ctime), the whole-file MD5, its line in the file, flags.
// 8 bytes of fingerprint suffice: it is compared with one stored value, never searched among many, so a
// changed file passes for the old one with a chance of 2^-64.
const FINGERPRINT_BYTES = 8;
const VALUE = valueLayout({ fingerprint: FINGERPRINT_BYTES, md5: 16, line: 4, flags: 1 });
const COMMITTED = 1;
/** Hashed within RACY_WINDOW_MS of the file's last change: re-hash next time. */
const RACY = 2;

export interface JournalRecord {
  v: typeof JOURNAL_VERSION;
  /** `hash`: the local file had this MD5; `committed`: the blob was committed with it. */
  t: 'hash' | 'committed';
  blob: string;
  path: string;
  size: number;
  /** Decimal strings (JSON has no 64-bit integers). */
  dev: string;
  ino: string;
  mtimeNs: string;
  ctimeNs: string;
  /** When the file's state was taken, just before it was read (ms since the epoch). */
  seenAtMs: number;
  /** Base64 MD5 of the whole file. */
  md5: string;
  at: string;
}

/** The part of the session the container was uploaded to as; written once, before the first upload to it. */
export interface RoleRecord {
  v: typeof JOURNAL_VERSION;
  t: 'role';
  role: ContainerRole;
  at: string;
}

/** One version of a local file, as fstat saw it just before it was read. */
export interface FileState {
  path: string;
  size: number;
  dev: bigint;
  ino: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** When the state was taken (ms since the epoch). */
  seenAtMs: number;
}

/** The state of an open file, from `handle.stat({ bigint: true })`, taken now. */
export function fileState(path: string, stats: BigIntStats, seenAtMs = Date.now()): FileState {
  return { path, size: Number(stats.size), dev: stats.dev, ino: stats.ino, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, seenAtMs };
}

/** Whether two states are one version of a file (seenAtMs aside). */
export function sameFileState(a: FileState, b: FileState): boolean {
  return a.path === b.path && a.size === b.size && a.dev === b.dev && a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

export interface JournalOptions {
  /** See RACY_WINDOW_MS (tests set 0 to exercise trust without waiting). */
  racyWindowMs?: number;
}

export class Journal {
  readonly file: string;
  private readonly byBlob = new DigestTable(VALUE.bytes);
  /** Lines in the file so far (the next record's line number). */
  private lines = 0;
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private needsNewline = false;
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private readonly racyWindowMs: number;
  private roleRemembered: ContainerRole | null = null;

  private constructor(file: string, options: JournalOptions) {
    this.file = file;
    this.racyWindowMs = options.racyWindowMs ?? RACY_WINDOW_MS;
  }

  /** Opens (creating) the journal of one container under stateDir and reads what it holds. */
  static async open(stateDir: string, identity: string, options: JournalOptions = {}): Promise<Journal> {
    try {
      return await Journal.openOrThrow(stateDir, identity, options);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'error';
      throw new KxpError('UNREADABLE', `Cannot keep the resume journal in ${stateDir} (${code}).`, {
        path: stateDir,
        hint: 'Make that folder writable, or choose another one with --state-dir.',
        cause,
      });
    }
  }

  private static async openOrThrow(stateDir: string, identity: string, options: JournalOptions): Promise<Journal> {
    await makeDirectory(stateDir);
    const journal = new Journal(path.join(stateDir, journalFileName(identity)), options);
    // Opened for appending first: creates the file, and fails early on a folder we cannot write to.
    journal.handle = await open(journal.file, 'a');
    try {
      let terminated = true;
      for await (const line of readLines(journal.file)) {
        const record = parseRecord(line.text);
        if (record) journal.remember(record, journal.lines);
        else journal.roleRemembered = parseRole(line.text) ?? journal.roleRemembered;
        journal.lines++;
        terminated = line.terminated;
      }
      // A crash can leave a torn last line; start the next record on a line of its own.
      journal.needsNewline = !terminated;
      if (journal.lines > 2 * journal.byBlob.size + COMPACT_SLACK) await journal.compact();
    } catch (error) {
      await journal.handle?.close();
      journal.handle = undefined;
      throw error;
    }
    return journal;
  }

  /**
   * Rewrites the file with the last record of each blob only, streaming into a temporary file that then
   * replaces it (a failure leaves the old file whole), and reopens it for appending.
   */
  private async compact(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const temporary = `${this.file}.compact`;
    const kept = { lines: 0 };
    try {
      await pipeline(Readable.from(this.liveLines(kept)), createWriteStream(temporary, { flush: true }));
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    this.lines = kept.lines;
    this.needsNewline = false;
    this.handle = await open(this.file, 'a');
  }

  /** The lines compaction keeps: each blob's remembered record, renumbered as they are kept. */
  private async *liveLines(kept: { lines: number }): AsyncGenerator<string> {
    let lineNumber = 0;
    for await (const line of readLines(this.file)) {
      const record = parseRecord(line.text);
      const value = record && this.byBlob.get(DigestTable.digest(record.blob));
      if (!record && parseRole(line.text) === this.roleRemembered && this.roleRemembered !== null) {
        kept.lines++;
        yield line.text + '\n';
      } else if (value && value.readUInt32LE(VALUE.at.line) === lineNumber) {
        value.writeUInt32LE(kept.lines++, VALUE.at.line);
        yield line.text + '\n';
      }
      lineNumber++;
    }
  }

  /** The role (database or storage) an earlier upload recorded for this container; null when none did. */
  get role(): ContainerRole | null {
    return this.roleRemembered;
  }

  /** Records the container's role, durably, unless the journal already holds it. */
  async recordRole(role: ContainerRole): Promise<void> {
    if (this.roleRemembered === role) return;
    const record: RoleRecord = { v: JOURNAL_VERSION, t: 'role', role, at: new Date().toISOString() };
    this.roleRemembered = role;
    this.lines++;
    this.pending.push(JSON.stringify(record) + '\n');
    await this.flush();
  }

  /** The MD5 of a local file, if the journal hashed exactly this version of it, not racily. */
  knownMd5(blob: string, state: FileState): string | null {
    const value = this.byBlob.get(DigestTable.digest(blob));
    if (!value || !sameFingerprint(value, fingerprint(state)) || (value.readUInt8(VALUE.at.flags) & RACY) !== 0) return null;
    return value.toString('base64', VALUE.at.md5, VALUE.at.md5 + 16);
  }

  /**
   * Appends a record, written within FLUSH_DELAY_MS together with its neighbours (one write and one fsync for
   * many small files). A crash may lose the last few: they only cost a re-read of those files.
   */
  record(t: JournalRecord['t'], blob: string, state: FileState, md5: string): void {
    this.append(t, blob, state, md5);
    if (!this.timer && this.handle) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((error: unknown) => (this.failure ??= error));
      }, FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Appends a record and resolves once it is on disk. */
  recordDurably(t: JournalRecord['t'], blob: string, state: FileState, md5: string): Promise<void> {
    this.append(t, blob, state, md5);
    return this.flush();
  }

  private append(t: JournalRecord['t'], blob: string, state: FileState, md5: string): void {
    const record: JournalRecord = {
      v: JOURNAL_VERSION,
      t,
      blob,
      path: state.path,
      size: state.size,
      dev: String(state.dev),
      ino: String(state.ino),
      mtimeNs: String(state.mtimeNs),
      ctimeNs: String(state.ctimeNs),
      seenAtMs: state.seenAtMs,
      md5,
      at: new Date().toISOString(),
    };
    if (!isMd5(md5)) throw new KxpError('INTERNAL', `Not an MD5 for the journal: ${JSON.stringify(md5)}.`, { path: state.path });
    this.remember(record, this.lines++);
    this.pending.push(JSON.stringify(record) + '\n');
  }

  /** Writes and fsyncs everything appended so far. */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      const batch = (this.needsNewline ? '\n' : '') + this.pending.join('');
      this.pending = [];
      this.needsNewline = false;
      const handle = this.handle;
      if (!handle) return;
      this.flushing = (async () => {
        await handle.write(batch);
        await handle.datasync();
      })().finally(() => {
        this.flushing = undefined;
      });
    }
  }

  /** Flushes what is pending and closes; reports a write failure of a delayed flush. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
    if (this.failure !== undefined) throw this.failure;
  }

  private remember(record: JournalRecord, line: number): void {
    const { value, created } = this.byBlob.upsert(DigestTable.digest(record.blob));
    const print = fingerprint(record);
    const md5 = Buffer.from(record.md5, 'base64');
    const lastChangeMs = Number(bigMax(BigInt(record.mtimeNs), BigInt(record.ctimeNs)) / 1_000_000n);
    const racy = record.seenAtMs - lastChangeMs < this.racyWindowMs ? RACY : 0;
    const flags = created ? 0 : value.readUInt8(VALUE.at.flags);
    // A later `hash` of the same file state must not hide that it was committed (it may only clear RACY).
    const sameState = !created && sameFingerprint(value, print) && md5.compare(value, VALUE.at.md5, VALUE.at.md5 + 16) === 0;
    if (sameState && record.t === 'hash' && (flags & COMMITTED) !== 0) {
      value.writeUInt8(flags & (COMMITTED | racy), VALUE.at.flags);
      return;
    }
    value.set(print, VALUE.at.fingerprint);
    value.set(md5, VALUE.at.md5);
    value.writeUInt32LE(line, VALUE.at.line);
    value.writeUInt8((record.t === 'committed' ? COMMITTED : 0) | racy, VALUE.at.flags);
  }
}

/** What identifies one version of a local file: its path, device, inode, size, mtime and ctime, digested. */
function fingerprint(state: FileState | JournalRecord): Buffer {
  const fields = [state.path, state.size, state.dev, state.ino, state.mtimeNs, state.ctimeNs];
  return hash('md5', fields.join('\0'), 'buffer').subarray(0, FINGERPRINT_BYTES);
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function sameFingerprint(value: Buffer, print: Buffer): boolean {
  return print.compare(value, VALUE.at.fingerprint, VALUE.at.fingerprint + FINGERPRINT_BYTES) === 0;
}

function isMd5(text: string): boolean {
  return text.length === 24 && Buffer.from(text, 'base64').toString('base64') === text;
}

/** The file's lines as text, streamed; `terminated` is false for a last line with no newline (a torn write). */
async function* readLines(file: string): AsyncGenerator<{ text: string; terminated: boolean }> {
  // Pieces of a line that spans chunks, joined once its newline arrives (linear even for a huge line).
  let partial: Buffer[] = [];
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      partial.push(chunk.subarray(start, newline));
      yield { text: Buffer.concat(partial).toString('utf8'), terminated: true };
      partial = [];
      start = newline + 1;
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  }
  if (partial.length > 0) yield { text: Buffer.concat(partial).toString('utf8'), terminated: false };
}

/** `<account>-<container>-<short hash>.jsonl`: readable, and unique even if names contain odd characters. */
export function journalFileName(identity: string): string {
  const readable = identity.replace(/[^a-z0-9-]+/gi, '-').slice(0, 80);
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${readable}-${digest}.jsonl`;
}

function parseRole(line: string): ContainerRole | null {
  if (!line.includes('"role"')) return null;
  try {
    const value = JSON.parse(line) as Partial<RoleRecord>;
    return value.v === JOURNAL_VERSION && value.t === 'role' && (value.role === 'database' || value.role === 'storage') ? value.role : null;
  } catch {
    return null;
  }
}

function parseRecord(line: string): JournalRecord | null {
  if (line.trim() === '') return null;
  try {
    const value = JSON.parse(line) as Partial<JournalRecord>;
    if (value.v !== JOURNAL_VERSION || (value.t !== 'hash' && value.t !== 'committed')) return null;
    if (typeof value.blob !== 'string' || typeof value.path !== 'string' || typeof value.md5 !== 'string' || !isMd5(value.md5)) return null;
    if (typeof value.size !== 'number' || typeof value.seenAtMs !== 'number') return null;
    if (![value.dev, value.ino, value.mtimeNs, value.ctimeNs].every((field) => typeof field === 'string' && /^-?\d+$/.test(field))) return null;
    return value as JournalRecord;
  } catch {
    return null; // a torn or foreign line: ignored
  }
}
