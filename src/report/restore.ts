/** Progress and result lines of `restore` (and the restore step of `rehearse`). */
import type { RestoreFlowEvent } from '../portal/restore-flow.js';
import type { RestoreInfo } from '../portal/types.js';
import { formatDuration } from './format.js';

export function renderRestoreEvent(event: RestoreFlowEvent): string {
  switch (event.type) {
    case 'restore-attached':
      return `Restore ${event.restore.id} to ${event.restore.env} is already running (started ${event.restore.startedAt}); following it instead of starting another.\n`;
    case 'restore-point-created':
      return `Restore point ${event.point.id} of ${event.point.env} created (go back to it if needed).\n`;
    case 'restore-point-skipped':
      return `warning: no restore point of ${event.env} was created (--no-restore-point); this restore cannot be undone.\n`;
    case 'restore-started':
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

/** After Ctrl-C while waiting: the restore goes on in the Portal; how to follow it again. */
export function renderRestoreDetached(restoreId: string, env: string, portalWords: readonly string[]): string {
  return `The restore ${restoreId} to ${env} goes on in the Portal. Follow it again with: ${['kxp-restore restore --env', env, ...portalWords].join(' ')}\n`;
}

export function renderConfirmationPrompt(env: string): string {
  return `Restoring overwrites the whole ${env} environment (database replaced, storage containers recreated). Type "${env}" to continue:`;
}

/** Named before the first request: which environment, through which Portal. */
export function renderRestoreDestination(env: string, portal: string): string {
  return `Restoring the session's data to ${env} through ${portal}.\n`;
}
