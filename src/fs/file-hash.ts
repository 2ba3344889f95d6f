/** Whole-file MD5 by streaming an open file once from its start (for skip decisions and verify). */
import { createHash } from 'node:crypto';
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
