/**
 * Runs a command in a real pseudo-terminal of a given size, through util-linux `script` (no native npm
 * module): the child sees a TTY on stdin, stdout and stderr, with the columns set by `stty` first.
 */
import { spawn } from 'node:child_process';
import { nodeCrash } from './node-crash.js';

export interface PtyResult {
  exitCode: number;
  /** Everything the terminal received (stdout and stderr together), escapes included. */
  output: string;
}

export interface PtyRun {
  done: Promise<PtyResult>;
  /** Resolves once the output contains `text` (reacts to output; no timers). */
  waitFor(text: string): Promise<void>;
  /** Sends bytes as if typed (Ctrl-C is '\x03'). */
  type(bytes: string): void;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function runInPty(command: string[], options: { columns?: number; rows?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): PtyRun {
  const inner = `stty cols ${options.columns ?? 80} rows ${options.rows ?? 24}; exec ${command.map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qfec', inner, '/dev/null'], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', KXP_RESTORE_LOCK_DIR: process.env.KXP_RESTORE_LOCK_DIR, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (output.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const done = new Promise<PtyResult>((resolve, reject) => {
    // A `script` that cannot start fails the test at once.
    child.once('error', reject);
    child.once('close', (code) => {
      for (const waiter of waiters) waiter.resolve();
      const crash = nodeCrash(output);
      if (crash) reject(new Error(`the command died of an uncaught error (${crash}):\n${output}`));
      else resolve({ exitCode: code ?? -1, output });
    });
  });
  return {
    done,
    waitFor: (text) =>
      new Promise<void>((resolve) => {
        waiters.push({ text, resolve });
        check();
      }),
    type: (bytes) => child.stdin.write(bytes),
  };
}

/**
 * The pieces of text a terminal draws, each as one line: split at newlines, carriage returns and cursor
 * movements (bars are redrawn in place by moving the cursor), other escapes removed.
 */
export function screenLines(output: string): string[] {
  const plain = output
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[ABEFGHJKf]/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>78]/g, '');
  return plain.split(/\r\n|\n|\r/).filter((line) => line.trim() !== '');
}
