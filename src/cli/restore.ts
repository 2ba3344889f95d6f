import type { CommandModule } from 'yargs';
import { jsonText } from '../report/escape.js';
import { errorJson, formatError } from '../report/errors.js';
import { toKxpError } from '../errors.js';
import { restoreToEnvironment } from '../portal/restore-flow.js';
import { ENVIRONMENTS, type EnvironmentName } from '../portal/types.js';
import { createRestoreProgress, renderConfirmationPrompt, renderRestoreDestination, renderRestoreDetached, renderRestoreResult } from '../report/restore.js';
import { portalWords } from './access-options.js';
import { terminalColumns, type CliContext } from './context.js';
import { checkedNumber } from './parse.js';
import { inquirerPrompter } from './manual-prompter.js';
import { portalFromArgs, portalName, withPortalOptions, type PortalArgs } from './portal-options.js';

interface RestoreArgs extends PortalArgs {
  env: EnvironmentName;
  'restore-point': boolean;
  yes: boolean;
  json: boolean;
  'poll-interval': number;
}

export function restoreCommand(ctx: CliContext): CommandModule<object, RestoreArgs> {
  return {
    command: 'restore',
    describe: "Restore the session's uploaded data to an environment, after a restore point, and wait for the result",
    builder: (yargs) =>
      withPortalOptions(yargs)
        .option('env', { choices: ENVIRONMENTS, demandOption: true, describe: 'Target environment' })
        .option('restore-point', { type: 'boolean', default: true, describe: 'Create a restore point first (--no-restore-point to skip)' })
        .option('yes', { type: 'boolean', default: false, describe: 'Do not ask to type the environment name back (stg and prod ask otherwise)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the final restore status as JSON' })
        .option('poll-interval', { type: 'number', default: 500, coerce: checkedNumber('poll-interval', { whole: true, min: 0, unit: 'ms' }), hidden: true, describe: 'Milliseconds between status polls' })
        .example('$0 restore --env qa --portal-url http://127.0.0.1:7070 --token-file ~/.kxp/developer.token', 'Restore to QA on the emulator')
        .example('$0 restore --env prod --manual', 'Real Portal: restore point, typed confirmation, then the Portal steps')
        .example('$0 restore --env stg --yes --no-restore-point --json --portal-url http://127.0.0.1:7070 --token-file devops.token', 'Scripted: no typed confirmation, no restore point (only with a backup), JSON result')
        .example('$0 restore --env uat --portal-url http://127.0.0.1:7070 --token "$TOKEN"', 'The token inline: works, but warns that it lands in shell history')
        .epilog('Exit status: 0 only when the restore succeeded; 1 when it failed (the reason is printed); 2 when not confirmed.') as never,
    handler: async (args) => {
      const portal = await portalFromArgs(args, ctx);
      const prompter = inquirerPrompter(ctx);
      const progress = args.json ? ctx.stderr : ctx.stdout;
      progress.write(renderRestoreDestination(args.env, portalName(args)));
      const words = portalWords(args);
      let following: { id: string; env: string } | undefined;
      // The manual driver asks a question at every poll: no line updated in place under its prompts.
      const view = createRestoreProgress(progress, portal.kind === 'manual' ? { inPlace: false } : {});
      try {
        const restore = await restoreToEnvironment(portal, {
          env: args.env,
          restorePoint: args['restore-point'],
          assumeYes: args.yes,
          askConfirmation: (env) => prompter.text(renderConfirmationPrompt(env), ctx.signal),
          intervalMs: portal.kind === 'manual' ? 0 : args['poll-interval'],
          signal: ctx.signal,
          onEvent: (event) => {
            if (event.type === 'restore-started') following = { id: event.restoreId, env: event.env };
            if (event.type === 'restore-attached') following = event.restore;
            view.handle(event);
          },
        });
        view.stop();
        ctx.stdout.write(args.json ? jsonText({ ok: true, restore }) + '\n' : renderRestoreResult(restore, words));
      } catch (thrown) {
        view.stop();
        const error = toKxpError(thrown);
        if (args.json) ctx.stdout.write(jsonText({ ok: false, error: errorJson(error) }) + '\n');
        if (!following || error.code !== 'ABORTED') throw error;
        // The error first, then how to follow the restore again: the last thing on screen is what to do next.
        ctx.stderr.write(formatError(error, terminalColumns(ctx.stderr)) + renderRestoreDetached(portal.kind === 'manual' ? null : following.id, following.env, words));
        ctx.setExitCode(error.exitCode);
      }
    },
  };
}
