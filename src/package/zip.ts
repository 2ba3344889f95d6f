/**
 * Lazy read access to a deployment package: only the central directory is read (yauzl, ZIP64 included),
 * entries are handed out one at a time, and an entry's data is streamed only when asked for. A 2 GB
 * package costs no more memory than a small one.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { KxpError } from '../errors.js';

export interface PackageEntry {
  /** Path inside the zip, forward slashes (yauzl turns Windows backslashes into slashes). */
  name: string;
  isDirectory: boolean;
  /** Uncompressed size. */
  size: number;
  raw: Entry;
}

const REBUILD = 'build it again with Export-DeploymentPackage.ps1';

export class PackageArchive {
  private constructor(
    readonly file: string,
    private readonly zip: ZipFile,
  ) {}

  /** Opens the zip (central directory only). Throws PACKAGE_INVALID when the file is not a readable zip. */
  static async open(file: string, options: { signal?: AbortSignal } = {}): Promise<PackageArchive> {
    options.signal?.throwIfAborted();
    try {
      return new PackageArchive(file, await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }));
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new KxpError('PACKAGE_INVALID', `${path.basename(file)} is not a readable zip archive (${reason}).`, {
        path: file,
        hint: `A deployment package is the zip Export-DeploymentPackage.ps1 writes; copy it again in full, or ${REBUILD}.`,
        cause,
      });
    }
  }

  /** Every entry of the central directory, in order, one at a time. */
  async *entries(signal?: AbortSignal): AsyncGenerator<PackageEntry> {
    try {
      for await (const entry of this.zip.eachEntry()) {
        signal?.throwIfAborted();
        const isDirectory = entry.fileName.endsWith('/');
        yield { name: isDirectory ? entry.fileName.slice(0, -1) : entry.fileName, isDirectory, size: entry.uncompressedSize, raw: entry };
      }
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new KxpError('PACKAGE_INVALID', `${path.basename(this.file)} has a damaged zip directory (${cause instanceof Error ? cause.message : String(cause)}).`, {
        path: this.file,
        hint: `Copy it again in full, or ${REBUILD}.`,
        cause,
      });
    }
  }

  /** Streams one entry, decompressed; the stream errors when the data is damaged. */
  async openStream(entry: PackageEntry): Promise<Readable> {
    return this.zip.openReadStreamPromise(entry.raw);
  }

  /** A small entry as text, BOM removed (PowerShell's `-Encoding utf8` writes one); null when larger than `maxBytes`. */
  async readText(entry: PackageEntry, maxBytes: number, signal?: AbortSignal): Promise<string | null> {
    if (entry.size > maxBytes) return null;
    const parts: Buffer[] = [];
    try {
      for await (const chunk of await this.openStream(entry)) {
        signal?.throwIfAborted();
        parts.push(chunk as Buffer);
      }
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new KxpError('PACKAGE_INVALID', `${path.basename(this.file)}: the entry ${entry.name} is damaged (${cause instanceof Error ? cause.message : String(cause)}).`, {
        path: `${this.file}:${entry.name}`,
        hint: `Copy the package again in full, or ${REBUILD}.`,
        cause,
      });
    }
    return Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '');
  }

  close(): void {
    this.zip.close();
  }
}
