// Test payloads for the benchmarks: many small files.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `count` files of 1–60 KB of random data in 50 folders under `<dir>/storage/default`; returns `dir`. */
export async function makeSmallFiles(dir, count) {
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, 'storage', 'default', `d${String(i % 50).padStart(2, '0')}`, `f${String(i).padStart(5, '0')}.bin`);
    if (i < 50) await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, randomBytes(1000 + ((i * 7919) % 59_001)));
  }
  return dir;
}
