/** Text for the `session` command and the manual driver's steps. SAS URLs arrive here already redacted. */
import type { ManualStep } from '../portal/manual-portal.js';
import type { SessionInfo } from '../portal/types.js';

export function renderWarning(message: string): string {
  return `warning: ${message}\n`;
}

export function renderManualStep(step: ManualStep): string {
  return `\n▶ Portal step: ${step.title}\n${step.lines.map((line) => `  ${line}`).join('\n')}\n`;
}

export function renderSession(session: SessionInfo | null, manual = false): string {
  if (manual) return 'The real Portal shows the session under Data Management → Custom restore → Current session.\n';
  if (!session) return 'No custom restore session is open. Create one with: kxp-restore session create\n';
  const state = session.state === 'open' ? 'open for uploads' : session.state === 'expired' ? 'expired for uploads (restores still allowed)' : 'state unknown';
  return [
    `Session ${session.id}: ${state}`,
    `  created:          ${session.createdAt}`,
    `  uploads until:    ${session.uploadUntil}`,
    `  restores until:   ${session.restoreUntil}`,
    `  valid access grants: ${session.activeGrants}`,
    '',
  ].join('\n');
}

export interface AccessSummary {
  expiresOn: string;
  databaseSasUrl: string;
  storageSasUrl: string;
  files: { database: string; storage: string };
}

export function renderAccess(access: AccessSummary): string {
  return [
    `Access granted; the SAS URLs work until ${access.expiresOn} (or until access is revoked).`,
    `  database: ${access.databaseSasUrl}`,
    `            saved to ${access.files.database}`,
    `  storage:  ${access.storageSasUrl}`,
    `            saved to ${access.files.storage}`,
    'Upload with:',
    `  kxp-restore upload <dir> --db-sas-url-file ${access.files.database} --storage-sas-url-file ${access.files.storage}`,
    '',
  ].join('\n');
}

const DONE: Record<'create' | 'revoke' | 'close', string> = {
  create: 'Session created. Next: kxp-restore session access',
  revoke: 'Access revoked: every SAS URL of the session now fails. Get new ones with: kxp-restore session access',
  close: 'Session closed.',
};

export function renderSessionDone(action: keyof typeof DONE, session?: SessionInfo): string {
  return DONE[action] + (session ? `\n${renderSession(session)}` : '\n');
}
