import type { CommandModule } from 'yargs';
import { redactUrl } from '../azure/sas.js';
import { renderAccess, renderSession, renderSessionDone, type AccessSummary } from '../report/session.js';
import { portalWords } from './access-options.js';
import type { CliContext } from './context.js';
import { portalFromArgs, withPortalOptions, type PortalArgs } from './portal-options.js';

const ACTIONS = ['create', 'access', 'revoke', 'status', 'close'] as const;

interface SessionArgs extends PortalArgs {
  action: (typeof ACTIONS)[number];
  allowlist?: string;
  json: boolean;
}

export function sessionCommand(ctx: CliContext): CommandModule<object, SessionArgs> {
  return {
    command: 'session <action>',
    describe: 'Manage the custom restore session: create | access | revoke | status | close',
    builder: (yargs) =>
      withPortalOptions(yargs)
        .positional('action', { choices: ACTIONS, describe: 'What to do with the session' })
        .option('allowlist', { type: 'string', requiresArg: true, describe: 'access: IP address or range allowed to use the SAS URLs (e.g. 203.0.113.0-203.0.113.255)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (SAS URLs redacted)' })
        .example('$0 session create --portal-url http://127.0.0.1:7070 --token-file ~/.kxp/devops.token', 'Create a session on the emulator')
        .example('$0 session access --manual --allowlist 203.0.113.7', 'Real Portal: follow the steps, paste the SAS URLs (hidden) to check them; nothing is saved')
        .example('KXP_PORTAL_TOKEN=… $0 session close --portal-url http://127.0.0.1:7070', 'Close the session')
        .example('$0 session status --json --portal-url http://127.0.0.1:7070 --token-file devops.token', 'The open session, its upload and restore deadlines, as JSON')
        .example('$0 session revoke --portal-url http://127.0.0.1:7070 --token …', 'Invalidate every SAS URL issued so far (--token works but lands in shell history)')
        .epilog(
          'access shows the SAS URLs redacted and stores nothing: upload and verify get access themselves with the same Portal options.\n' +
            'Only Tenant administrators and DevOps create, revoke and close sessions; Developers may get access. Exit 1 when the Portal refuses.',
        ) as never,
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
          // Shown redacted and then forgotten: upload and verify get access themselves (--portal-url, --manual).
          const summary: AccessSummary = { expiresOn: grant.expiresOn, databaseSasUrl: redactUrl(grant.databaseSasUrl), storageSasUrl: redactUrl(grant.storageSasUrl) };
          print(summary, renderAccess(summary, { manual: portal.kind === 'manual', words: portalWords(args) }));
          break;
        }
        case 'revoke':
          await portal.revokeAccess({ signal });
          print({ revoked: true }, renderSessionDone('revoke'));
          break;
        case 'status': {
          const session = await portal.getSession({ signal });
          print({ session }, renderSession(session, portal.kind === 'manual'));
          break;
        }
        case 'close':
          await portal.closeSession({ signal });
          print({ closed: true }, renderSessionDone('close'));
          break;
      }
    },
  };
}
