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

/** Room for a compact ID that still names the block's content: 'kx', the index (2 bytes), the MD5 (16 bytes). */
const COMPACT_ID_BYTES = 2 + 2 + 16;

/**
 * The block IDs of one blob. The service refuses a Put Block whose ID length differs from blocks another tool
 * left uncommitted, and clearing those blocks would mean committing over the blob that is there; so when
 * foreign uncommitted blocks exist, our IDs take their length instead, and the existing blob stays whole until
 * our Put Block List replaces it (that commit also discards the foreign blocks).
 */
export interface BlockIdScheme {
  /** Decoded length of every ID. */
  bytes: number;
  /**
   * True when the ID carries the block's MD5, so a staged block with a matching ID provably holds those bytes
   * and need not be sent again. False for IDs too short for that: every block is sent.
   */
  resumable: boolean;
  /** How many blocks the IDs can tell apart (256 for the rare foreign IDs of one byte). */
  capacity: number;
  id(index: number, md5: Buffer): string;
}

export function blockIdScheme(bytes = BLOCK_ID_BYTES): BlockIdScheme {
  if (bytes === BLOCK_ID_BYTES) return { bytes, resumable: true, capacity: MAX_BLOCKS, id: blockId };
  if (bytes >= COMPACT_ID_BYTES) {
    return {
      bytes,
      resumable: true,
      capacity: MAX_BLOCKS,
      id: (index, md5) => {
        const id = Buffer.alloc(bytes);
        id.write('kx', 0, 'latin1');
        id.writeUInt16BE(index, 2);
        md5.copy(id, 4);
        return id.toString('base64');
      },
    };
  }
  // Too short for the MD5: the index alone, which may equal a foreign ID; staging over it is harmless.
  return {
    bytes,
    resumable: false,
    capacity: bytes === 1 ? 256 : MAX_BLOCKS,
    id: (index) => {
      const id = Buffer.alloc(bytes, 'k');
      if (bytes === 1) id.writeUInt8(index, 0);
      else id.writeUInt16BE(index, bytes - 2);
      return id.toString('base64');
    },
  };
}

