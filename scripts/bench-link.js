// Link benchmark: kxp-restore over a real-shaped link, measuring the client and the link, not an emulator.
// A loopback proxy (scripts/lib/link-proxy.js) adds round-trip time and caps the upload bandwidth in front
// of a stand-in service that answers at once and keeps nothing (scripts/lib/stand-in.js, a bench fixture).
// On each link, kxp-restore uploads a set of small files at its defaults (adaptive concurrency) and at fixed
// concurrencies, and one large file at its defaults and at the old default (8); each run is a child process
// using the library as a user would, so its CPU seconds and peak RSS are its own.
// Run through `npm run bench:link` (builds first).
//   node scripts/bench-link.js [--links 40,80,2] [--fixed 8,16,32,64,128] [--full] [--only small|large]
//   --full also runs every fixed concurrency for the large files (about 6 more minutes).
//   --cpu-prof DIR writes a V8 CPU profile of every run (the client process) into DIR.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionValue, peakRssMiB } from './lib/bench-child.js';
import { makeLargeFile } from './lib/large-file.js';
import { startLinkProxy } from './lib/link-proxy.js';
import { makeSmallFiles } from './lib/small-files.js';
import { startStandIn } from './lib/stand-in.js';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

/** The links of issue 11: round trip, upload cap, and the payloads sent over each. */
const LINKS = [
  { id: '40', rttMs: 40, upBitsPerSecond: 200e6, smallCount: 2000, largeBytes: 512 * MiB },
  { id: '80', rttMs: 80, upBitsPerSecond: 20e6, smallCount: 300, largeBytes: 128 * MiB },
  { id: '2', rttMs: 2, upBitsPerSecond: 1e9, smallCount: 2000, largeBytes: 1024 * MiB },
];

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5], process.argv[6]);
} else {
  await parent(options(process.argv.slice(2)));
}

function options(argv) {
  const value = (name, fallback) => optionValue(argv, name, fallback);
  return {
    links: value('--links', LINKS.map((link) => link.id).join(',')).split(','),
    fixed: value('--fixed', '8,16,32,64,128').split(',').map(Number),
    full: argv.includes('--full'),
    only: value('--only', 'all'),
    cpuProf: value('--cpu-prof', undefined),
  };
}

async function parent({ links, fixed, full, only, cpuProf }) {
  const { createContainerSasUrl } = await import('../dist/index.js');
  const { StorageSharedKeyCredential } = await import('@azure/storage-blob');
  // The stand-in checks no signature; the URL only has to look like the Portal's (a random key signs it).
  const account = { blobEndpoint: '', credential: new StorageSharedKeyCredential('benchaccount', randomBytes(32).toString('base64')) };
  const standIn = await startStandIn();
  const root = await mkdtemp(path.join(tmpdir(), 'kxp-bench-link-'));
  const began = Date.now();
  const rows = [];
  try {
    for (const link of LINKS.filter((candidate) => links.includes(candidate.id))) {
      const proxy = await startLinkProxy({ targetPort: standIn.port, rttMs: link.rttMs, upBitsPerSecond: link.upBitsPerSecond });
      const url = createContainerSasUrl(account, 'bench', { baseUrl: `http://127.0.0.1:${proxy.port}/benchaccount` });
      const linkName = `${link.rttMs} ms, ${formatBits(link.upBitsPerSecond)}`;
      try {
        const payloads = [];
        if (only !== 'large') payloads.push({ kind: 'small', dir: await makeSmallFiles(path.join(root, `small-${link.id}`), link.smallCount), settings: ['default', ...fixed] });
        if (only !== 'small') {
          const dir = path.join(root, `large-${link.id}`);
          await makeLargeFile(path.join(dir, 'storage', 'default', 'big.bin'), link.largeBytes);
          payloads.push({ kind: 'large', dir, settings: full ? ['default', ...fixed] : ['default', 8] });
        }
        for (const payload of payloads) {
          for (const setting of payload.settings) {
            const result = await runChild(payload.dir, url, String(setting), path.join(root, `state-${rows.length}`), cpuProf);
            const row = { link, linkName, kind: payload.kind, setting, ...result };
            rows.push(row);
            process.stdout.write(`${describe(row)}\n`);
          }
          await rm(payload.dir, { recursive: true, force: true });
        }
      } finally {
        await proxy.close();
      }
    }
  } finally {
    await standIn.close();
    await rm(root, { recursive: true, force: true });
  }
  const minutes = ((Date.now() - began) / 60_000).toFixed(1);
  process.stdout.write(
    `\n${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load ${loadavg()[0].toFixed(2)}, ${minutes} min in all\n`,
  );
  summarize(rows);
}

/** Targets of issue 11, each with the figures it is judged on. */
function summarize(rows) {
  for (const link of LINKS) {
    const here = rows.filter((row) => row.link === link);
    const small = here.filter((row) => row.kind === 'small');
    const adaptive = small.find((row) => row.setting === 'default');
    const fixedRuns = small.filter((row) => row.setting !== 'default');
    if (adaptive && fixedRuns.length > 0) {
      const best = fixedRuns.reduce((a, b) => (b.filesPerSecond > a.filesPerSecond ? b : a));
      const old = fixedRuns.find((row) => row.setting === 8);
      const ratio = best.filesPerSecond / adaptive.filesPerSecond;
      process.stdout.write(
        `${adaptive.linkName}: small files at defaults ${adaptive.filesPerSecond.toFixed(0)} files/s (settled at ${adaptive.concurrency.final}), ` +
          `best fixed ${best.filesPerSecond.toFixed(0)} at ${best.setting}${old ? `, old default (8) ${old.filesPerSecond.toFixed(0)}` : ''}: ` +
          `best/defaults ${ratio.toFixed(2)} (target ≤ 1.20: ${ratio <= 1.2 ? 'met' : 'NOT met'})\n`,
      );
    }
    const large = here.find((row) => row.kind === 'large' && row.setting === 'default');
    if (large) {
      const limit = link.upBitsPerSecond / 8 / MiB;
      const share = large.mibPerSecond / limit;
      process.stdout.write(
        `${large.linkName}: large file at defaults ${large.mibPerSecond.toFixed(1)} MiB/s of the link's ${limit.toFixed(1)}: ${share.toFixed(2)} (target ≥ 0.95: ${share >= 0.95 ? 'met' : 'NOT met'})\n`,
      );
    }
    const timeouts = here.filter((row) => row.setting === 'default').reduce((sum, row) => sum + row.timeouts, 0);
    if (link.id === '80' && here.length > 0) process.stdout.write(`${link.rttMs} ms link: request timeouts at defaults ${timeouts} (target 0: ${timeouts === 0 ? 'met' : 'NOT met'})\n`);
  }
  const defaults = rows.filter((row) => row.setting === 'default');
  if (defaults.length > 0) {
    const peak = Math.max(...defaults.map((row) => row.peakRssMiB));
    process.stdout.write(`peak RSS at defaults, all runs: ${peak.toFixed(0)} MiB (target ≤ 256: ${peak <= 256 ? 'met' : 'NOT met'})\n`);
  }
}

function describe(row) {
  const setting = row.setting === 'default' ? 'defaults' : `fixed ${row.setting}`;
  const range = row.concurrency.min === row.concurrency.max ? `${row.concurrency.final}` : `${row.concurrency.final} (${row.concurrency.min}–${row.concurrency.max})`;
  const payload = row.kind === 'small' ? `${row.files} files` : `${(row.bytes / MiB).toFixed(0)} MiB`;
  return (
    `${row.linkName.padEnd(18)} ${payload.padEnd(10)} ${setting.padEnd(10)} ${row.filesPerSecond.toFixed(0).padStart(6)} files/s ` +
    `${row.mibPerSecond.toFixed(1).padStart(7)} MiB/s  cpu ${row.cpuSeconds.toFixed(1).padStart(5)} s  peak RSS ${row.peakRssMiB.toFixed(0).padStart(4)} MiB  ` +
    `${(row.wallMs / 1000).toFixed(1).padStart(6)} s  in flight ${range}${row.retries > 0 ? `  retries ${row.retries} (timeouts ${row.timeouts})` : ''}`
  );
}

function formatBits(bits) {
  return bits >= 1e9 ? `${bits / 1e9} Gbit/s` : `${bits / 1e6} Mbit/s`;
}

async function runChild(dir, url, setting, stateDir, cpuProf) {
  const profile = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProf)] : [];
  const proc = spawn(process.execPath, [...profile, self, '--child', dir, url, setting, stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  const [code] = await once(proc, 'close');
  if (code !== 0) throw new Error(`run at ${setting} failed with exit code ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** One upload, as a user of the library runs it; prints one JSON line of figures. */
async function child(dir, url, setting, stateDir) {
  // Modules load before the clock starts: the figure is the upload, not the start-up.
  const { uploadPayload } = await import('../dist/index.js');
  let retries = 0;
  let timeouts = 0;
  const result = await uploadPayload(
    { storage: path.join(dir, 'storage') },
    {
      storageSasUrl: url,
      concurrency: setting === 'default' ? undefined : Number(setting),
      stateDir,
      onEvent: (event) => {
        if (event.type !== 'retry') return;
        retries++;
        if (event.reason === 'timeout') timeouts++;
      },
    },
  );
  if (!result.ok) throw new Error(`upload incomplete: ${JSON.stringify(result)}`);
  const cpu = process.cpuUsage();
  const seconds = result.durationMs / 1000;
  process.stdout.write(
    JSON.stringify({
      wallMs: result.durationMs,
      files: result.files.uploaded,
      bytes: result.bytes.sent,
      filesPerSecond: result.files.uploaded / seconds,
      mibPerSecond: result.bytes.sent / MiB / seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMiB: await peakRssMiB(),
      concurrency: result.concurrency,
      retries,
      timeouts,
    }) + '\n',
  );
}
