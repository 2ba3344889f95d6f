/**
 * What every upload shows, whole payload or one shard: its setup lines and progress on stderr, its result on
 * stdout (text or JSON), and, when it stops resumably, the error followed by the command that resumes it, so
 * the last thing on screen is what to do next.
 */
import { ExitCode, toKxpError } from '../errors.js';
import type { UploadEvent, UploadResult } from '../operations/upload.js';
import type { Finding } from '../rules/finding.js';
import { jsonText } from '../report/escape.js';
import { errorJson, formatError } from '../report/errors.js';
import { createTransferProgress } from '../report/progress.js';
import { renderDestinations, renderLockTakenOver, renderResumeCommand, renderUnusedDestination, renderUploadResult, stoppedUploadJson } from '../report/upload.js';
import type { ProgressSnapshot } from '../transfer/events.js';
import { terminalColumns, type CliContext } from './context.js';

export interface UploadDisplayOptions {
  json?: boolean;
  progress: boolean;
  quiet: boolean;
  /** The words and environment variables of the command that resumes this run. */
  resume: () => { words: string[]; environment: string[] };
  /** The plan's warnings, repeated in the JSON of a run that stopped. */
  planWarnings?: () => readonly Finding[];
}

/** Runs `upload` with the display wired to its events; `own` sees each event first and returns true for those it showed itself. */
export async function runWithUploadDisplay<E extends { type: string } = never>(
  ctx: CliContext,
  options: UploadDisplayOptions,
  upload: (onEvent: (event: E | UploadEvent) => void) => Promise<UploadResult>,
  own: (event: E | UploadEvent) => boolean = () => false,
): Promise<void> {
  const progress = createTransferProgress(ctx.stderr, { progress: options.progress, quiet: options.quiet });
  let last: ProgressSnapshot | undefined;
  const started = Date.now();
  try {
    const result = await upload((event) => {
      if (own(event)) return;
      const known = event as UploadEvent;
      if (known.type === 'progress') last = known.progress;
      if (known.type === 'unused-destination') ctx.stderr.write(renderUnusedDestination(known));
      if (known.type === 'destinations') ctx.stderr.write(renderDestinations(known, 'Uploading to'));
      if (known.type === 'lock-taken-over') ctx.stderr.write(renderLockTakenOver(known));
      progress.handle(known);
    });
    progress.stop();
    ctx.stdout.write(options.json ? jsonText(result) + '\n' : renderUploadResult(result));
    ctx.setExitCode(result.ok ? ExitCode.ok : ExitCode.failed);
  } catch (thrown) {
    progress.stop();
    const error = toKxpError(thrown);
    if (options.json && error.code !== 'VALIDATION_FAILED') {
      ctx.stdout.write(jsonText(stoppedUploadJson(last, [errorJson(error)], Date.now() - started, options.planWarnings?.())) + '\n');
    }
    if (error.exitCode !== ExitCode.resumable) throw error;
    const { words, environment } = options.resume();
    ctx.stderr.write(formatError(error, terminalColumns(ctx.stderr)) + renderResumeCommand(words, environment));
    ctx.setExitCode(error.exitCode);
  }
}
