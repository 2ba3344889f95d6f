/** Text for the `session` command and the manual driver's steps. SAS URLs arrive here already redacted. */
import type { ManualStep } from '../portal/manual-portal.js';
import type { RestoreInfo, SessionInfo } from '../portal/types.js';

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
    ...(session.activeRestore ? [activeRestoreLine(session.activeRestore)] : session.activeRestore === null ? ['  active restore:   none'] : []),
    '',
  ].join('\n');
}

function activeRestoreLine(restore: RestoreInfo): string {
  return `  active restore:   ${restore.id} to ${restore.env}, ${restore.state}${restore.step ? ` (${restore.step})` : ''}, started ${restore.startedAt}`;
}

export interface AccessSummary {
  expiresOn: string;
  /** Redacted (`sig=REDACTED`): the real URLs are never printed or stored. */
  databaseSasUrl: string;
  storageSasUrl: string;
}

/**
 * After `session access`: the expiry, the redacted URLs, and how `upload` gets access. `portal` is how the
 * command named the Portal (`--portal-url … --token-file …`, or `--manual` for the real one).
 */
export function renderAccess(access: AccessSummary, portal: { manual: boolean; words: string[] }): string {
  const how = portal.manual
    ? [
        'kxp-restore keeps no copy of them. To upload, either:',
        '  kxp-restore upload <dir> --manual     (paste the URLs again when asked; input hidden)',
        '  or put them in KXP_DB_SAS_URL and KXP_STORAGE_SAS_URL, or in files you make, and pass',
        '  --db-sas-url-file FILE --storage-sas-url-file FILE',
      ]
    : [
        'kxp-restore keeps no copy of them: upload and verify get access themselves, in memory only:',
        `  kxp-restore upload <dir> ${portal.words.join(' ')}`.trimEnd(),
        `  kxp-restore verify <dir> ${portal.words.join(' ')}`.trimEnd(),
      ];
  return [
    `Access granted; the SAS URLs work until ${access.expiresOn} (or until access is revoked).`,
    `  database: ${access.databaseSasUrl}`,
    `  storage:  ${access.storageSasUrl}`,
    ...how,
    '',
  ].join('\n');
}

/** `upload`/`verify` got their SAS URLs from the Portal: say so, since each run is a new "Get access". */
export function renderAccessFromPortal(expiresOn: string): string {
  return `Got access from the Portal (new SAS URLs, kept in memory only; valid until ${expiresOn}).\n`;
}

const DONE: Record<'create' | 'revoke' | 'close', string> = {
  create: 'Session created. Next: kxp-restore upload <dir> with the same Portal options (it gets access itself).',
  revoke: 'Access revoked: every SAS URL of the session now fails. upload and verify with --portal-url (or --manual) get new ones themselves.',
  close: 'Session closed.',
};

export function renderSessionDone(action: keyof typeof DONE, session?: SessionInfo): string {
  return DONE[action] + (session ? `\n${renderSession(session)}` : '\n');
}
