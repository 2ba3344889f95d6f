// Measures `plan` on many small files: wall time and peak memory, at two tree sizes, to show that
// memory stays flat as the file count grows. Run through `npm run bench:plan` (builds first).
// Each size runs in a fresh child process so peak RSS belongs to that run alone.
// Then the cost of a storage layout: the same files planned without a layout, with a layout file
// (--layout), and from a project folder (--project, mapping read from a StorageInitializationModule.cs),
// in alternating rounds; medians and their ratio to the run without a layout.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--child') {
  const { planPayload } = await import('../dist/index.js');
  const started = performance.now();
  const mode = process.argv[4] ?? 'plain';
  const dir = process.argv[3];
  const source =
    mode === 'layout' ? { dir, layoutFile: path.join(dir, 'kxp-layout.json'), storageOnly: true } : mode === 'project' ? { project: path.join(dir, 'project') } : { dir, storageOnly: true };
  const report = await planPayload(source, { cwd: dir });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  // CPU time (user + system) as well as wall time: on a shared machine it varies far less with the load.
  process.stdout.write(JSON.stringify({ files: report.totals.files, ok: report.ok, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
} else {
  const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  const rounds = Number(process.argv[3] ?? 3);
  const root = await mkdtemp(path.join(tmpdir(), 'kxp-bench-plan-'));
  const run = (dir, mode) => {
    const child = spawnSync(process.execPath, [path.join(here, 'bench-plan.js'), '--child', dir, mode], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  };
  try {
    for (const count of sizes) {
      const dir = path.join(root, String(count));
      await makeTree(dir, count);
      const result = run(dir, 'plain');
      console.log(
        `plan: ${result.files.toLocaleString('en-US')} files in ${result.seconds.toFixed(2)} s, peak RSS ${result.maxRssMiB.toFixed(0)} MiB (ok=${result.ok})`,
      );
    }
    // The layout's cost, on the largest size.
    const count = Math.max(...sizes);
    const dir = path.join(root, String(count));
    await writeFile(path.join(dir, 'kxp-layout.json'), JSON.stringify({ containers: { default: ['assets/'] } }));
    await makeProject(path.join(dir, 'project'), count);
    const times = { plain: [], layout: [], project: [] };
    const cpuTimes = { plain: [], layout: [], project: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of Object.keys(times)) {
        const result = run(dir, mode);
        if (!result.ok || result.files !== count) throw new Error(`${mode}: ok=${result.ok}, ${result.files} files`);
        times[mode].push(result.seconds);
        cpuTimes[mode].push(result.cpuSeconds);
      }
    }
    for (const [what, table] of [['wall', times], ['CPU', cpuTimes]]) {
      const base = median(table.plain);
      for (const [mode, list] of Object.entries(table)) {
        const label = { plain: 'no layout', layout: '--layout FILE', project: '--project DIR' }[mode];
        console.log(
          `plan ${count.toLocaleString('en-US')} files, ${label.padEnd(13)}: ${what} median ${median(list).toFixed(2)} s (${list.map((s) => s.toFixed(2)).join(', ')}), ${(median(list) / base).toFixed(2)}× no layout`,
        );
      }
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

/** A project folder holding the same files under assets/, with the template's storage module. */
async function makeProject(dir, count) {
  await makeTree(dir, count);
  const { rename } = await import('node:fs/promises');
  await rename(path.join(dir, 'storage', 'default', 'assets'), path.join(dir, 'assets'));
  await rm(path.join(dir, 'storage'), { recursive: true });
  await writeFile(
    path.join(dir, 'StorageInitializationModule.cs'),
    `public class StorageInitializationModule : Module
{
    private const string CONTAINER_NAME = "default";
    protected override void OnInit()
    {
        if (Environment.IsQa() || Environment.IsUat() || Environment.IsProduction()) MapAzureStoragePath("~/assets/");
    }
    private void MapAzureStoragePath(string path)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = CONTAINER_NAME;
        StorageHelper.MapStoragePath(path, provider);
    }
}
`,
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
