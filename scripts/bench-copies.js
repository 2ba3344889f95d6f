// Server-side copies of many small blobs (issue 19.4): N source blobs in a source container of a fresh
// in-memory Azurite are copied by `kxp-restore upload --storage-from` into a restore container, through the
// real CLI as a child process; reports wall time, blobs/s, peak RSS and the concurrency range the run used.
// Run through `npm run bench:copies` (builds first).
//   node scripts/bench-copies.js [--blobs 1500] [--bytes 4096] [--concurrency N (fixed)] [--bin other/bin/kxp-restore.js]
// `--bin` runs another checkout's CLI against the same Azurite and source (a before/after comparison).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { optionValue, spawnMeasured } from './lib/bench-child.js';

const argv = process.argv.slice(2);
const blobs = Number(optionValue(argv, '--blobs', 1500));
const bytes = Number(optionValue(argv, '--bytes', 4096));
const fixed = optionValue(argv, '--concurrency', undefined);
const bins = argv.flatMap((word, index) => (word === '--bin' && argv[index + 1] ? [path.resolve(argv[index + 1])] : []));
if (bins.length === 0) bins.push(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kxp-restore.js'));

const { startAzurite, createContainerSasUrl } = await import('../dist/index.js');
const root = await mkdtemp(path.join(tmpdir(), 'kxp-bench-copies-'));
const azurite = await startAzurite({ memoryLimitMiB: 2048 });
try {
  const source = azurite.serviceClient.getContainerClient('media');
  await source.create();
  const limit = pLimit(32);
  const body = Buffer.alloc(bytes, 7);
  await Promise.all(Array.from({ length: blobs }, (_, index) => limit(() => source.getBlockBlobClient(`library/file-${String(index).padStart(6, '0')}.jpg`).upload(body, body.length))));
  const sourceUrl = createContainerSasUrl(azurite, 'media', { permissions: 'rl' });
  console.log(`${blobs} source blobs of ${bytes} bytes in an in-memory Azurite; load ${(await import('node:os')).loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  for (const [index, bin] of bins.entries()) {
    const container = `restore-${index}`;
    await azurite.serviceClient.getContainerClient(container).create();
    const args = [bin, 'upload', '--storage-from', sourceUrl, '--map', '=default/', '--storage-sas-url', createContainerSasUrl(azurite, container), '--json', '--no-progress', '--state-dir', path.join(root, container)];
    if (fixed !== undefined) args.push('--concurrency', fixed);
    const run = await spawnMeasured(args, { stdout: 'pipe' }).done;
    if (run.code !== 0) throw new Error(`${bin} exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const result = JSON.parse(run.stdout);
    const range = result.concurrency ? `${result.concurrency.min}–${result.concurrency.max} (end ${result.concurrency.final})` : 'n/a';
    console.log(`${bin}: ${result.files.copied} copied in ${(run.wallMs / 1000).toFixed(1)} s (${(result.files.copied / (run.wallMs / 1000)).toFixed(1)} blobs/s), concurrency ${range}, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
  }
} finally {
  await azurite.stop();
  await rm(root, { recursive: true, force: true });
}
