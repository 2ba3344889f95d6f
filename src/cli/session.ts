import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { redactUrl } from '../azure/sas.js';
import { renderAccess, renderSession, renderSessionDone, type AccessSummary } from '../report/session.js';
import type { CliContext } from './context.js';
import { portalFromArgs, withPortalOptions, type PortalArgs } from './portal-options.js';

const ACTIONS = ['create', 'access', 'revoke', 'status', 'close'] as const;

interface SessionArgs extends PortalArgs {
  action: (typeof ACTIONS)[number];
  allowlist?: string;
  out: string;
  json: boolean;
}

function sasFiles(dir: string): AccessSummary['files'] {
  return { database: path.join(dir, 'database.sas-url'), storage: path.join(dir, 'storage.sas-url') };
}

/**
 * The hand-over to `upload --db-sas-url-file/--storage-sas-url-file`: the URLs are never printed, so they
 * go to owner-only files, which `revoke` and `close` delete again once the URLs are worthless.
 */
async function saveSasUrls(dir: string, databaseSasUrl: string, storageSasUrl: string): Promise<AccessSummary['files']> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = sasFiles(dir);
  await writeFile(files.database, databaseSasUrl + '\n', { mode: 0o600 });
  await writeFile(files.storage, storageSasUrl + '\n', { mode: 0o600 });
  return files;
}

async function forgetSasUrls(dir: string): Promise<void> {
  const files = sasFiles(dir);
  await Promise.all([rm(files.database, { force: true }), rm(files.storage, { force: true })]);
}

export function sessionCommand(ctx: CliContext): CommandModule<object, SessionArgs> {
  return {
    command: 'session <action>',
    describe: 'Manage the custom restore session: create | access | revoke | status | close',
    builder: (yargs) =>
      withPortalOptions(yargs)
        .positional('action', { choices: ACTIONS, describe: 'What to do with the session' })
        .option('allowlist', { type: 'string', requiresArg: true, describe: 'access: IP address or range allowed to use the SAS URLs (e.g. 203.0.113.0-203.0.113.255)' })
        .option('out', { type: 'string', default: '.kxp-restore/access', describe: 'access: folder where the two SAS URLs are saved for upload (owner-only files; revoke and close delete them)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (SAS URLs redacted)' })
        .example('$0 session create --portal-url http://127.0.0.1:7070 --token-file ~/.kxp/devops.token', 'Create a session on the emulator')
        .example('$0 session access --manual', 'Real Portal: follow the steps, paste the SAS URLs (hidden); they are saved for upload')
        .example('KXP_PORTAL_TOKEN=… $0 session close --portal-url http://127.0.0.1:7070', 'Close the session')
        .epilog('Only Tenant administrators and DevOps create, revoke and close sessions; Developers may get access. Exit 1 when the Portal refuses.') as never,
    handler: async (args) => {
      const portal = await portalFromArgs(args, ctx);
      const signal = ctx.signal;
      const print = (json: unknown, text: string) => ctx.stdout.write(args.json ? JSON.stringify(json, null, 2) + '\n' : text);
      switch (args.action) {
        case 'create': {
          const session = await portal.createSession({ signal });
          print(session, renderSessionDone('create', session));
          break;
        }
        case 'access': {
          const grant = await portal.getAccess({ signal, allowlist: args.allowlist });
          const files = await saveSasUrls(path.resolve(ctx.cwd, args.out), grant.databaseSasUrl, grant.storageSasUrl);
          const summary: AccessSummary = { expiresOn: grant.expiresOn, databaseSasUrl: redactUrl(grant.databaseSasUrl), storageSasUrl: redactUrl(grant.storageSasUrl), files };
          print(summary, renderAccess(summary));
          break;
        }
        case 'revoke':
          await portal.revokeAccess({ signal });
          await forgetSasUrls(path.resolve(ctx.cwd, args.out));
          print({ revoked: true }, renderSessionDone('revoke'));
          break;
        case 'status': {
          const session = await portal.getSession({ signal });
          print({ session }, renderSession(session, portal.kind === 'manual'));
          break;
        }
        case 'close':
          await portal.closeSession({ signal });
          await forgetSasUrls(path.resolve(ctx.cwd, args.out));
          print({ closed: true }, renderSessionDone('close'));
          break;
      }
    },
  };
}
