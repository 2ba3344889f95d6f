/** What `portal-emulator` prints: where it listens, the environments, the token files (never the tokens). */
import type { EmulatorEvent } from '../portal/emulator/portal-emulator.js';
import type { RequestEvent } from '../portal/emulator/server.js';
import type { RunningPortalEmulator } from '../portal/emulator/start.js';
import { ROLE_TITLES, ROLES } from '../portal/types.js';

export function renderEmulatorStarted(running: Pick<RunningPortalEmulator, 'url' | 'azurite' | 'tokenFiles' | 'emulator'>): string {
  const lines = [
    `Portal emulator listening on ${running.url}`,
    `  storage (Azurite): ${running.azurite.blobEndpoint}`,
    `  project GUID (for package upload): ${running.emulator.projectGuid}`,
    '  environments:',
    ...running.emulator.environments().map((env) => `    ${env.name.padEnd(5)} Xperience ${env.version}${env.deployedVersion === null ? ' (no deployment yet)' : ''}, storage account ${env.storageAccount}`),
    '  token files (pass with --token-file):',
    ...ROLES.map((role) => `    ${ROLE_TITLES[role].padEnd(21)} ${running.tokenFiles[role] ?? '(none)'}`),
    'Try:',
    `  kxp-restore session create --portal-url ${running.url} --token-file ${running.tokenFiles.devops ?? '<devops.token>'}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

export function renderEmulatorEvent(event: EmulatorEvent | RequestEvent): string {
  switch (event.type) {
    case 'request':
      return `${event.method} ${event.path} → ${event.status}${event.role ? ` (${ROLE_TITLES[event.role]})` : ''}\n`;
    case 'deployment-updated':
      return event.deployment.state === 'deploying' ? '' : `deployment ${event.deployment.id} to ${event.deployment.env} ${event.deployment.state}${event.deployment.reason ? `: ${event.deployment.reason}` : ''}\n`;
    case 'session-expired':
      return `session ${event.id} ${event.uploadsOnly ? 'expired for uploads: its SAS URLs were revoked' : 'passed 180 days and was removed'}\n`;
    case 'restore-updated':
      return event.restore.state === 'failed' ? `restore ${event.restore.id} to ${event.restore.env} failed: ${event.restore.reason ?? ''}\n`
        : event.restore.state === 'succeeded' ? `restore ${event.restore.id} to ${event.restore.env} succeeded\n` : '';
    default:
      return '';
  }
}
