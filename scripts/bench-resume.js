// The product's central promise, measured at size: an upload killed with SIGKILL halfway through one
// large file, then run again, sends little more than the file in total (AzCopy and rclone restart the
// file: about 1.5× for a kill at half way). Bytes are counted by a TCP proxy in front of a fresh
// in-memory Azurite. Run through `npm run bench:resume` (builds first).
//   node scripts/bench-resume.js [--gib 2.5] [--at 0.5] [--concurrency 8]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLargeFile } from './lib/large-file.js';

const MiB = 1024 * 1024;
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const bytes = Math.round(option('--gib', 2.5) * 1024 * MiB);
const killAt = option('--at', 0.5);
const concurrency = option('--concurrency', 8);
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kxp-restore.js');

const { startAzurite, createContainerSasUrl } = await import('../dist/index.js');
const root = await mkdtemp(path.join(tmpdir(), 'kxp-bench-resume-'));
const azurite = await startAzurite({ memoryLimitMiB: Math.ceil(bytes / MiB) * 2 + 1024 });
let sent = 0;
const proxy = createServer((client) => {
  const upstream = connect(azurite.port, '127.0.0.1');
  client.on('data', (chunk) => (sent += chunk.length));
  client.pipe(upstream).pipe(client);
  for (const [a, b] of [[client, upstream], [upstream, client]]) a.on('error', () => b.destroy()).on('close', () => b.destroy());
});
try {
  const dir = path.join(root, 'migration');
  await makeLargeFile(path.join(dir, 'storage', 'default', 'big.bin'), bytes);
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  await azurite.serviceClient.getContainerClient('resume').create();
  const url = createContainerSasUrl(azurite, 'resume', { baseUrl: `http://127.0.0.1:${proxy.address().port}/devstoreaccount1` });
  const args = ['upload', dir, '--storage-only', '--storage-sas-url', url, '--concurrency', String(concurrency), '--no-progress'];

  const first = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const started = performance.now();
  while (sent < bytes * killAt) await new Promise((resolve) => setTimeout(resolve, 5));
  first.kill('SIGKILL');
  await once(first, 'close');
  const beforeRerun = sent;
  const firstSeconds = (performance.now() - started) / 1000;

  const rerunStarted = performance.now();
  const rerun = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = await once(rerun, 'close');
  const rerunSeconds = (performance.now() - rerunStarted) / 1000;
  const verify = spawn(process.execPath, [bin, 'verify', dir, '--storage-only', '--storage-sas-url', url, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let report = '';
  verify.stdout.setEncoding('utf8').on('data', (chunk) => (report += chunk));
  await once(verify, 'close');

  const gib = (value) => (value / 1024 / MiB).toFixed(2);
  const window = concurrency * 8 * MiB;
  console.log(`file ${gib(bytes)} GiB, concurrency ${concurrency}, 8 MiB blocks (in-flight window ${window / MiB} MiB)`);
  console.log(`killed (SIGKILL) after ${gib(beforeRerun)} GiB sent, ${firstSeconds.toFixed(1)} s`);
  console.log(`re-run: exit ${code}, ${gib(sent - beforeRerun)} GiB sent, ${rerunSeconds.toFixed(1)} s; verify ok: ${JSON.parse(report).ok}`);
  console.log(`total sent ${gib(sent)} GiB = ${(sent / bytes).toFixed(3)}× the file (request headers and listings included); sent twice because of the kill: ${((sent - bytes) / MiB).toFixed(1)} MiB`);
} finally {
  proxy.close();
  await azurite.stop();
  await rm(root, { recursive: true, force: true });
}
