// The payload of `npm run bench:scale N`: N small files (100–1,100 bytes) under `<root>/<N>/storage/default`,
// 1,000 to a folder, built once and kept (a marker file says the build finished; an unfinished build resumes).
import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const PER_FOLDER = 1000;
const PARALLEL = 64;

/** The relative path of file `i` inside the container folder. */
export function scaleFileName(i) {
  return path.join(`d${String(Math.floor(i / PER_FOLDER)).padStart(5, '0')}`, `f${String(i).padStart(7, '0')}.bin`);
}

/** Builds (or finds, cached) the N-file payload; returns the migration folder. */
export async function scaleFiles(root, count, log = () => {}) {
  const dir = path.join(root, String(count));
  const done = path.join(dir, 'built');
  if (await access(done).then(() => true, () => false)) return path.join(dir, 'migration');
  const base = path.join(dir, 'migration', 'storage', 'default');
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      if (i % PER_FOLDER === 0) await mkdir(path.join(base, path.dirname(scaleFileName(i))), { recursive: true });
      else if (i % PER_FOLDER < PARALLEL) await mkdir(path.join(base, path.dirname(scaleFileName(i))), { recursive: true });
      // Same size for file i on every build: 100–1,100 bytes.
      await writeFile(path.join(base, scaleFileName(i)), randomBytes(100 + ((i * 7919) % 1001)));
      if (i % 100_000 === 0 && i > 0) log(`built ${i.toLocaleString('en-US')} files (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await writeFile(done, `${count} files\n`);
  return path.join(dir, 'migration');
}
