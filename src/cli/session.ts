import type { Argv, CommandModule } from 'yargs';
import { redactUrl } from '../azure/sas.js';
import { jsonText } from '../report/escape.js';
import { renderAccess, renderSession, renderSessionDone, type AccessSummary } from '../report/session.js';
import { portalWords } from './access-options.js';
import type { CliContext } from './context.js';
import { portalFromArgs, withPortalOptions, type PortalArgs } from './portal-options.js';

type Action = 'create' | 'access' | 'revoke' | 'status' | 'close';

interface SessionArgs extends PortalArgs {
  allowlist?: string;
  json: boolean;
}

const EMULATOR = '--portal-url http://127.0.0.1:7070';

/** What each action does, and its examples; every action is its own subcommand so its --help shows only its options. */
const ACTIONS: Record<Action, { describe: string; examples: Array<[string, string]> }> = {
  create: {
    describe: 'Create the custom restore session (Tenant administrator, DevOps)',
    examples: [
      [`$0 session create ${EMULATOR} --token-file ~/.kxp/devops.token`, 'Create a session on the emulator'],
      ['$0 session create --manual', 'Real Portal: follow the steps'],
      [`$0 session create ${EMULATOR} --token "$TOKEN" --json`, 'The new session as JSON (--token works but lands in shell history)'],
    ],
  },
  access: {
    describe: 'Get access: check a new pair of SAS URLs and show them redacted (nothing is stored)',
    examples: [
      [`$0 session access ${EMULATOR} --token-file developer.token`, 'Get access on the emulator'],
      ['$0 session access --manual --allowlist 203.0.113.7', 'Real Portal: follow the steps, paste the SAS URLs (hidden) to check them; nothing is saved'],
      [`$0 session access ${EMULATOR} --token "$TOKEN" --json`, 'The expiry and the redacted URLs as JSON (--token works but lands in shell history)'],
    ],
  },
  revoke: {
    describe: 'Revoke access: every SAS URL issued so far stops working (Tenant administrator, DevOps)',
    examples: [
      [`$0 session revoke ${EMULATOR} --token-file devops.token`, 'Invalidate every SAS URL of the session'],
      ['$0 session revoke --manual', 'Real Portal: follow the steps'],
      [`$0 session revoke ${EMULATOR} --token "$TOKEN" --json`, '--token works but lands in shell history'],
    ],
  },
  status: {
    describe: 'The open session: deadlines, valid grants and the restore running now',
    examples: [
      [`$0 session status --json ${EMULATOR} --token-file devops.token`, 'The open session, its upload and restore deadlines and active restore, as JSON'],
      ['$0 session status --manual', 'Real Portal: where to look'],
      [`KXP_PORTAL_TOKEN=… $0 session status ${EMULATOR}`, 'Token from the environment (--token "$TOKEN" works too, but lands in shell history)'],
    ],
  },
  close: {
    describe: 'Close the session and discard the uploaded data (Tenant administrator, DevOps)',
    examples: [
      [`KXP_PORTAL_TOKEN=… $0 session close ${EMULATOR}`, 'Close the session'],
      ['$0 session close --manual', 'Real Portal: follow the steps'],
      [`$0 session close ${EMULATOR} --token-file devops.token --json`, 'Scripted; --token "$TOKEN" works too, but lands in shell history'],
    ],
  },
};

export function sessionCommand(ctx: CliContext): CommandModule<object, object> {
  return {
    command: 'session',
    describe: 'Manage the custom restore session: create | access | revoke | status | close',
    builder: (yargs) => {
      let withActions = yargs;
      for (const action of Object.keys(ACTIONS) as Action[]) withActions = withActions.command(actionCommand(ctx, action) as CommandModule<object, object>);
      return withActions
        .demandCommand(1, 'Name a session action: create, access, revoke, status or close.')
        .epilog(
          'Each action has its own --help (kxp-restore session access --help).\n' +
            'access shows the SAS URLs redacted and stores nothing: upload and verify get access themselves with the same Portal options.\n' +
            'Only Tenant administrators and DevOps create, revoke and close sessions; Developers may get access. Exit 1 when the Portal refuses.',
        );
    },
    handler: () => undefined,
  };
}

function actionCommand(ctx: CliContext, action: Action): CommandModule<object, SessionArgs> {
  const { describe, examples } = ACTIONS[action];
  return {
    command: action,
    describe,
    builder: (yargs) => {
      let built: Argv<SessionArgs> = withPortalOptions(yargs).option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (SAS URLs redacted)' });
      if (action === 'access') {
        built = built.option('allowlist', { type: 'string', requiresArg: true, describe: 'IP address or range allowed to use the SAS URLs (e.g. 203.0.113.0-203.0.113.255)' });
      }
      for (const [example, description] of examples) built = built.example(example, description);
      return built as never;
    },
    handler: async (args) => {
      const portal = await portalFromArgs(args, ctx);
      const signal = ctx.signal;
      const print = (json: unknown, text: string) => ctx.stdout.write(args.json ? jsonText(json) + '\n' : text);
      switch (action) {
        case 'create': {
          const session = await portal.createSession({ signal });
          // Through --manual the Portal alone knows the session's id, dates and grants: none is made up, in text or JSON.
          if (portal.kind === 'manual') print({ created: true, session: null }, renderSessionDone('create') + renderSession(null, true));
          else print(session, renderSessionDone('create', session));
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
