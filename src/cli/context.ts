import type { Writable } from 'node:stream';
import type { Readable } from 'node:stream';

/** What a command needs from the process: streams, environment, and a way to set the exit status. */
export interface CliContext {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  setExitCode(code: number): void;
}
