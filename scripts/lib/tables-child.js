// The measured child of `npm run bench:tables`: what a resume or a verify holds per file, through the real
// code: the journal of N records opened (sized for N, as a run does from its plan), the container listed
// page by page through listBlobPages into a RemoteIndex, then every name claimed and its journal MD5
// compared with the listed one, as `verify --trust-journal` does. Prints one JSON line; its peak RSS is
// taken by the parent (scripts/lib/bench-child.js).
//   node scripts/lib/tables-child.js '{"url":…,"stateDir":…,"identity":…,"count":N}'
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { syntheticBlob, syntheticFileState, syntheticName } from './synthetic-store.js';

const { url, stateDir, identity, count } = JSON.parse(process.argv[2]);
const { Journal } = await import('../../dist/transfer/journal.js');
const { listBlobPages, RemoteIndex } = await import('../../dist/azure/listing.js');
const { createContainerClient } = await import('../../dist/azure/client.js');
const { parseContainerSasUrl } = await import('../../dist/azure/sas.js');
const { pacePages } = await import('../../dist/transfer/pacer.js');

const rssMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
/** RSS, the V8 heap (used, committed, of which the young generation) and the array buffers (the tables), in MiB. */
const memory = () => {
  const usage = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  return { rss: rssMiB(), heapUsed: usage.heapUsed / 2 ** 20, heapTotal: usage.heapTotal / 2 ** 20, young: young / 2 ** 20, arrayBuffers: usage.arrayBuffers / 2 ** 20 };
};
const seconds = {};
const timed = async (name, work) => {
  const started = performance.now();
  await work();
  seconds[name] = (performance.now() - started) / 1000;
};

const start = memory();
let journal;
await timed('open', async () => {
  journal = await Journal.open(stateDir, identity, { expectedFiles: count, readOnly: true });
});
const afterJournal = memory();
const remote = new RemoteIndex(count);
await timed('list', async () => {
  const container = createContainerClient(parseContainerSasUrl(url, 'storage SAS URL'));
  for await (const page of listBlobPages(container, { retryPage: pacePages({ where: 'bench' }), details: true, parallel: 1, expectedBlobs: count })) {
    for (const item of page) remote.addItem(item);
  }
});
const afterListing = memory();
let wrong = 0;
let fromJournal = 0;
await timed('claim', async () => {
  for (let i = 0; i < count; i++) {
    const name = syntheticName(i);
    const blob = remote.claim(name);
    const expected = syntheticBlob(i);
    if (!blob || blob.size !== expected.size || blob.md5 !== expected.md5) wrong++;
    if (journal.sameMd5(name, syntheticFileState(i), blob?.md5 ?? null) === true) fromJournal++;
  }
});
await journal.close();
process.stdout.write(
  `${JSON.stringify({ listed: remote.size, unclaimed: remote.unclaimed, wrong, fromJournal, seconds, start, afterJournal, afterListing, end: memory() })}\n`,
);
