/**
 * The resume journal: one append-only binary file per container (keyed by account + container, never by
 * SAS), fsync'd in groups; 52 bytes a record (journal-format.ts). It remembers the MD5 of local files and
 * which blobs were committed, so a re-run skips without re-reading. A file counts as unchanged only at the
 * same path, device, inode, size, mtime and ctime (nanoseconds where the system has them), and only if it
 * was hashed well after its last change (the "racy git" rule: a change within the same timestamp tick
 * leaves no trace). It is a cache: a lost or torn journal costs time, never correctness, because the remote
 * listing and block list decide what is really there. It never holds a SAS URL or signature, nor any name
 * or path: only digests of them, MD5s and a hashing margin.
 * In memory it keeps ~28 bytes per blob (journal-table.ts) and the file is read as a stream, so a journal of
 * millions of files opens in bounded memory. A journal of the JSON-lines form before it (version 2) is
 * converted on open (journal-v2.ts).
 */
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { makeDirectory } from '../fs/make-directory.js';
import { DigestTable } from '../digest-table.js';
import { stateFolderError } from './state-folder.js';
import type { ContainerRole } from '../rules/container-role.js';
import {
  HEADER,
  RECORD_BYTES,
  decodeEntry,
  encodeEntry,
  fingerprintOf,
  hashingMarginMs,
  readRecordRuns,
  recordsOf,
  type FileEntry,
  type RecordKind,
} from './journal-format.js';
import { JournalTable } from './journal-table.js';
import { convertVersion2, exists, isMd5 } from './journal-v2.js';

/**
 * An entry hashed less than this long after the file's last change (the later of mtime and ctime) is not
 * trusted: a write in the same timestamp tick would leave every field equal. 2 s covers FAT's 2-second and
 * HFS+'s 1-second timestamps, the coarse kernel clocks of finer filesystems, and small clock differences.
 */
export const RACY_WINDOW_MS = 2000;
const FLUSH_DELAY_MS = 200;
/**
 * Re-runs append a record per changed file; past 1.5 times the live records (plus this), the journal is
 * rewritten on open, so at rest it stays under 1.5 × 52 = 78 bytes a file.
 */
const COMPACT_SLACK = 1000;

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
  /** How many files the run will likely record (the plan's count): the table is sized once for it. */
  expectedFiles?: number;
  /**
   * Read what the journal holds and never write it (no header, no record, no compaction, no conversion):
   * for a reader (verify) while another run holds the journal's lock and appends to it.
   */
  readOnly?: boolean;
}

export class Journal {
  readonly file: string;
  private byBlob: JournalTable;
  /** Records in the file so far, a torn one included (the next record's index). */
  private records = 0;
  private handle: FileHandle | undefined;
  private pending: Buffer[] = [];
  private flushing: Promise<void> | undefined;
  /** Zero bytes that turn a torn last record into a whole (invalid) one before the next append. */
  private padding = 0;
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private readonly racyWindowMs: number;
  private readonly expectedFiles: number | undefined;
  private roleRemembered: ContainerRole | null = null;
  readonly readOnly: boolean;

  private constructor(file: string, options: JournalOptions) {
    this.file = file;
    this.readOnly = options.readOnly ?? false;
    this.racyWindowMs = options.racyWindowMs ?? RACY_WINDOW_MS;
    this.expectedFiles = options.expectedFiles;
    this.byBlob = new JournalTable(options.expectedFiles);
  }

  /** Opens (creating) the journal of one container under stateDir and reads what it holds. */
  static async open(stateDir: string, identity: string, options: JournalOptions = {}): Promise<Journal> {
    try {
      return await Journal.openOrThrow(stateDir, identity, options);
    } catch (cause) {
      throw stateFolderError(cause, stateDir, 'the resume journal');
    }
  }

  private static async openOrThrow(stateDir: string, identity: string, options: JournalOptions): Promise<Journal> {
    const journal = new Journal(path.join(stateDir, journalFileName(identity)), options);
    if (journal.readOnly) {
      await journal.load();
      return journal;
    }
    await makeDirectory(stateDir);
    await convertVersion2(path.join(stateDir, `${journalBaseName(identity)}.jsonl`), journal.file);
    // Opened for appending first: creates the file, and fails early on a folder we cannot write to.
    journal.handle = await open(journal.file, 'a');
    try {
      await journal.load();
      if (journal.records > 1.5 * journal.byBlob.size + COMPACT_SLACK) await journal.compact();
    } catch (error) {
      await journal.handle?.close();
      journal.handle = undefined;
      throw error;
    }
    return journal;
  }

  /** Checks the header (writing it, or the rest of a torn one) and reads every whole record. */
  private async load(): Promise<void> {
    const size = this.readOnly && !(await exists(this.file)) ? 0 : (await stat(this.file)).size;
    // Read-only, a journal not there yet (or its header half written by its owner) holds nothing.
    if (this.readOnly && size < HEADER.length) return;
    const head = Buffer.alloc(HEADER.length);
    const reader = await open(this.file, 'r');
    try {
      await reader.read(head, 0, Math.min(size, HEADER.length), 0);
    } finally {
      await reader.close();
    }
    const readable = Math.min(size, HEADER.length);
    if (head.compare(HEADER, 0, readable, 0, readable) !== 0) throw notAJournal(this.file);
    if (size < HEADER.length) {
      // A new file, or a crash while its header was written: finish the header.
      await this.handle!.write(HEADER.subarray(size));
      await this.handle!.datasync();
      return;
    }
    const whole = Math.floor((size - HEADER.length) / RECORD_BYTES);
    const torn = (size - HEADER.length) % RECORD_BYTES;
    // Sized once for what the file can hold (at most one live entry a record), when that is more than expected.
    if (whole > (this.expectedFiles ?? 0)) this.byBlob.resize(whole);
    for await (const run of readRecordRuns(this.file, whole)) {
      for (const record of recordsOf(run)) {
        const entry = decodeEntry(record);
        if (entry?.kind === 'role') this.roleRemembered = entry.role;
        else if (entry) this.byBlob.remember(entry, this.racyWindowMs);
      }
    }
    // A crash can leave a torn last record; it becomes a whole record with a bad CRC before the next one.
    this.records = whole + (torn > 0 ? 1 : 0);
    this.padding = torn > 0 ? RECORD_BYTES - torn : 0;
  }

  /**
   * Rewrites the file with the live record of each blob only, streaming into a temporary file that then
   * replaces it (a failure leaves the old file whole), and reopens it for appending.
   */
  private async compact(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const temporary = `${this.file}.compact`;
    let kept = 0;
    try {
      const out = await open(temporary, 'w');
      try {
        const batch = Buffer.alloc(RECORD_BYTES * 4096);
        let used = 0;
        const put = async (record: Buffer) => {
          record.copy(batch, used);
          used += RECORD_BYTES;
          if (used === batch.length) await out.write(batch, 0, used).then(() => (used = 0));
        };
        await out.write(HEADER);
        if (this.roleRemembered) await put(encodeEntry({ kind: 'role', role: this.roleRemembered })).then(() => kept++);
        for await (const run of readRecordRuns(this.file, this.records)) {
          for (const record of recordsOf(run)) {
            const entry = decodeEntry(record);
            if (entry && entry.kind !== 'role' && this.byBlob.keepOnce(entry, this.racyWindowMs)) {
              kept++;
              await put(record);
            }
          }
        }
        if (used > 0) await out.write(batch, 0, used);
        await out.datasync();
      } finally {
        await out.close();
      }
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    this.records = kept;
    this.padding = 0;
    this.handle = await open(this.file, 'a');
  }

  /** The role (database or storage) an earlier upload recorded for this container; null when none did. */
  get role(): ContainerRole | null {
    return this.roleRemembered;
  }

  /** Records the container's role, durably, unless the journal already holds it. */
  async recordRole(role: ContainerRole): Promise<void> {
    if (this.roleRemembered === role || this.readOnly) return;
    this.roleRemembered = role;
    this.push(encodeEntry({ kind: 'role', role }, Buffer.allocUnsafe(RECORD_BYTES)));
    await this.flush();
  }

  /**
   * Whether the journal hashed exactly this version of the local file (not racily) to this MD5 (base64, as
   * listed): true or false, or null when it did not. Memory holds 8 bytes of each MD5 (journal-table.ts).
   */
  sameMd5(blob: string, state: FileState, md5: string | null): boolean | null {
    return this.byBlob.sameMd5(blob, state, md5);
  }

  /**
   * Appends a record, written within FLUSH_DELAY_MS together with its neighbours (one write and one fsync for
   * many small files). A crash may lose the last few: they only cost a re-read of those files. A record
   * that tells nothing new (an unchanged file hashed again) is not written.
   */
  record(kind: RecordKind, blob: string, state: FileState, md5: string): void {
    if (!this.append(kind, blob, state, md5)) return;
    if (!this.timer && this.handle) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((error: unknown) => (this.failure ??= error));
      }, FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Appends a record and resolves once it is on disk. */
  recordDurably(kind: RecordKind, blob: string, state: FileState, md5: string): Promise<void> {
    this.append(kind, blob, state, md5);
    return this.flush();
  }

  private append(kind: RecordKind, blob: string, state: FileState, md5: string): boolean {
    if (this.readOnly) return false;
    if (!isMd5(md5)) throw new KxpError('INTERNAL', `Not an MD5 for the journal: ${JSON.stringify(md5)}.`, { path: state.path });
    const entry: FileEntry = { kind, digest: DigestTable.digest(blob), fingerprint: fingerprintOf(state), md5: Buffer.from(md5, 'base64'), marginMs: hashingMarginMs(state) };
    if (!this.byBlob.remember(entry, this.racyWindowMs)) return false;
    this.push(encodeEntry(entry, Buffer.allocUnsafe(RECORD_BYTES)));
    return true;
  }

  private push(record: Buffer): void {
    this.records++;
    this.pending.push(record);
  }

  /** Writes and fsyncs everything appended so far. */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      const parts = this.padding > 0 ? [Buffer.alloc(this.padding), ...this.pending] : this.pending;
      const batch = Buffer.concat(parts);
      this.pending = [];
      this.padding = 0;
      const handle = this.handle;
      if (!handle) return;
      this.flushing = (async () => {
        await handle.write(batch);
        await handle.datasync();
      })()
        .catch((cause: unknown) => {
          throw stateFolderError(cause, path.dirname(this.file), 'the resume journal');
        })
        .finally(() => {
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
}

function notAJournal(file: string): KxpError {
  return new KxpError('UNREADABLE', `${file} is not a journal this version of kxp-restore can read (a newer version's, or another file).`, {
    path: file,
    hint: 'Run the kxp-restore that wrote it, or delete it (a lost journal costs re-reading the files, never correctness), or choose another --state-dir.',
  });
}

/** `<account>-<container>-<short hash>`: readable, and unique even if names contain odd characters. */
export function journalBaseName(identity: string): string {
  const readable = identity.replace(/[^a-z0-9-]+/gi, '-').slice(0, 80);
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${readable}-${digest}`;
}

/** The journal's file name under the state folder. */
export function journalFileName(identity: string): string {
  return `${journalBaseName(identity)}.journal`;
}
