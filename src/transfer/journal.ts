/**
 * The resume journal: one append-only JSON-lines file per container (keyed by account + container, never
 * by SAS), fsync'd in groups. It remembers the MD5 of local files (at a size and mtime) and which blobs
 * were committed, so a re-run skips without re-reading. It is a cache: a lost or torn journal costs time,
 * never correctness, because the remote listing and block list decide what is really there.
 * It never holds a SAS URL or signature: only blob names, local paths, sizes, times and MD5s.
 */
import { createHash } from 'node:crypto';
import { open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { makeDirectory } from '../make-directory.js';

export const JOURNAL_VERSION = 1;
const FLUSH_DELAY_MS = 200;
/** Re-runs append a record per file; past twice the live records (plus this), the journal is rewritten. */
const COMPACT_SLACK = 1000;

export interface JournalRecord {
  v: typeof JOURNAL_VERSION;
  /** `hash`: the local file had this MD5; `committed`: the blob was committed with it. */
  t: 'hash' | 'committed';
  blob: string;
  path: string;
  size: number;
  mtimeMs: number;
  /** Base64 MD5 of the whole file. */
  md5: string;
  at: string;
}

export interface FileState {
  path: string;
  size: number;
  mtimeMs: number;
}

export class Journal {
  readonly file: string;
  private readonly byBlob = new Map<string, JournalRecord>();
  private handle: FileHandle | undefined;
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;
  private needsNewline = false;
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;

  private constructor(file: string) {
    this.file = file;
  }

  /** Opens (creating) the journal of one container under stateDir and reads what it holds. */
  static async open(stateDir: string, identity: string): Promise<Journal> {
    try {
      return await Journal.openOrThrow(stateDir, identity);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'error';
      throw new KxpError('UNREADABLE', `Cannot keep the resume journal in ${stateDir} (${code}).`, {
        path: stateDir,
        hint: 'Make that folder writable, or choose another one with --state-dir.',
        cause,
      });
    }
  }

  private static async openOrThrow(stateDir: string, identity: string): Promise<Journal> {
    await makeDirectory(stateDir);
    const journal = new Journal(path.join(stateDir, journalFileName(identity)));
    let text = '';
    try {
      text = await readFile(journal.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    for (const line of lines) {
      const record = parseRecord(line);
      if (record) journal.remember(record);
    }
    // A crash can leave a torn last line; start the next record on a line of its own.
    journal.needsNewline = text.length > 0 && !text.endsWith('\n');
    if (lines.length > 2 * journal.byBlob.size + COMPACT_SLACK) await journal.compact();
    journal.handle = await open(journal.file, 'a');
    return journal;
  }

  /** Rewrites the file with the last record of each blob only (atomically: temporary file, then rename). */
  private async compact(): Promise<void> {
    const temporary = `${this.file}.compact`;
    await writeFile(temporary, [...this.byBlob.values()].map((record) => JSON.stringify(record) + '\n').join(''), { flush: true });
    await rename(temporary, this.file);
    this.needsNewline = false;
  }

  /** The MD5 of a local file, if the journal saw it at exactly this size and mtime. */
  knownMd5(blob: string, state: FileState): string | null {
    const record = this.byBlob.get(blob);
    if (!record || record.path !== state.path || record.size !== state.size || record.mtimeMs !== state.mtimeMs) return null;
    return record.md5;
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
    const record: JournalRecord = { v: JOURNAL_VERSION, t, blob, path: state.path, size: state.size, mtimeMs: state.mtimeMs, md5, at: new Date().toISOString() };
    this.remember(record);
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

  private remember(record: JournalRecord): void {
    const previous = this.byBlob.get(record.blob);
    // A later `hash` of the same file state must not hide that it was committed.
    if (previous?.t === 'committed' && record.t === 'hash' && previous.md5 === record.md5 && previous.mtimeMs === record.mtimeMs) return;
    this.byBlob.set(record.blob, record);
  }
}

/** `<account>-<container>-<short hash>.jsonl`: readable, and unique even if names contain odd characters. */
export function journalFileName(identity: string): string {
  const readable = identity.replace(/[^a-z0-9-]+/gi, '-').slice(0, 80);
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${readable}-${digest}.jsonl`;
}

function parseRecord(line: string): JournalRecord | null {
  if (line.trim() === '') return null;
  try {
    const value = JSON.parse(line) as Partial<JournalRecord>;
    if (value.v !== JOURNAL_VERSION || (value.t !== 'hash' && value.t !== 'committed')) return null;
    if (typeof value.blob !== 'string' || typeof value.md5 !== 'string' || typeof value.size !== 'number' || typeof value.mtimeMs !== 'number') return null;
    return value as JournalRecord;
  } catch {
    return null; // a torn or foreign line: ignored
  }
}
