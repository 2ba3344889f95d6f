/** Whether two files hold the same bytes: read side by side, stopping at the first difference (nothing hashed). */
import { open } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

export async function sameBytes(a: string, b: string, signal?: AbortSignal): Promise<boolean> {
  const [left, right] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const [leftStats, rightStats] = await Promise.all([left.stat(), right.stat()]);
    if (leftStats.size !== rightStats.size) return false;
    const leftBuffer = Buffer.alloc(Math.min(CHUNK, leftStats.size));
    const rightBuffer = Buffer.alloc(leftBuffer.length);
    for (let position = 0; position < leftStats.size; ) {
      signal?.throwIfAborted();
      const [read, readToo] = await Promise.all([left.read(leftBuffer, 0, leftBuffer.length, position), right.read(rightBuffer, 0, rightBuffer.length, position)]);
      if (read.bytesRead === 0 || read.bytesRead !== readToo.bytesRead) return false; // shrunk while read: not the same file
      if (!leftBuffer.subarray(0, read.bytesRead).equals(rightBuffer.subarray(0, read.bytesRead))) return false;
      position += read.bytesRead;
    }
    return true;
  } finally {
    await Promise.all([left.close(), right.close()]);
  }
}
