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

/** The width of a terminal the stream writes to; none for a pipe or a file (their lines stay whole, for grep and logs). */
export function terminalColumns(stream: CliContext['stderr']): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}
