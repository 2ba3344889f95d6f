/** Progress and result lines of `restore` (and the restore step of `rehearse`). */
import type { RestoreFlowEvent } from '../portal/restore-flow.js';
import type { RestoreInfo } from '../portal/types.js';
import type { Writable } from 'node:stream';
import { formatDuration } from './format.js';
import { shortenMiddle } from './progress.js';

export function renderRestoreEvent(event: RestoreFlowEvent): string {
  switch (event.type) {
    case 'restore-attached':
      return `Restore ${event.restore.id} to ${event.restore.env} is already running (started ${event.restore.startedAt}); following it instead of starting another.\n`;
    case 'restore-point-created':
      // Through --manual kxp-restore knows only what the person confirmed: no id of the Portal's to show.
      if (event.confirmed) return `Restore point of ${event.point.env}: you confirmed it is created in the Portal (go back to it if needed).\n`;
      return `Restore point ${event.point.id} of ${event.point.env} created (go back to it if needed).\n`;
    case 'restore-point-skipped':
      return `warning: no restore point of ${event.env} was created (--no-restore-point); this restore cannot be undone.\n`;
    case 'restore-started':
      if (event.confirmed) return `Restore to ${event.env}: you confirmed it started in the Portal; ${event.env} is unavailable while it runs.\n`;
      return `Restore ${event.restoreId} to ${event.env} started; ${event.env} is unavailable while it runs.\n`;
    case 'restore-status': {
      const { restore } = event;
      if (restore.state === 'failed' || restore.state === 'succeeded') return '';
      return `  ${restore.state}${restore.step ? `: ${restore.step}` : ''}\n`;
    }
  }
}

/** `portalWords`: the Portal options of the command (`--portal-url … --token-file …` or `--manual`), repeated in the next command. */
export function renderRestoreResult(restore: RestoreInfo, portalWords: readonly string[] = []): string {
  const started = Date.parse(restore.startedAt);
  const took = restore.finishedAt && Number.isFinite(started) ? ` in ${formatDuration((Date.parse(restore.finishedAt) - started) / 1000)}` : '';
  const version = restore.databaseVersion ? ` (Xperience ${restore.databaseVersion})` : '';
  return `Restore to ${restore.env} succeeded${took}${version}. Close the session when you no longer need the uploaded data: ${['kxp-restore session close', ...portalWords].join(' ')}\n`;
}

/** After Ctrl-C while waiting: the restore goes on in the Portal; how to follow it again. `restoreId` null: none known (--manual). */
export function renderRestoreDetached(restoreId: string | null, env: string, portalWords: readonly string[]): string {
  return `The restore ${restoreId === null ? '' : `${restoreId} `}to ${env} goes on in the Portal. Follow it again with: ${['kxp-restore restore --env', env, ...portalWords].join(' ')}\n`;
}

export function renderConfirmationPrompt(env: string): string {
  return `Restoring overwrites the whole ${env} environment (database replaced, storage containers recreated). Type "${env}" to continue:`;
}

/** Named before the first request: which environment, through which Portal. */
export function renderRestoreDestination(env: string, portal: string): string {
  return `Restoring the session's data to ${env} through ${portal}.\n`;
}

export interface RestoreProgressOptions {
  /** Off a terminal, a status line at most this often unless the step changes or moves 10%. Default 5000. */
  intervalMs?: number;
  /** Clock for that spacing (tests pass their own). */
  now?: () => number;
  /** Update one line in place. Default: when the stream is a terminal (not while a person answers prompts). */
  inPlace?: boolean;
}

export interface RestoreProgressView {
  handle(event: RestoreFlowEvent): void;
  stop(): void;
}

type Stream = Writable & { isTTY?: boolean; columns?: number };

/**
 * The restore's progress: on a terminal, one line updated in place; elsewhere (logs, pipes), a status line
 * when the restore moves to another step, moves 10% within it, or after 5 s, not one per poll.
 */
export function createRestoreProgress(stream: Stream, options: RestoreProgressOptions = {}): RestoreProgressView {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 5000;
  let open = false;
  let printed: { atMs: number; kind: string; percent: number | null } | undefined;
  const clear = () => {
    if (open) stream.write('\r\x1b[2K');
    open = false;
  };
  return {
    handle(event) {
      if (event.type !== 'restore-status') {
        clear();
        stream.write(renderRestoreEvent(event));
        return;
      }
      const line = renderRestoreEvent(event).trimEnd();
      if (!line) {
        clear();
        return;
      }
      if (options.inPlace ?? stream.isTTY === true) {
        stream.write(`\r\x1b[2K${shortenMiddle(line, Math.max(20, (stream.columns ?? 80) - 1))}`);
        open = true;
        return;
      }
      const step = stepShape(event.restore.state, event.restore.step);
      const at = now();
      const due =
        !printed ||
        printed.kind !== step.kind ||
        at - printed.atMs >= intervalMs ||
        (step.percent !== null && printed.percent !== null && step.percent - printed.percent >= 10);
      if (!due) return;
      printed = { atMs: at, ...step };
      stream.write(`${line}\n`);
    },
    stop: clear,
  };
}

/** "copying storage: 12/40 blobs" → kind "running copying storage: #/# blobs", 30%. */
function stepShape(state: string, step = ''): { kind: string; percent: number | null } {
  const counts = /(\d+)\/(\d+)/.exec(step);
  const done = Number(counts?.[1]);
  const total = Number(counts?.[2]);
  return { kind: `${state} ${step.replace(/\d+/g, '#')}`, percent: counts && total > 0 ? (done / total) * 100 : null };
}
