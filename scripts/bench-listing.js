// Listing benchmark: one sequence of pages against the walk by folders (src/azure/listing-walk.ts), through
// the listing code every upload and verify runs, against the stand-in service (scripts/lib/stand-in.js) filled
// with N names in two shapes and answering each page after a service time. Prints wall time, client CPU,
// blobs/s and requests per run; each listing runs in a child process, so its CPU is the client's own (the
// stand-in answers from this process). Run through `npm run bench:listing` (builds first).
//   node scripts/bench-listing.js [N] [--page-ms 100,400] [--parallel 8]
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { optionValue } from './lib/bench-child.js';
import { startStandIn } from './lib/stand-in.js';

const argv = process.argv.slice(2);
const count = Number(argv.find((arg) => /^\d+$/.test(arg)) ?? 200_000);
const pageTimes = optionValue(argv, '--page-ms', '100,400').split(',').map(Number);
const parallel = Number(optionValue(argv, '--parallel', '8'));

const { createContainerSasUrl } = await import('../dist/index.js');
const { createContainerClient } = await import('../dist/azure/client.js');
const { parseContainerSasUrl } = await import('../dist/azure/sas.js');
const { listBlobPages } = await import('../dist/azure/listing.js');
const { pacePages } = await import('../dist/transfer/pacer.js');
const { StorageSharedKeyCredential } = await import('@azure/storage-blob');
if (argv[0] === '--child') await listOnce(JSON.parse(argv[1]));

/** Two shapes of a site's storage container. */
const SHAPES = {
  // What `npm run bench:scale` uploads: 1,000 files to a folder.
  'folders of 1,000': (i) => `default/d${String(Math.floor(i / 1000)).padStart(5, '0')}/f${String(i).padStart(7, '0')}.bin`,
  // Media libraries (20, some large) beside content item folders of a few files each.
  'media libraries + content items': (i) =>
    i % 3 === 0
      ? `default/assets/contentitems/${(i * 2654435761) % 2 ** 32}/field/f${i}.jpg`
      : `default/assets/media/library-${i % 20}/${i % 7 === 0 ? 'archive/' : ''}image-${i}.png`,
};

const log = (line) => process.stdout.write(`${line}\n`);
log(`${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
log(`${count.toLocaleString('en-US')} blobs; walk: ${parallel} listings at once`);
log('| shape | page time | listing | wall | client CPU | blobs/s | requests |');
log('|---|---|---|---|---|---|---|');
for (const [shape, nameOf] of Object.entries(SHAPES)) {
  for (const pageMs of pageTimes) {
    const standIn = await startStandIn({ keep: true, pageDelayMs: pageMs });
    const md5 = randomBytes(16);
    for (let i = 0; i < count; i++) standIn.store.put(nameOf(i), 100 + (i % 1000), md5);
    const account = { blobEndpoint: '', credential: new StorageSharedKeyCredential('benchaccount', randomBytes(32).toString('base64')) };
    const url = createContainerSasUrl(account, 'storage', { baseUrl: `http://127.0.0.1:${standIn.port}/benchaccount` });
    standIn.store.page('', ''); // sorted once here, not inside the first measured run
    for (const walk of [false, true]) {
      const before = standIn.requests.list;
      const started = performance.now();
      // Asynchronously: the stand-in answers from this process's event loop.
      const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify({ url, parallel: walk ? parallel : 1, count })], { encoding: 'utf8' });
      const child = JSON.parse(stdout);
      const seconds = (performance.now() - started) / 1000;
      if (child.blobs !== count) throw new Error(`listed ${child.blobs} of ${count}`);
      const label = walk ? `by folders, ${parallel} at once` : 'one sequence';
      log(`| ${shape} | ${pageMs} ms | ${label} | ${seconds.toFixed(1)} s | ${child.cpuSeconds.toFixed(1)} s | ${Math.round(count / seconds).toLocaleString('en-US')} | ${standIn.requests.list - before} |`);
    }
    await standIn.close();
  }
}

/** The child: one listing, then its blob count and its own CPU seconds on stdout. */
async function listOnce({ url, parallel: inFlight, count: expected }) {
  const container = createContainerClient(parseContainerSasUrl(url, 'storage SAS URL'));
  let blobs = 0;
  const options = { retryPage: pacePages({ where: 'bench' }), details: true, parallel: inFlight, expectedBlobs: expected };
  for await (const page of listBlobPages(container, options)) blobs += page.length;
  const used = process.cpuUsage();
  process.stdout.write(JSON.stringify({ blobs, cpuSeconds: (used.user + used.system) / 1e6 }));
  process.exit(0);
}
