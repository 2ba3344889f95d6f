// Measures `plan` on many small files: wall time and peak memory, at two tree sizes, to show that
// memory stays flat as the file count grows. Run through `npm run bench:plan` (builds first).
// Each size runs in a fresh child process so peak RSS belongs to that run alone.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--child') {
  const { planPayload } = await import('../dist/index.js');
  const started = performance.now();
  const report = await planPayload({ dir: process.argv[3] }, { cwd: process.argv[3] });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ files: report.totals.files, ok: report.ok, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
} else {
  const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  const root = await mkdtemp(path.join(tmpdir(), 'kxp-bench-plan-'));
  try {
    for (const count of sizes) {
      const dir = path.join(root, String(count));
      await makeTree(dir, count);
      const child = spawnSync(process.execPath, [path.join(here, 'bench-plan.js'), '--child', dir], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      const result = JSON.parse(child.stdout);
      console.log(
        `plan: ${result.files.toLocaleString('en-US')} files in ${result.seconds.toFixed(2)} s, peak RSS ${result.maxRssMiB.toFixed(0)} MiB (ok=${result.ok})`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** `count` files of 1–200 bytes, 500 per folder, three levels deep, like a media library. */
async function makeTree(dir, count) {
  const perFolder = 500;
  for (let start = 0; start < count; start += perFolder) {
    const folder = path.join(dir, 'storage', 'default', 'assets', `f${Math.floor(start / 50_000)}`, `g${start / perFolder}`);
    await mkdir(folder, { recursive: true });
    const writes = [];
    for (let i = start; i < Math.min(count, start + perFolder); i++) {
      writes.push(writeFile(path.join(folder, `file-${i}.jpg`), 'x'.repeat(1 + (i % 200))));
    }
    await Promise.all(writes);
  }
}
