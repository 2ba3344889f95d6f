import { open as openFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { REEXPORT } from './issues.js';

/** Why an archive could not be opened or read; `message` is one sentence naming the problem and the fix. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}


/**
 * Read access to the parts of a BACPAC (an OPC zip). Only the central directory is read on open;
 * each part is streamed on demand, so multi-GB and ZIP64 archives cost no more than small ones.
 */
export class BacpacArchive {
  private constructor(
    readonly file: string,
    private readonly zip: ZipFile,
    /** Part names as stored ('Data/dbo.T/TableData-000-00000.BCP'), in archive order. */
    readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  static async open(file: string, options: { signal?: AbortSignal } = {}): Promise<BacpacArchive> {
    options.signal?.throwIfAborted();
    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true });
    } catch (error) {
      throw await describeOpenFailure(file, error);
    }
    const entries = new Map<string, Entry>();
    try {
      for await (const entry of zip.eachEntry()) {
        options.signal?.throwIfAborted();
        entries.set(entry.fileName, entry);
      }
    } catch (error) {
      zip.close();
      if (options.signal?.aborted) throw error;
      throw new ArchiveError(`${path.basename(file)} has a damaged zip directory (${reason(error)}); ${REEXPORT}.`);
    }
    return new BacpacArchive(file, zip, entries);
  }

  /** The entry for an OPC part name; part names are case-insensitive, so an exact match wins, then any casing. */
  entry(name: string): Entry | undefined {
    const exact = this.entries.get(name);
    if (exact) return exact;
    const wanted = name.toLowerCase();
    for (const [key, entry] of this.entries) if (key.toLowerCase() === wanted) return entry;
    return undefined;
  }

  /** Streams one part, decompressed; the stream errors if the data is damaged (CRC or size mismatch). */
  async openStream(entry: Entry): Promise<Readable> {
    try {
      return await this.zip.openReadStreamPromise(entry);
    } catch (error) {
      throw new ArchiveError(`${path.basename(this.file)}: the part ${entry.fileName} cannot be read (${reason(error)}); ${REEXPORT}.`);
    }
  }

  /** Every chunk of a part, in order; a damaged part throws an ArchiveError naming it. */
  async *chunks(entry: Entry, signal?: AbortSignal): AsyncGenerator<Buffer> {
    signal?.throwIfAborted();
    const stream = await this.openStream(entry);
    const onAbort = () => stream.destroy(signal?.reason instanceof Error ? signal.reason : new Error('Aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of stream) {
        signal?.throwIfAborted();
        yield chunk as Buffer;
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ArchiveError(`${path.basename(this.file)}: the part ${entry.fileName} is damaged (${reason(error)}); ${REEXPORT}.`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  /** A small part as text (BOM removed). */
  async readText(entry: Entry, signal?: AbortSignal): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of this.chunks(entry, signal)) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '');
  }

  close(): void {
    this.zip.close();
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns yauzl's open failure into a sentence: missing, not a zip at all, or a zip cut short. */
async function describeOpenFailure(file: string, error: unknown): Promise<ArchiveError> {
  const name = path.basename(file);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new ArchiveError(`${name} does not exist; check the path.`);
  if (code === 'EISDIR') return new ArchiveError(`${name} is a folder, not a BACPAC file; name the .bacpac file itself.`);
  if (code === 'EACCES' || code === 'EPERM') return new ArchiveError(`${name} cannot be read (permission denied); give the current user read access.`);
  const head = await readHead(file);
  if (head.length === 0) return new ArchiveError(`${name} is empty (0 bytes), so it is not a BACPAC; copy it again or ${REEXPORT}.`);
  if (head.equals(Buffer.from('PK\x03\x04', 'latin1'))) {
    return new ArchiveError(
      `${name} is truncated or incomplete: it starts like a zip archive but its directory is missing or cut short (${reason(error)}); copy or download it again in full, or ${REEXPORT}.`,
    );
  }
  return new ArchiveError(`${name} is not a zip archive, so it is not a BACPAC; ${REEXPORT}.`);
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await openFile(file, 'r').catch(() => undefined);
  if (!handle) return Buffer.alloc(0);
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
