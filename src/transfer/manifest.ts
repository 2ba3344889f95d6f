/**
 * The manifest: a payload's file list, written once by `plan --manifest` and read by every shard, so no
 * worker walks or lists the source again. Gzipped JSON lines: a header naming the payload, the layout and
 * the totals, then one line per file. It holds relative paths, sizes and fingerprints, never a URL or a SAS.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { KxpError } from '../errors.js';

export const MANIFEST_FORMAT = 'kxp-restore-manifest';
export const MANIFEST_VERSION = 1;

export interface ManifestHeader {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  createdAt: string;
  /** What was planned, as the user named it (folders, source accounts without SAS), for the shards to check against. */
  payload: { description: string };
  /** The layout the plan applied (its JSON form), or null for the template default. */
  layout: unknown;
  /** The requested block size in bytes: every shard must cut large files alike. */
  blockSize: number;
  files: number;
  bytes: number;
  /** Which restore containers the payload needs. */
  parts: { database: boolean; storage: boolean };
}

interface EntryBase {
  /** Which restore container: the database container or the storage container. */
  role: 'database' | 'storage';
  /** Blob name in that container. */
  blob: string;
  size: number;
}

/** A file on disk: found again from the shard's own copy of the payload. */
export interface LocalManifestEntry extends EntryBase {
  kind: 'local';
  /** Path relative to the root of its part (the bacpac's file name, or inside the storage/project folder). */
  path: string;
  /** sampleFingerprint of the file when planned. */
  fingerprint: string;
}

/** A blob of a `--storage-from` source, copied server side. */
export interface RemoteManifestEntry extends EntryBase {
  kind: 'remote';
  /** Index of the `--storage-from` source, in the order given. */
  source: number;
  sourceName: string;
  etag: string;
}

export type ManifestEntry = LocalManifestEntry | RemoteManifestEntry;

/** Writes the header and the entries to `file` (replaced only when complete). */
export async function writeManifest(file: string, header: Omit<ManifestHeader, 'format' | 'version' | 'createdAt'>, entries: AsyncIterable<ManifestEntry> | Iterable<ManifestEntry>): Promise<void> {
  const partial = `${file}.partial`;
  async function* lines(): AsyncIterable<string> {
    const full: ManifestHeader = { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, createdAt: new Date().toISOString(), ...header };
    yield `${JSON.stringify(full)}\n`;
    for await (const entry of entries) yield `${JSON.stringify(entry)}\n`;
  }
  try {
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(partial, { mode: 0o644 }));
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error instanceof KxpError ? error : new KxpError('UNREADABLE', `Could not write the manifest ${file}: ${(error as Error).message}`, { path: file, cause: error });
  }
}

/** Reads a manifest's header and gives a fresh stream of its entries each time `entries()` is called. */
export async function openManifest(file: string): Promise<{ header: ManifestHeader; entries: () => AsyncIterable<ManifestEntry & { ordinal: number }> }> {
  let header: ManifestHeader | undefined;
  for await (const line of readLines(file)) {
    header = parseHeader(line, file);
    break;
  }
  if (!header) throw invalid(file, 'it is empty');
  const known = header;
  async function* entries(): AsyncIterable<ManifestEntry & { ordinal: number }> {
    let ordinal = -1;
    for await (const line of readLines(file)) {
      if (ordinal >= 0) yield { ...parseEntry(line, file, ordinal + 2), ordinal };
      ordinal += 1;
    }
    if (ordinal !== known.files) throw invalid(file, `its header names ${known.files} files but it holds ${Math.max(0, ordinal)}`);
  }
  return { header: known, entries };
}

async function* readLines(file: string): AsyncIterable<string> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  const forward = (error: Error) => gunzip.destroy(error);
  input.once('error', forward);
  const reader = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  try {
    for await (const line of reader) if (line !== '') yield line;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KxpError('NOT_FOUND', `The manifest ${file} does not exist.`, { path: file, hint: 'Write it first with: kxp-restore plan … --manifest FILE' });
    throw invalid(file, `it is not a gzipped manifest (${(error as Error).message})`);
  } finally {
    reader.close();
    input.destroy();
  }
}

function parseHeader(line: string, file: string): ManifestHeader {
  const value = parseJson(line, file, 1) as Partial<ManifestHeader>;
  if (value.format !== MANIFEST_FORMAT) throw invalid(file, 'its first line is not a kxp-restore manifest header');
  if (value.version !== MANIFEST_VERSION) throw invalid(file, `it is version ${String(value.version)}; this kxp-restore reads version ${MANIFEST_VERSION}`);
  if (typeof value.files !== 'number' || typeof value.bytes !== 'number' || typeof value.blockSize !== 'number') throw invalid(file, 'its header lacks the totals');
  return value as ManifestHeader;
}

function parseEntry(line: string, file: string, lineNumber: number): ManifestEntry {
  const value = parseJson(line, file, lineNumber) as Partial<Omit<LocalManifestEntry, 'kind'> & Omit<RemoteManifestEntry, 'kind'>> & { kind?: unknown };
  const base = typeof value.blob === 'string' && typeof value.size === 'number' && (value.role === 'database' || value.role === 'storage');
  if (base && value.kind === 'local' && typeof value.path === 'string' && typeof value.fingerprint === 'string') return value as LocalManifestEntry;
  if (base && value.kind === 'remote' && typeof value.source === 'number' && typeof value.sourceName === 'string' && typeof value.etag === 'string') return value as RemoteManifestEntry;
  throw invalid(file, `line ${lineNumber} is not a manifest entry`);
}

function parseJson(line: string, file: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw invalid(file, `line ${lineNumber} is not JSON`);
  }
}

function invalid(file: string, why: string): KxpError {
  return new KxpError('MANIFEST_INVALID', `The manifest ${file} cannot be read: ${why}.`, { path: file, hint: 'Write it again with: kxp-restore plan … --manifest FILE' });
}
