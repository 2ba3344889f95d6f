/** Whole-file MD5 by streaming an open file once from its start (for skip decisions and verify). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Read size for large files. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads the open file once from its start. `sizeHint` (the size fstat gave) sizes the buffer: a small file is
 * read with one buffer of its own size from the pool, not a stream's 1 MiB buffer per file (at thousands of
 * files a second that was most of the memory churn of `verify`), and read once. A file that changed
 * meanwhile is the caller's check (assertUnchanged compares fstat before and after).
 */
export async function md5OfHandle(handle: FileHandle, signal?: AbortSignal, sizeHint?: number): Promise<string> {
  const hash = createHash('md5');
  const buffer = Buffer.allocUnsafe(sizeHint === undefined ? CHUNK_BYTES : Math.min(CHUNK_BYTES, sizeHint + 1));
  for (let position = 0; ; ) {
    signal?.throwIfAborted();
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
    // With the size known, a short read at that size is the end (no second read of a small file).
    if (bytesRead === 0 || (sizeHint !== undefined && position >= sizeHint && bytesRead < buffer.length)) break;
  }
  return hash.digest('base64');
}

/** The same for a path (rehearse's check of a restored environment). */
export async function md5OfFile(file: string, signal?: AbortSignal): Promise<string> {
  const handle = await open(file, 'r');
  try {
    return await md5OfHandle(handle, signal);
  } finally {
    await handle.close();
  }
}

/** The MD5 of a list of block MD5s, in order: how a file committed from blocks staged by many shards is named. */
export function compositeMd5(blockMd5s: Iterable<Buffer>): string {
  const hash = createHash('md5');
  for (const md5 of blockMd5s) hash.update(md5);
  return hash.digest('base64');
}

/** In one pass: the whole-file MD5 and the composite MD5 of its blocks of `blockSize` bytes. */
export async function md5AndCompositeOfHandle(handle: FileHandle, blockSize: number, signal?: AbortSignal): Promise<{ md5: string; composite: string }> {
  const whole = createHash('md5');
  const blocks: Buffer[] = [];
  let block = createHash('md5');
  let inBlock = 0;
  const stream = createReadStream('', { fd: handle, start: 0, autoClose: false, highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    whole.update(bytes);
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(blockSize - inBlock, bytes.length - offset);
      block.update(bytes.subarray(offset, offset + take));
      inBlock += take;
      offset += take;
      if (inBlock === blockSize) {
        blocks.push(block.digest());
        block = createHash('md5');
        inBlock = 0;
      }
    }
  }
  if (inBlock > 0) blocks.push(block.digest());
  return { md5: whole.digest('base64'), composite: compositeMd5(blocks) };
}
