import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

/**
 * Runs the CLI in this process with real streams and answers prompts as they appear: each answer is
 * written to stdin once stderr (where prompts go) shows its cue, in order. No timers: it reacts to output.
 */
export async function runInteractive(args: string[], answers: Array<[cue: string, reply: string]>, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  let searchFrom = 0;
  const pending = [...answers];
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    const next = pending[0];
    if (!next) return;
    const at = err.indexOf(next[0], searchFrom);
    if (at >= 0) {
      pending.shift();
      searchFrom = at + next[0].length;
      // The prompt draws itself before it listens for keys: answer on the next turn of the event loop.
      const reply = next[1];
      setImmediate(() => stdin.write(reply));
    }
  });
  const exitCode = await main(args, { stdin, stdout, stderr, env: { ...options.env }, cwd: options.cwd ?? process.cwd(), signal: new AbortController().signal });
  stdin.end();
  return { exitCode, stdout: out, stderr: err, unanswered: pending.map(([cue]) => cue) };
}
