/** Whole-file MD5 by streaming an open file once from its start (for skip decisions and verify). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export async function md5OfHandle(handle: FileHandle, signal?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  // Positional reads from 0 on the caller's handle, which stays open: the caller checked it is the scanned file.
  const stream = createReadStream('', { fd: handle, start: 0, autoClose: false, highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream) hash.update(chunk as Buffer);
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
