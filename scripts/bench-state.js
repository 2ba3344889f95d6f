// Measures the resume state at migration scale: opening a journal of N records (time, peak RSS) and
// indexing a remote listing of N blobs (peak RSS), each in a fresh child process so the figures are its
// own. Run through `npm run bench:state` (builds first).   node scripts/bench-state.js [N,N…] (default 1000000)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const IDENTITY = 'devstoreaccount1/storage';
const blobName = (i) => `default/media/library-${i % 1000}/images/photo-${String(i).padStart(7, '0')}.jpg`;
const md5 = (text) => createHash('md5').update(text).digest();

if (process.argv[2] === '--child') {
  const [, , , kind, arg] = process.argv;
  const started = performance.now();
  let entries;
  if (kind === 'journal') {
    const { Journal } = await import('../dist/transfer/journal.js');
    const journal = await Journal.open(arg, IDENTITY);
    const state = { path: `/site/migration/storage/${blobName(7)}`, size: 7, dev: 2049n, ino: 1000007n, mtimeNs: 1764140000000500000n, ctimeNs: 1764140000000500000n, seenAtMs: 1764150000000 };
    if (journal.knownMd5(blobName(7), state) === null) throw new Error('journal lost a record');
    await journal.close();
    entries = Number(process.argv[5]);
  } else {
    const { RemoteIndex } = await import('../dist/azure/listing.js');
    const index = new RemoteIndex();
    const contentMd5 = Buffer.alloc(16);
    for (let i = 0; i < Number(arg); i++) {
      contentMd5.writeUInt32LE(i); // what the listing hands over: 16 bytes per blob
      index.add(blobName(i), i, contentMd5);
    }
    if (index.get(blobName(7))?.size !== 7) throw new Error('index lost a blob');
    entries = index.size;
  }
  const seconds = (performance.now() - started) / 1000;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8').catch(() => ''));
  const peakMiB = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ entries, seconds, peakMiB }));
} else {
  const sizes = (process.argv[2] ?? '1000000').split(',').map(Number);
  const root = await mkdtemp(path.join(tmpdir(), 'kxp-bench-state-'));
  try {
    for (const count of sizes) {
      const dir = path.join(root, String(count));
      await writeJournal(dir, count);
      for (const [kind, arg] of [['journal', dir], ['index', String(count)]]) {
        const child = spawnSync(process.execPath, [self, '--child', kind, arg, String(count)], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(child.stderr);
        const result = JSON.parse(child.stdout);
        const what = kind === 'journal' ? 'open a journal of' : 'index a listing of';
        console.log(`${what} ${result.entries.toLocaleString('en-US')} files: ${result.seconds.toFixed(2)} s, peak RSS ${result.peakMiB.toFixed(0)} MiB`);
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** A journal as a finished upload leaves it: one `committed` record per file (the real file name). */
async function writeJournal(dir, count) {
  await mkdir(dir, { recursive: true });
  const { journalBaseName } = await import('../dist/transfer/journal.js');
  // The previous (JSON lines) form: the first open converts it.
  const out = createWriteStream(path.join(dir, `${journalBaseName(IDENTITY)}.jsonl`));
  for (let i = 0; i < count; i++) {
    const blob = blobName(i);
    const times = { mtimeNs: '1764140000000500000', ctimeNs: '1764140000000500000', seenAtMs: 1764150000000 };
    const record = { v: 2, t: 'committed', blob, path: `/site/migration/storage/${blob}`, size: i, dev: '2049', ino: String(1000000 + i), ...times, md5: md5(blob).toString('base64'), at: new Date(0).toISOString() };
    if (!out.write(JSON.stringify(record) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}
