// Test payloads for the benchmarks.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';

const MiB = 1024 * 1024;

/** One file of random-looking data, made fast: a 64 MiB random pattern, each copy stamped with its index. */
export async function makeLargeFile(file, bytes) {
  await mkdir(path.dirname(file), { recursive: true });
  const pattern = randomBytes(64 * MiB);
  const stream = createWriteStream(file);
  for (let offset = 0, index = 0; offset < bytes; offset += pattern.length, index++) {
    const chunk = Buffer.from(pattern.subarray(0, Math.min(pattern.length, bytes - offset)));
    chunk.writeUInt32LE(index, 0);
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'close');
}
