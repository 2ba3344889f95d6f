import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { nodeCrash } from './node-crash.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin', 'kxp-restore.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: string;
  signal?: AbortSignal;
  /**
   * Run the child without the capabilities that let root read whatever the mode bits say
   * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), through util-linux's setpriv. Unlike switching to
   * another user, it still reaches the pinned Node wherever the clone lives (a home folder, mktemp -d).
   */
  withoutReadOverride?: boolean;
}

const dropReadOverride = ['--bounding-set=-dac_override,-dac_read_search', '--'];

/** Runs the CLI in this process (fast; no TTY). */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const exitCode = await main(args, {
    stdout,
    stderr,
    stdin,
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
  });
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Runs the built CLI (bin/kxp-restore.js → dist/) as a child process on this Node.js. */
export function spawnCli(args: string[], options: RunOptions = {}) {
  const command = [process.execPath, binPath, ...args];
  const [file, ...rest] = options.withoutReadOverride ? ['setpriv', ...dropReadOverride, ...command] : command;
  const child = spawn(file as string, rest, {
    cwd: options.cwd ?? repoRoot,
    // The test run's lock folder (vitest.config.ts) is passed on, so children lock where the tests look.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, KXP_RESTORE_LOCK_DIR: process.env.KXP_RESTORE_LOCK_DIR, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: options.signal,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  // A child that cannot start fails its test at once, not at the test's timeout.
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`could not start ${file}: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => {
      const crash = nodeCrash(stderr);
      // An uncaught exception or unhandled rejection in the child fails the test whatever it expected.
      if (crash) reject(new Error(`the CLI child died of an uncaught error (${crash}):\n${stderr}`));
      else resolve({ exitCode: code ?? -1, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

