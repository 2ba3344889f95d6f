// What the benchmark scripts share: reading `--name value` options, and a child process's own peak RSS.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The value after `name` in argv, or `fallback`. */
export function optionValue(argv, name, fallback) {
  const index = argv.indexOf(name);
  return index >= 0 && argv[index + 1] !== undefined ? argv[index + 1] : fallback;
}

/**
 * This process's own peak RSS in MiB. getrusage's maxRSS is not used: on Linux it carries over the
 * parent's high-water mark through fork and exec; /proc's VmHWM belongs to the new address space alone.
 */
export async function peakRssMiB() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Runs `node <args>` as a child with its own peak RSS: sampled from /proc/<pid>/status (VmHWM) every
 * 100 ms while it runs, and read by the child itself on exit (peak-on-exit.js); a child killed with SIGKILL
 * has only the samples; `cpuMs` is the child's CPU time (user + system) when it exited on its own, else
 * undefined. `cpuProfDir` adds a V8 CPU profile of the child. Resolves when it has ended.
 */
export function spawnMeasured(args, { env = {}, cpuProfDir, stdout = 'ignore' } = {}) {
  const peakFile = path.join(tmpdir(), `kxp-bench-peak-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const profile = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfDir)] : [];
  const preload = ['--import', pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'peak-on-exit.js')).href];
  const started = performance.now();
  const child = spawn(process.execPath, [...preload, ...profile, ...args], {
    env: { ...process.env, ...env, KXP_BENCH_PEAK_FILE: peakFile },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let sampledKb = 0;
  const sampler = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8').then(
      (text) => (sampledKb = Math.max(sampledKb, Number(/VmHWM:\s+(\d+) kB/.exec(text)?.[1] ?? 0))),
      () => {},
    );
  }, 100);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk) => (out = (out + chunk).slice(-1_000_000)));
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (code, signal) => {
      clearInterval(sampler);
      const wallMs = performance.now() - started;
      const [reportedKb, cpuMs] = (await readFile(peakFile, 'utf8').catch(() => '0')).split(' ').map(Number);
      await rm(peakFile, { force: true });
      resolve({ code, signal, wallMs, peakRssMiB: Math.max(sampledKb, reportedKb) / 1024, cpuMs, stdout: out, stderr });
    });
  });
  return { child, done };
}
