// Scale benchmark through the code users run: N small files (built once, cached), a stand-in Blob service
// that keeps what it receives and lists it back 5,000 a page after a service time per page
// (scripts/lib/stand-in.js), and the real CLI (bin/kxp-restore.js) as a child process for each step:
// plan; upload killed with SIGKILL at about half; the same upload to the end; verify; verify
// --trust-journal; then the journal opened alone. Each row: exit, wall time, files/s, the child's CPU
// time per file (user + system; not for a killed child) and the stand-in's (this process's), peak RSS (the child's own), journal bytes per
// file, and the load average (the machine may be shared).
// Run through `npm run bench:scale N` (builds first).
//   node scripts/bench-scale.js N [--page-ms 400] [--kill-at 0.5] [--cache DIR] [--cpu-prof DIR]
//                                 [--steps plan,upload-killed,upload,verify,verify-trust,journal]
//   --cache: where payloads are kept between runs (default <os tmpdir>/kxp-bench-scale).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionValue, spawnMeasured } from './lib/bench-child.js';
import { scaleFiles } from './lib/scale-files.js';
import { startStandIn } from './lib/stand-in.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'kxp-restore.js');
const ALL_STEPS = ['plan', 'upload-killed', 'upload', 'verify', 'verify-trust', 'journal'];

const argv = process.argv.slice(2);
const count = Number(argv[0]);
if (!Number.isInteger(count) || count <= 0) {
  process.stderr.write('usage: npm run bench:scale N [-- --page-ms 400 --kill-at 0.5 --cache DIR --cpu-prof DIR --steps …]\n');
  process.exit(2);
}
const pageMs = Number(optionValue(argv, '--page-ms', '400'));
const killAt = Number(optionValue(argv, '--kill-at', '0.5'));
const cacheRoot = path.resolve(optionValue(argv, '--cache', path.join(tmpdir(), 'kxp-bench-scale')));
const cpuProfDir = optionValue(argv, '--cpu-prof', undefined);
const steps = optionValue(argv, '--steps', ALL_STEPS.join(',')).split(',');

const { createContainerSasUrl } = await import('../dist/index.js');
const { StorageSharedKeyCredential } = await import('@azure/storage-blob');
const { journalFileName } = await import('../dist/transfer/journal.js');

const log = (line) => process.stdout.write(`${line}\n`);
log(`payload: ${count.toLocaleString('en-US')} files of 100–1,100 bytes (cached under ${cacheRoot})`);
const dir = await scaleFiles(cacheRoot, count, (line) => log(`  ${line}`));
const standIn = await startStandIn({ keep: true, pageDelayMs: pageMs });
// The stand-in checks no signature; the URL only has to look like the Portal's (a random key signs it).
const account = { blobEndpoint: '', credential: new StorageSharedKeyCredential('benchaccount', randomBytes(32).toString('base64')) };
const url = createContainerSasUrl(account, 'storage', { baseUrl: `http://127.0.0.1:${standIn.port}/benchaccount` });
const stateDir = await mkdtemp(path.join(tmpdir(), 'kxp-bench-scale-state-'));
const env = { KXP_STORAGE_SAS_URL: url };
const rows = [];
log(`${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; stand-in ${pageMs} ms a listing page`);
try {
  if (steps.includes('plan')) await step('plan', [bin, 'plan', dir, '--storage-only']);
  if (steps.includes('upload-killed')) await step('upload killed', [bin, 'upload', dir, '--storage-only', '--state-dir', stateDir], { killWhenStored: Math.round(count * killAt) });
  if (steps.includes('upload')) {
    const before = { stored: standIn.store.size, puts: standIn.requests.putBlob };
    const row = await step('upload (resume)', [bin, 'upload', dir, '--storage-only', '--state-dir', stateDir]);
    const sent = standIn.requests.putBlob - before.puts;
    row.note = `sent ${sent.toLocaleString('en-US')} files; ${(count - before.stored).toLocaleString('en-US')} were missing`;
  }
  if (steps.includes('verify')) await step('verify', [bin, 'verify', dir, '--storage-only', '--state-dir', stateDir, '--json']);
  if (steps.includes('verify-trust')) await step('verify --trust-journal', [bin, 'verify', dir, '--storage-only', '--state-dir', stateDir, '--trust-journal', '--json']);
  if (steps.includes('journal')) await step('journal opened alone', [path.join(here, 'lib', 'open-journal.js'), stateDir, 'benchaccount/storage']);
} finally {
  await standIn.close();
  await rm(stateDir, { recursive: true, force: true });
}
report();

/** Runs one CLI step as a child and records its row; a step that fails ends the benchmark. */
async function step(name, args, { killWhenStored } = {}) {
  const loadBefore = loadavg()[0];
  const storedBefore = standIn.store.size;
  // This process is the stand-in (and a 20 ms poll): its CPU is the service's share of the two cores.
  const serviceCpuBefore = process.cpuUsage();
  const run = spawnMeasured(args, { env, cpuProfDir, stdout: 'pipe' });
  let killer;
  if (killWhenStored !== undefined) {
    killer = setInterval(() => {
      if (standIn.store.size >= killWhenStored) {
        run.child.kill('SIGKILL');
        clearInterval(killer);
      }
    }, 20);
  }
  const result = await run.done;
  clearInterval(killer);
  const serviceCpu = process.cpuUsage(serviceCpuBefore);
  const killed = killWhenStored !== undefined;
  const ok = killed ? result.signal === 'SIGKILL' : result.code === 0;
  const files = name.startsWith('upload') ? standIn.store.size - storedBefore : count;
  const row = {
    name,
    exit: result.signal ?? result.code,
    seconds: result.wallMs / 1000,
    files,
    peakRssMiB: result.peakRssMiB,
    // The client's own CPU per file: the figure the load of a shared machine does not change much.
    cpuMsPerFile: result.cpuMs !== undefined && files > 0 ? result.cpuMs / files : undefined,
    serviceCpuMsPerFile: files > 0 ? (serviceCpu.user + serviceCpu.system) / 1000 / files : 0,
    journalBytesPerFile: await journalBytesPerFile(),
    load: `${loadBefore.toFixed(1)}→${loadavg()[0].toFixed(1)}`,
    note: verdict(name, result),
  };
  rows.push(row);
  log(describe(row));
  if (!ok) {
    process.stderr.write(`${name} failed (${row.exit}):\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}\n`);
    report();
    process.exit(1);
  }
  return row;
}

function verdict(name, result) {
  if (name.startsWith('journal')) return result.stdout.trim();
  if (!name.startsWith('verify') || result.code !== 0) return '';
  try {
    const parsed = JSON.parse(result.stdout);
    return parsed.ok ? 'identical' : 'NOT identical';
  } catch {
    return 'unparsed output';
  }
}

async function journalBytesPerFile() {
  const file = path.join(stateDir, journalFileName('benchaccount/storage'));
  const size = await stat(file).then((stats) => stats.size, () => 0);
  return size / count;
}

function describe(row) {
  const rate = row.seconds > 0 ? row.files / row.seconds : 0;
  return (
    `${row.name.padEnd(24)} exit ${String(row.exit).padEnd(7)} ${row.seconds.toFixed(1).padStart(7)} s ${rate.toFixed(0).padStart(6)} files/s ` +
    `cpu ${cpuText(row).padStart(5)} ms/file (stand-in ${row.serviceCpuMsPerFile.toFixed(3)})  peak RSS ${row.peakRssMiB.toFixed(0).padStart(4)} MiB  journal ${row.journalBytesPerFile.toFixed(1).padStart(5)} B/file  load ${row.load}${row.note ? `  ${row.note}` : ''}`
  );
}

function cpuText(row) {
  return row.cpuMsPerFile === undefined ? '–' : row.cpuMsPerFile.toFixed(3);
}

function report() {
  log(`\n| step | exit | wall | files/s | client CPU ms/file | stand-in CPU ms/file | peak RSS | journal B/file | load (1 min) | |\n|---|---|---|---|---|---|---|---|---|---|`);
  for (const row of rows) {
    const rate = row.seconds > 0 ? row.files / row.seconds : 0;
    log(`| ${row.name} | ${row.exit} | ${row.seconds.toFixed(1)} s | ${rate.toFixed(0)} | ${cpuText(row)} | ${row.serviceCpuMsPerFile.toFixed(3)} | ${row.peakRssMiB.toFixed(0)} MiB | ${row.journalBytesPerFile.toFixed(1)} | ${row.load} | ${row.note} |`);
  }
  const worst = Math.max(0, ...rows.filter((row) => !row.name.startsWith('journal')).map((row) => row.peakRssMiB));
  log(`\nhighest peak RSS of the CLI steps: ${worst.toFixed(0)} MiB (target ≤ 512: ${worst <= 512 ? 'met' : 'NOT met'})`);
}
