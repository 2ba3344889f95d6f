/**
 * The remote side of resume and verify: every blob of a container with its size and Content-MD5, held in
 * a compact index (39 bytes a blob at load 0.9, names not kept) so a container of millions of blobs fits.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DigestTable, valueLayout } from '../digest-table.js';
import { requestPage, type ListedItem, type PageRequest } from './list-page.js';
import { walkInParallel } from './listing-walk.js';

export type { ListedItem };

export interface RemoteBlob {
  size: number;
  /** Base64 Content-MD5 as stored on the blob; null when the blob has none. */
  md5: string | null;
  /** For a blob copied from a remote source: a digest of the source ETag recorded in its metadata (see etagDigest). */
  sourceEtag: string | null;
  /** A server-side copy into this blob is pending, failed or was aborted: its content is not (yet) the source's. */
  copyUnfinished: boolean;
}

/** The metadata key under which a copied blob records its source's ETag, so a re-run and verify can tell. */
export const SOURCE_ETAG_KEY = 'kxpsourceetag';

/**
 * Runs one page request with the caller's retry policy (the pacer): `request` may be called again after a
 * failure, always for the same page, so a listing never starts over from its first page.
 */
export type PageRetry = <T>(request: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface ListOptions {
  /** Each page request goes through it; required, so that no listing forgets to retry its pages. */
  retryPage: PageRetry;
  /** Only blobs whose names start with this. */
  prefix?: string;
  /** Blobs a page: the service's maximum (5,000) unless a test asks for a few, to list many pages quickly. */
  maxPageSize?: number;
  /** Also metadata and copy status, which tell a finished server-side copy (and its source version) from an unfinished one. */
  details?: boolean;
  /** Listings in flight at once when the container is expected to be large (a walk by folders); default 1. */
  parallel?: number;
  /** How many blobs the listing will likely find (the plan's file count): a walk pays off only for many pages. */
  expectedBlobs?: number;
  /** Told after each page: pages and blobs listed so far. */
  onPage?: (progress: ListingProgress) => void;
}

export interface ListingProgress {
  pages: number;
  blobs: number;
}

/** The most blobs a listing page may hold (the service's limit). */
export const MAX_PAGE_SIZE = 5000;

/**
 * Per blob: 12 bytes of the name's MD5 (the key), the size in 6 bytes (2^48 bytes is 256 TiB, above a block
 * blob's 190.7 TiB), the Content-MD5 whole (it is compared with local MD5s and printed), flags: 35 bytes a
 * slot. A 12-byte key, not 8, because a collision here is not harmless: the two names would share one
 * entry, so a blob missing under one name could pass for present under the other when both files have the
 * same content (empty files do). With 96 bits the chance is n^2/2^97, about 6e-16 at 10,000,000 names.
 * The source ETag digest of a copied blob (8 bytes) is kept in a second table, made at the first one seen:
 * a container that holds no copies pays nothing for it.
 */
const VALUE = valueLayout({ size: 6, md5: 16, flags: 1 });
/** Kept for a listed size that is not a whole number of bytes below 2^48 - 1: equal to no file's size. */
const UNKNOWN_SIZE = 2 ** 48 - 1;
const KEY_BYTES = 12;
const LISTED = 1;
const HAS_MD5 = 2;
const CLAIMED = 4;
const HAS_ORIGIN = 8;
const COPY_UNFINISHED = 16;

/** An ETag without its surrounding quotes, as it is recorded in a copied blob's metadata. */
export function unquotedEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** What the index keeps of a source ETag: 8 bytes of its digest, compared with one value, never searched. */
export function etagDigest(etag: string): string {
  return DigestTable.digest(unquotedEtag(etag)).toString('hex', 0, 8);
}

/** What a container held when it was listed, by blob name; verify also marks the names the source has. */
export class RemoteIndex {
  private readonly table: DigestTable;
  /** The source ETag digest of copied blobs, by name: only when there are some. */
  private origins: DigestTable | undefined;
  private listed = 0;
  private listedAndClaimed = 0;

  /** `expected`: how many blobs the listing will likely hold (the plan's file count), to size the index once. */
  constructor(expected = 0) {
    this.table = new DigestTable(VALUE.bytes, { expected, keyBytes: KEY_BYTES });
  }

  /** Blobs the listing found. */
  get size(): number {
    return this.listed;
  }

  /** Listed blobs no name of the source has claimed (yet): 0 when the source has every blob listed. */
  get unclaimed(): number {
    return this.listed - this.listedAndClaimed;
  }

  /** `md5`: base64, as listed. */
  add(name: string, size: number, md5: string | undefined, copy: { sourceEtag?: string; unfinished?: boolean } = {}): void {
    const key = DigestTable.digest(name);
    const { value } = this.table.upsert(key);
    if (!(flagsOf(value) & LISTED)) {
      this.listed++;
      if (flagsOf(value) & CLAIMED) this.listedAndClaimed++;
    }
    value.writeUIntLE(Number.isSafeInteger(size) && size >= 0 && size < UNKNOWN_SIZE ? size : UNKNOWN_SIZE, VALUE.at.size, 6);
    const hasMd5 = md5 !== undefined && value.write(md5, VALUE.at.md5, 16, 'base64') === 16;
    if (copy.sourceEtag) {
      this.origins ??= new DigestTable(8, { keyBytes: KEY_BYTES });
      this.origins.upsert(key).value.write(etagDigest(copy.sourceEtag), 'hex');
    }
    const flags = LISTED | (hasMd5 ? HAS_MD5 : 0) | (copy.sourceEtag ? HAS_ORIGIN : 0) | (copy.unfinished ? COPY_UNFINISHED : 0);
    value.writeUInt8((flagsOf(value) & CLAIMED) | flags, VALUE.at.flags);
  }

  /** Adds a listed blob, with what its metadata and copy status say. */
  addItem(item: ListedItem, name = item.name): void {
    const status = item.copyStatus;
    this.add(name, item.size, item.md5, { sourceEtag: item.sourceEtag, unfinished: status !== undefined && status !== 'success' });
  }

  get(name: string): RemoteBlob | undefined {
    const key = DigestTable.digest(name);
    return this.blobOf(key, this.table.get(key));
  }

  /** Marks the name as one the source has (so it is not "extra") and returns what the container held under it. */
  claim(name: string): RemoteBlob | undefined {
    const key = DigestTable.digest(name);
    const { value } = this.table.upsert(key);
    const flags = flagsOf(value);
    if ((flags & (LISTED | CLAIMED)) === LISTED) this.listedAndClaimed++;
    value.writeUInt8(flags | CLAIMED, VALUE.at.flags);
    return this.blobOf(key, value);
  }

  private blobOf(key: Buffer, value: Buffer | undefined): RemoteBlob | undefined {
    if (!value || !(flagsOf(value) & LISTED)) return undefined;
    const flags = flagsOf(value);
    const origin = flags & HAS_ORIGIN ? this.origins?.get(key) : undefined;
    return {
      size: value.readUIntLE(VALUE.at.size, 6),
      md5: flags & HAS_MD5 ? value.toString('base64', VALUE.at.md5, VALUE.at.md5 + 16) : null,
      sourceEtag: origin ? origin.toString('hex') : null,
      copyUnfinished: (flags & COPY_UNFINISHED) !== 0,
    };
  }

  isClaimed(name: string): boolean {
    const value = this.table.get(DigestTable.digest(name));
    return value !== undefined && (flagsOf(value) & CLAIMED) !== 0;
  }
}

function flagsOf(value: Buffer): number {
  return value.readUInt8(VALUE.at.flags);
}

/** Below this many pages' worth of expected blobs, one sequence of pages is as fast as a walk (which costs a few round trips first). */
const WALK_FROM_PAGES = 10;
/** Listings in flight at once for a container expected to be large. */
export const DEFAULT_LIST_PARALLEL = 8;

/**
 * Every blob of a container (or under a prefix), one page at a time, each page its own request: a failed page
 * is retried (with its continuation token) by `retryPage`, there is no timeout on the listing as a whole.
 * A container expected to hold many pages is listed by folders, several at once (listing-walk.ts).
 * The one listing of the code base: destinations, verify's second pass, remote sources and rehearse use it.
 */
export async function* listBlobPages(container: ContainerClient, options: ListOptions): AsyncGenerator<ListedItem[]> {
  const maxPageSize = Math.min(MAX_PAGE_SIZE, options.maxPageSize ?? MAX_PAGE_SIZE);
  const parallel = options.parallel ?? 1;
  const pages =
    parallel > 1 && (options.expectedBlobs ?? 0) >= WALK_FROM_PAGES * maxPageSize
      ? walkInParallel<ListedItem>({
          root: options.prefix ?? '',
          expected: options.expectedBlobs ?? 0,
          // A part is worth a request of its own if it likely fills a fifth of a page.
          minPerPart: maxPageSize / 5,
          parallel,
          level: async (prefix) => {
            const page = await options.retryPage((signal) => requestPage(container, { ...pageRequest(options, maxPageSize, signal), prefix, delimiter: '/' }));
            return { items: page.items, prefixes: page.prefixes, more: page.next !== undefined };
          },
          flat: (prefix) => flatPages(container, { ...options, prefix }, maxPageSize),
        })
      : flatPages(container, options, maxPageSize);
  const progress: ListingProgress = { pages: 0, blobs: 0 };
  for await (const items of pages) {
    progress.pages++;
    progress.blobs += items.length;
    options.onPage?.({ ...progress });
    yield items;
  }
}

/** One sequence of pages, each continuing from the one before. */
async function* flatPages(container: ContainerClient, options: ListOptions, maxPageSize: number): AsyncGenerator<ListedItem[]> {
  let continuationToken: string | undefined;
  do {
    const marker = continuationToken;
    const page = await options.retryPage((signal) => requestPage(container, { ...pageRequest(options, maxPageSize, signal), prefix: options.prefix, marker }));
    yield page.items;
    continuationToken = page.next;
  } while (continuationToken);
}

function pageRequest(options: ListOptions, maxPageSize: number, signal: AbortSignal): PageRequest {
  return { maxPageSize, details: options.details ?? false, sourceEtagKey: SOURCE_ETAG_KEY, signal };
}
