/**
 * Block planning and deterministic block IDs.
 *
 * A block ID is base64 of `kxp1-<index, 6 digits>-<block MD5, 32 hex>`: every ID of a blob has the same
 * length (a service rule), a staged block whose ID matches provably holds the same bytes at the same
 * position, so a re-run sends only missing or changed blocks and a stale block can never be committed.
 */
import { KxpError } from '../errors.js';

export const MiB = 1024 * 1024;
export const DEFAULT_BLOCK_SIZE = 8 * MiB;
export const MAX_BLOCK_SIZE = 4000 * MiB;
/** Smallest --block-size accepted (a fraction of a MiB keeps tests small and fast). */
export const MIN_BLOCK_SIZE = 64 * 1024;
export const MAX_BLOCKS = 50_000;
const ID_PREFIX = 'kxp1';

export interface BlockLayout {
  blockSize: number;
  blockCount: number;
  /** True when the file goes in one Put Blob (it fits one block). */
  single: boolean;
}

/** Bytes from a --block-size in MiB (fractions allowed down to MIN_BLOCK_SIZE). */
export function blockSizeFromMiB(mib: number | undefined): number | undefined {
  if (mib === undefined) return undefined;
  const bytes = Math.round(mib * MiB);
  if (!Number.isFinite(bytes) || bytes < MIN_BLOCK_SIZE || bytes > MAX_BLOCK_SIZE) {
    throw new KxpError('USAGE', `--block-size must be between ${MIN_BLOCK_SIZE / MiB} and ${MAX_BLOCK_SIZE / MiB} MiB; got ${mib}.`, {
      hint: 'Leave it out to use 8 MiB, grown automatically for very large files.',
    });
  }
  return bytes;
}

/**
 * The block size for a file: the requested (or default) size, grown to whole MiB so the blob needs at most
 * 50,000 blocks. A requested size too small for the file is grown too, never refused.
 */
export function layoutFor(size: number, requested = DEFAULT_BLOCK_SIZE): BlockLayout {
  let blockSize = requested;
  if (Math.ceil(size / blockSize) > MAX_BLOCKS) blockSize = Math.ceil(size / MAX_BLOCKS / MiB) * MiB;
  if (blockSize > MAX_BLOCK_SIZE) {
    throw new KxpError('USAGE', `A file of ${size} bytes is larger than a block blob can hold (50,000 blocks of 4000 MiB).`);
  }
  const blockCount = Math.max(1, Math.ceil(size / blockSize));
  return { blockSize, blockCount, single: size <= requested };
}

export function blockId(index: number, md5: Buffer): string {
  return Buffer.from(`${ID_PREFIX}-${String(index).padStart(6, '0')}-${md5.toString('hex')}`, 'latin1').toString('base64');
}

/** Length in bytes of every ID blockId makes (decoded), to spot foreign blocks a different tool staged. */
export const BLOCK_ID_BYTES = ID_PREFIX.length + 1 + 6 + 1 + 32;

export function decodedIdLength(id: string): number {
  return Buffer.from(id, 'base64').length;
}
