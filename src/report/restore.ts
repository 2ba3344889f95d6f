/** Progress and result lines of `restore` (and the restore step of `rehearse`). */
import type { RestoreFlowEvent } from '../portal/restore-flow.js';
import type { RestoreInfo } from '../portal/types.js';
import { formatDuration } from './format.js';

export function renderRestoreEvent(event: RestoreFlowEvent): string {
  switch (event.type) {
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

export function renderRestoreResult(restore: RestoreInfo): string {
  const took = restore.finishedAt && restore.startedAt ? ` in ${formatDuration((Date.parse(restore.finishedAt) - Date.parse(restore.startedAt)) / 1000)}` : '';
  const version = restore.databaseVersion ? ` (Xperience ${restore.databaseVersion})` : '';
  return `Restore to ${restore.env} succeeded${took}${version}. Close the session when you no longer need the uploaded data: kxp-restore session close\n`;
}

export function renderConfirmationPrompt(env: string): string {
  return `Restoring overwrites the whole ${env} environment (database replaced, storage containers recreated). Type "${env}" to continue:`;
}

/** Named before the first request: which environment, through which Portal. */
export function renderRestoreDestination(env: string, portal: string): string {
  return `Restoring the session's data to ${env} through ${portal}.\n`;
}
