/**
 * Which shard sends what: a deterministic, size-balanced split of one manifest among N workers, computed
 * by every worker alike from the same manifest, with no coordinator.
 *
 * Files at least 1/64 of a shard's fair share are few (at most 64 × N): they are placed largest first on
 * the least-loaded shard (names break ties). A file larger than the fair share is first cut into N runs of
 * whole blocks, so one database export is staged by every shard at once. The many small files that remain
 * then stream in manifest order to the least-loaded shard, which keeps every shard within one small file
 * of the others without holding the list in memory.
 */
import { KxpError } from '../errors.js';
import { layoutFor } from './blocks.js';

/** `index` of `count` shards, counted from 0 (as Kubernetes' JOB_COMPLETION_INDEX). */
export interface ShardSpec {
  index: number;
  count: number;
}

export interface ShardEntry {
  /** Position in the manifest (0-based). */
  ordinal: number;
  /** Where the blob goes: role and blob name, unique in the manifest. */
  key: string;
  size: number;
  /** False for a blob the storage service copies itself: its bytes never pass through a shard, so it is never split. */
  splittable?: boolean;
}

/** One shard's part of a file: the whole file, or a run of its blocks to stage (committed by `--finish`). */
export interface ShardPiece {
  ordinal: number;
  key: string;
  size: number;
  /** Present for a file split across shards. */
  blocks?: { first: number; count: number; blockSize: number; total: number };
  /** Bytes of the file this piece sends. */
  bytes: number;
}

/** Below 1/64 of the fair share a file is small: placed in manifest order, never sorted. */
const LARGE_FRACTION = 64;

export const MAX_SHARDS = 10_000;

/** `i/N` as given to `--shard` or KXP_SHARD. */
export function parseShard(text: string, where = '--shard'): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || !(count >= 1 && count <= MAX_SHARDS) || !(index >= 0 && index < count)) {
    throw new KxpError('USAGE', `${where} must be i/N with 0 ≤ i < N ≤ ${MAX_SHARDS} (shards count from 0); got "${text}".`, {
      hint: 'Example: --shard 0/4 … --shard 3/4 for four machines; in a Kubernetes Indexed Job, --shards 4 reads JOB_COMPLETION_INDEX.',
    });
  }
  return { index, count };
}

/** The shard from `--shard`, else KXP_SHARD, else JOB_COMPLETION_INDEX with `--shards N`; undefined when none. */
export function shardFromEnvironment(options: { shard?: string; shards?: number; env: Readonly<Record<string, string | undefined>> }): ShardSpec | undefined {
  if (options.shard !== undefined) return parseShard(options.shard);
  const fromEnv = options.env['KXP_SHARD'];
  if (fromEnv) return parseShard(fromEnv, 'KXP_SHARD');
  if (options.shards === undefined) return undefined;
  const index = options.env['JOB_COMPLETION_INDEX'];
  if (index === undefined || index === '') {
    throw new KxpError('USAGE', '--shards N needs the shard index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it), or give --shard i/N.');
  }
  return parseShard(`${index}/${options.shards}`, 'JOB_COMPLETION_INDEX with --shards');
}

/** A binary min-heap of shard loads: the least-loaded shard, lowest index on ties. */
class Loads {
  readonly bytes: number[];
  private readonly heap: number[];

  constructor(count: number) {
    this.bytes = new Array<number>(count).fill(0);
    this.heap = Array.from({ length: count }, (_, i) => i);
  }

  private less(a: number, b: number): boolean {
    const loadA = this.bytes[a] ?? 0;
    const loadB = this.bytes[b] ?? 0;
    return loadA < loadB || (loadA === loadB && a < b);
  }

  /** Adds `bytes` to the least-loaded shard and returns it. */
  take(bytes: number): number {
    const shard = this.heap[0] ?? 0;
    this.bytes[shard] = (this.bytes[shard] ?? 0) + bytes;
    this.siftDown(0);
    return shard;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let at = start;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let least = at;
      if (left < heap.length && this.less(heap[left] ?? 0, heap[least] ?? 0)) least = left;
      if (right < heap.length && this.less(heap[right] ?? 0, heap[least] ?? 0)) least = right;
      if (least === at) return;
      [heap[at], heap[least]] = [heap[least] ?? 0, heap[at] ?? 0];
      at = least;
    }
  }
}

export interface ShardAssignment {
  /** Bytes each shard sends, by shard index. */
  shares: number[];
  /** Files split by block ranges across shards (ordinals). */
  split: Set<number>;
  /** The pieces of one shard, in the order it should send them; undefined unless a shard was asked for. */
  pieces: ShardPiece[] | undefined;
}

/**
 * Assigns every entry of a manifest. `entries` is called twice (two streaming passes over the manifest):
 * memory holds the large files and, for the asked shard, its own pieces only.
 */
export async function assignShards(
  entries: () => AsyncIterable<ShardEntry> | Iterable<ShardEntry>,
  options: { count: number; totalBytes: number; blockSize?: number; shard?: number; onPiece?: (piece: ShardPiece, shard: number) => void },
): Promise<ShardAssignment> {
  const { count, totalBytes } = options;
  const fair = totalBytes / count;
  const largeFrom = fair / LARGE_FRACTION;
  const loads = new Loads(count);
  const split = new Set<number>();
  const wanted: ShardPiece[] | undefined = options.shard === undefined ? undefined : [];
  const place = (piece: ShardPiece, shard: number) => {
    if (shard === options.shard) wanted?.push(piece);
    options.onPiece?.(piece, shard);
  };

  const large: ShardPiece[] = [];
  for await (const entry of entries()) {
    if (entry.size === 0 || entry.size < largeFrom) continue;
    if (count > 1 && entry.size > fair && entry.splittable !== false) {
      split.add(entry.ordinal);
      large.push(...splitByBlocks(entry, count, options.blockSize));
    } else {
      large.push({ ordinal: entry.ordinal, key: entry.key, size: entry.size, bytes: entry.size });
    }
  }
  large.sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.blocks?.first ?? 0) - (b.blocks?.first ?? 0));
  for (const piece of large) place(piece, loads.take(piece.bytes));

  for await (const entry of entries()) {
    if (entry.size !== 0 && entry.size >= largeFrom) continue;
    place({ ordinal: entry.ordinal, key: entry.key, size: entry.size, bytes: entry.size }, loads.take(entry.size));
  }
  return { shares: loads.bytes, split, pieces: wanted };
}

/** Cuts a file into `count` runs of whole blocks, as even as whole blocks allow (fewer runs when it has fewer blocks). */
function splitByBlocks(entry: ShardEntry, count: number, requestedBlockSize?: number): ShardPiece[] {
  const { blockSize, blockCount } = layoutFor(entry.size, requestedBlockSize);
  const runs = Math.min(count, blockCount);
  const pieces: ShardPiece[] = [];
  let first = 0;
  for (let run = 0; run < runs; run += 1) {
    const countInRun = Math.floor(blockCount / runs) + (run < blockCount % runs ? 1 : 0);
    const end = Math.min(entry.size, (first + countInRun) * blockSize);
    pieces.push({
      ordinal: entry.ordinal,
      key: entry.key,
      size: entry.size,
      blocks: { first, count: countInRun, blockSize, total: blockCount },
      bytes: end - first * blockSize,
    });
    first += countInRun;
  }
  return pieces;
}
