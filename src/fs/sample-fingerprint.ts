/**
 * A cheap fingerprint of a file that any machine holding a copy computes alike: its size and the SHA-256 of
 * its first and last 64 KiB (the whole file when smaller). Unlike an inode or mtime, it survives a copy to
 * another machine; unlike a full hash, it costs two reads however large the file.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

const SAMPLE = 64 * 1024;

export async function sampleFingerprint(file: string): Promise<{ size: number; fingerprint: string }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const hash = createHash('sha256').update(`${size}\n`);
    const head = Buffer.alloc(Math.min(size, SAMPLE));
    await readFully(handle, head, 0);
    hash.update(head);
    if (size > SAMPLE) {
      const tail = Buffer.alloc(Math.min(size - SAMPLE, SAMPLE));
      await readFully(handle, tail, size - tail.length);
      hash.update(tail);
    }
    return { size, fingerprint: hash.digest('base64url').slice(0, 22) };
  } finally {
    await handle.close();
  }
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
}
