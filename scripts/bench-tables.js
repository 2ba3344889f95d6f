// What the name-keyed tables of a resume or a verify cost per file, up to 10,000,000 files, without that
// many files on disk: a journal of N records (written once through the Journal API, cached), a stand-in
// service listing N synthetic blobs (scripts/lib/synthetic-store.js; nothing stored), and a child process
// (scripts/lib/tables-child.js, with the CLI's heap setting) that opens the journal, lists the container
// through listBlobPages into a RemoteIndex and claims every name as verify does. Reports the child's peak
// RSS; run at two sizes, the difference over the files between them is the cost per file.
// Run through `npm run bench:tables N [N2 …]` (builds first).
//   node scripts/bench-tables.js N [N2 …] [--page-ms 0] [--cache DIR] [--node-flags '--heap-growing-percent=50']
import { access, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { optionValue, spawnMeasured } from './lib/bench-child.js';
import { startStandIn } from './lib/stand-in.js';
import { SyntheticStore, syntheticBlob, syntheticFileState, syntheticName } from './lib/synthetic-store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const counts = argv.filter((arg, i) => /^\d+$/.test(arg) && !argv[i - 1]?.startsWith('--')).map(Number);
if (counts.length === 0) {
  process.stderr.write('usage: npm run bench:tables N [N2 …] [-- --page-ms 0 --cache DIR]\n');
  process.exit(2);
}
const pageMs = Number(optionValue(argv, '--page-ms', '0'));
// The child runs with the heap setting bin/kxp-restore.js gives the CLI; `--node-flags` tries others.
const nodeFlags = optionValue(argv, '--node-flags', '--heap-growing-percent=50').split(' ').filter(Boolean);
const cacheRoot = path.resolve(optionValue(argv, '--cache', path.join(tmpdir(), 'kxp-bench-tables')));
const identity = 'benchaccount/storage';

const { Journal, journalFileName } = await import('../dist/transfer/journal.js');
const { createContainerSasUrl } = await import('../dist/index.js');
const { StorageSharedKeyCredential } = await import('@azure/storage-blob');

const log = (line) => process.stdout.write(`${line}\n`);
log(`${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; stand-in ${pageMs} ms a listing page; child flags ${nodeFlags.join(' ')}`);
log('RSS in MiB (heap used of committed, young generation, array buffers: the tables are array buffers)');
const rows = [];
for (const count of counts) {
  const stateDir = await journalOf(count);
  const standIn = await startStandIn({ store: new SyntheticStore(count), pageDelayMs: pageMs });
  const account = { blobEndpoint: '', credential: new StorageSharedKeyCredential('benchaccount', randomBytes(32).toString('base64')) };
  const url = createContainerSasUrl(account, 'storage', { baseUrl: `http://127.0.0.1:${standIn.port}/benchaccount` });
  const loadBefore = loadavg()[0];
  try {
    const run = spawnMeasured([...nodeFlags, path.join(here, 'lib', 'tables-child.js'), JSON.stringify({ url, stateDir, identity, count })], { stdout: 'pipe' });
    const result = await run.done;
    if (result.code !== 0) throw new Error(`the child failed (${result.signal ?? result.code}):\n${result.stderr.slice(-4000)}`);
    const child = JSON.parse(result.stdout.trim().split('\n').pop());
    if (child.listed !== count || child.wrong !== 0 || child.fromJournal !== count || child.unclaimed !== 0) throw new Error(`wrong answers: ${JSON.stringify(child)}`);
    const row = { count, peak: result.peakRssMiB, ...child, load: `${loadBefore.toFixed(1)}→${loadavg()[0].toFixed(1)}`, journalBytes: (await stat(path.join(stateDir, journalFileName(identity)))).size };
    rows.push(row);
    const at = (memory) => `${memory.rss.toFixed(0)} (heap ${memory.heapUsed.toFixed(0)} of ${memory.heapTotal.toFixed(0)}, young ${memory.young.toFixed(0)}, buffers ${memory.arrayBuffers.toFixed(0)})`;
    log(
      `${count.toLocaleString('en-US').padStart(11)} files: peak RSS ${row.peak.toFixed(0)} MiB; RSS at start ${at(child.start)}, journal open ${at(child.afterJournal)}, ` +
        `listed ${at(child.afterListing)}, end ${at(child.end)}; open ${child.seconds.open.toFixed(1)} s, list ${child.seconds.list.toFixed(1)} s, claim ${child.seconds.claim.toFixed(1)} s; load ${row.load}`,
    );
  } finally {
    await standIn.close();
  }
}
log('\n| files | peak RSS | above the start | per file (peak − start) | open | list | claim + compare | load (1 min) |\n|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const above = row.peak - row.start.rss;
  log(`| ${row.count.toLocaleString('en-US')} | ${row.peak.toFixed(0)} MiB | ${above.toFixed(0)} MiB | ${((above * 2 ** 20) / row.count).toFixed(1)} B | ${row.seconds.open.toFixed(1)} s | ${row.seconds.list.toFixed(1)} s | ${row.seconds.claim.toFixed(1)} s | ${row.load} |`);
}
for (let i = 1; i < rows.length; i++) {
  const [small, large] = [rows[i - 1], rows[i]];
  log(`per file from ${small.count.toLocaleString('en-US')} to ${large.count.toLocaleString('en-US')}: ${(((large.peak - small.peak) * 2 ** 20) / (large.count - small.count)).toFixed(1)} B`);
}

/** The state folder holding a journal of `count` records, one per synthetic blob, written once and cached. */
async function journalOf(count) {
  const stateDir = path.join(cacheRoot, String(count));
  const done = path.join(stateDir, 'built');
  if (await access(done).then(() => true, () => false)) return stateDir;
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  const started = performance.now();
  const journal = await Journal.open(stateDir, identity, { expectedFiles: count });
  for (let i = 0; i < count; i++) {
    journal.record('committed', syntheticName(i), syntheticFileState(i), syntheticBlob(i).md5);
    if (i % 20_000 === 19_999) await journal.flush();
  }
  await journal.close();
  await writeFile(done, `${count} records\n`);
  log(`journal of ${count.toLocaleString('en-US')} records written in ${((performance.now() - started) / 1000).toFixed(0)} s (cached under ${cacheRoot})`);
  return stateDir;
}
