/**
 * `upload --finish`: commits a file that several shards staged in runs of blocks. The staged block IDs carry
 * each block's index and MD5 (see blocks.ts), so the service's own uncommitted block list proves which bytes
 * sit where without reading the file again. No machine reads the whole file, so the blob gets no whole-file
 * Content-MD5; instead its metadata holds the MD5 of the block MD5s in order (`kxpblockmd5`) and the block
 * size, which `verify` recomputes from the local file.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { statusOf } from '../azure/errors.js';
import { compositeMd5 } from '../fs/file-hash.js';
import { KxpError } from '../errors.js';
import { BLOCK_ID_BYTES, layoutFor } from './blocks.js';
import { contentTypeOf } from './file-upload.js';
import { paced, type RetryPolicy } from './pacer.js';

export const COMPOSITE_MD5_KEY = 'kxpblockmd5';
export const COMPOSITE_BLOCK_SIZE_KEY = 'kxpblocksize';

export interface SplitFile {
  blobName: string;
  size: number;
  /** The requested block size the shards used (the manifest's); grown for huge files exactly as they grew it. */
  blockSize: number;
  /** Named in messages. */
  displayPath: string;
}

export interface FinishOptions {
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
}

/** `committed`: this call committed it; `already`: an earlier finish did. */
export interface FinishResult {
  outcome: 'committed' | 'already';
  compositeMd5: string;
  blocks: number;
}

export async function finishSplit(client: ContainerClient, file: SplitFile, options: FinishOptions = {}): Promise<FinishResult> {
  const { blockSize, blockCount } = layoutFor(file.size, file.blockSize);
  const blob = client.getBlockBlobClient(file.blobName);
  const request = { signal: options.signal, policy: options.retry, where: file.displayPath };
  let list;
  try {
    list = await paced((signal) => blob.getBlockList('all', { abortSignal: signal }), request);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    list = { committedBlocks: [], uncommittedBlocks: [] };
  }
  const expectedLength = (index: number) => Math.min(blockSize, file.size - index * blockSize);
  const committed = ordered(list.committedBlocks ?? [], blockCount, expectedLength);
  if (committed.complete && (list.committedBlocks ?? []).length === blockCount) {
    return { outcome: 'already', compositeMd5: compositeMd5(committed.md5s), blocks: blockCount };
  }
  // Blocks staged since the last commit win; a block the committed version already holds fills a gap.
  const staged = ordered(list.uncommittedBlocks ?? [], blockCount, expectedLength, committed);
  if (staged.ambiguous.length > 0) {
    throw new KxpError('TRANSFER_FAILED', `Blocks of two versions of this file are staged (block ${staged.ambiguous[0]}${staged.ambiguous.length > 1 ? ` and ${staged.ambiguous.length - 1} more` : ''}): the shards did not all read the same file; nothing was committed.`, {
      path: file.displayPath,
      hint: 'Give every shard the same copy of the file, re-run the shards that read another copy, then --finish again.',
    });
  }
  if (staged.missing.length > 0) {
    throw new KxpError('SHARD_INCOMPLETE', `${staged.missing.length} of ${blockCount} blocks are not staged yet (${ranges(staged.missing)}); nothing was committed.`, {
      path: file.displayPath,
      hint: 'Let every shard finish (or re-run the one that stopped), then run --finish again.',
    });
  }
  const composite = compositeMd5(staged.md5s);
  await paced(
    (signal) =>
      blob.commitBlockList(staged.ids, {
        blobHTTPHeaders: { blobContentType: contentTypeOf(file.blobName) },
        metadata: { [COMPOSITE_MD5_KEY]: composite, [COMPOSITE_BLOCK_SIZE_KEY]: String(blockSize) },
        abortSignal: signal,
      }),
    request,
  );
  return { outcome: 'committed', compositeMd5: composite, blocks: blockCount };
}

interface Ordered {
  ids: string[];
  md5s: Buffer[];
  missing: number[];
  ambiguous: number[];
  complete: boolean;
  byIndex: Map<number, { id: string; md5: Buffer }>;
}

/** Our block IDs (`kxp1-<index>-<md5 hex>`) of the right length, by index; foreign or mis-sized blocks are ignored. */
function ordered(blocks: Array<{ name: string; size: number }>, blockCount: number, expectedLength: (index: number) => number, fallback?: Ordered): Ordered {
  const byIndex = new Map<number, { id: string; md5: Buffer }>();
  const ambiguous = new Set<number>();
  for (const block of blocks) {
    const decoded = Buffer.from(block.name, 'base64').toString('latin1');
    const match = decoded.length === BLOCK_ID_BYTES ? /^kxp1-(\d{6})-([0-9a-f]{32})$/.exec(decoded) : null;
    if (!match) continue;
    const index = Number(match[1]);
    if (index >= blockCount || block.size !== expectedLength(index)) continue;
    const seen = byIndex.get(index);
    if (seen && seen.id !== block.name) ambiguous.add(index);
    byIndex.set(index, { id: block.name, md5: Buffer.from(match[2] ?? '', 'hex') });
  }
  const ids: string[] = [];
  const md5s: Buffer[] = [];
  const missing: number[] = [];
  for (let index = 0; index < blockCount; index++) {
    const found = byIndex.get(index) ?? fallback?.byIndex.get(index);
    if (!found) missing.push(index);
    else {
      ids.push(found.id);
      md5s.push(found.md5);
    }
  }
  return { ids, md5s, missing, ambiguous: [...ambiguous].sort((a, b) => a - b), complete: missing.length === 0 && ambiguous.size === 0, byIndex };
}

/** `3–7, 12` from sorted indices. */
function ranges(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === (indices[j] ?? 0) + 1) j++;
    parts.push(i === j ? `block ${indices[i]}` : `blocks ${indices[i]}–${indices[j]}`);
    if (parts.length === 3 && j + 1 < indices.length) {
      parts.push('…');
      break;
    }
    i = j + 1;
  }
  return parts.join(', ');
}
