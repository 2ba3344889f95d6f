/**
 * The remote side of resume and verify: every blob of a container with its size and Content-MD5, held in
 * a compact index (about 100 bytes per blob, names not kept) so a container of millions of blobs fits.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DigestTable, valueLayout } from '../digest-table.js';

export interface RemoteBlob {
  size: number;
  /** Base64 Content-MD5 as stored on the blob; null when the blob has none. */
  md5: string | null;
}

export interface ListOptions {
  signal?: AbortSignal;
  prefix?: string;
}

const VALUE = valueLayout({ size: 8, md5: 16, flags: 1 });
const LISTED = 1;
const HAS_MD5 = 2;
const CLAIMED = 4;

/** What a container held when it was listed, by blob name; verify also marks the names the source has. */
export class RemoteIndex {
  private readonly table = new DigestTable(VALUE.bytes);
  private listed = 0;

  /** Blobs the listing found. */
  get size(): number {
    return this.listed;
  }

  add(name: string, size: number, md5: Uint8Array | undefined): void {
    const { value } = this.table.upsert(DigestTable.digest(name));
    if (!(flagsOf(value) & LISTED)) this.listed++;
    value.writeDoubleLE(size, VALUE.at.size);
    const hasMd5 = md5 !== undefined && md5.length === 16;
    if (hasMd5) value.set(md5, VALUE.at.md5);
    value.writeUInt8((flagsOf(value) & CLAIMED) | LISTED | (hasMd5 ? HAS_MD5 : 0), VALUE.at.flags);
  }

  get(name: string): RemoteBlob | undefined {
    return blobOf(this.table.get(DigestTable.digest(name)));
  }

  /** Marks the name as one the source has (so it is not "extra") and returns what the container held under it. */
  claim(name: string): RemoteBlob | undefined {
    const { value } = this.table.upsert(DigestTable.digest(name));
    value.writeUInt8(flagsOf(value) | CLAIMED, VALUE.at.flags);
    return blobOf(value);
  }

  isClaimed(name: string): boolean {
    const value = this.table.get(DigestTable.digest(name));
    return value !== undefined && (flagsOf(value) & CLAIMED) !== 0;
  }
}

function flagsOf(value: Buffer): number {
  return value.readUInt8(VALUE.at.flags);
}

function blobOf(value: Buffer | undefined): RemoteBlob | undefined {
  if (!value || !(flagsOf(value) & LISTED)) return undefined;
  return {
    size: value.readDoubleLE(VALUE.at.size),
    md5: flagsOf(value) & HAS_MD5 ? value.toString('base64', VALUE.at.md5, VALUE.at.md5 + 16) : null,
  };
}

/** Lists a container into an index by blob name (one request per 5,000 blobs). */
export async function listRemoteBlobs(container: ContainerClient, options: ListOptions = {}): Promise<RemoteIndex> {
  const index = new RemoteIndex();
  for await (const item of blobItems(container, options)) index.add(item.name, item.properties.contentLength ?? 0, item.properties.contentMD5);
  return index;
}

/**
 * Adds to `into` the container's blobs that were not claimed, listed again (the index keeps no names):
 * blobs the source does not have, including any that appeared since the first listing. Names are pushed
 * one by one: a container can hold more of them than a function call takes arguments.
 */
export async function listUnclaimed(container: ContainerClient, index: RemoteIndex, into: string[], options: ListOptions = {}): Promise<void> {
  const found: string[] = [];
  for await (const item of blobItems(container, options)) if (!index.isClaimed(item.name)) found.push(item.name);
  // Only a complete listing counts: a retried one starts again from the first page.
  for (const name of found) into.push(name);
}

/** Every blob of a container, one page (5,000) at a time. */
export async function* blobItems(container: ContainerClient, options: ListOptions = {}) {
  const pages = container.listBlobsFlat({ abortSignal: options.signal, prefix: options.prefix }).byPage({ maxPageSize: 5000 });
  for await (const page of pages) yield* page.segment.blobItems;
}
