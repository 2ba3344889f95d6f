import path from 'node:path';
import type { CommandModule } from 'yargs';
import { ExitCode } from '../errors.js';
import { rehearse } from '../operations/rehearse.js';
import { ENVIRONMENTS, type EnvironmentName } from '../portal/types.js';
import { jsonText } from '../report/escape.js';
import { createTransferProgress, type TransferProgressView } from '../report/progress.js';
import { createRestoreProgress, type RestoreProgressView } from '../report/restore.js';
import { rehearsalJson, renderRehearsal, renderRehearseEvent } from '../report/rehearse.js';
import type { CliContext } from './context.js';
import { checkedNumber, CONCURRENCY_RULE } from './parse.js';
import { envVersionOption, parseEnvVersions } from './portal-options.js';
import { packageOption, payloadSourceFromArgs, withRemoteSourceOptions, withSourceOptions, type SourceArgs } from './source-options.js';

interface RehearseArgs extends SourceArgs {
  env: EnvironmentName;
  'env-version': string[];
  concurrency?: number;
  data?: string;
  json: boolean;
  progress: boolean;
  quiet: boolean;
  package?: string;
}

export function rehearseCommand(ctx: CliContext): CommandModule<object, RehearseArgs> {
  return {
    command: 'rehearse [dir]',
    describe: 'Rehearse the whole custom restore locally: emulator, session, upload, verify, restore, check, close',
    builder: (yargs) =>
      withRemoteSourceOptions(withSourceOptions(yargs))
        .option('env', { choices: ENVIRONMENTS, default: 'qa' as EnvironmentName, describe: 'Environment of the emulator to restore to' })
        .option('env-version', envVersionOption)
        .option('concurrency', { type: 'number', requiresArg: true, coerce: checkedNumber('concurrency', CONCURRENCY_RULE), describe: 'Parallel requests of the upload (as in upload)' })
        .option('data', { type: 'string', requiresArg: true, describe: "Keep the emulator's storage on disk under this folder (removed afterwards) instead of in memory, for large payloads" })
        .option('json', { type: 'boolean', default: false, describe: 'Print the report (steps with times, results) as one JSON object' })
        .option('progress', { type: 'boolean', default: true, describe: 'Show the upload progress as upload does (--no-progress for the step lines only)' })
        .option('quiet', { type: 'boolean', default: false, describe: 'No upload notices (retries, failed files) either' })
        .option('package', { ...packageOption, describe: 'A deployment package: checked with the payload, deployed first, and its version checked in the environment at the end (the whole initial deployment)' })
        .example('$0 rehearse ./migration --storage-from-file media-source.url --map mysite/media/=default/assets/media/ --lowercase', 'Rehearse with media already in Azure, the source URL read from a file')
        .example('$0 rehearse examples/migration', 'The bundled sample, end to end, in a few seconds')
        .example('$0 rehearse ./migration --database-only', 'Rehearse a database-only restore (storage recreated empty)')
        .example('$0 rehearse ./migration --storage-only', 'Rehearse storage files alone: fails where the real restore would, for want of db.bacpac')
        .example('$0 rehearse ./migration --ignore notes.txt', 'Rehearse the payload with one entry of the folder left out on purpose')
        .example('$0 rehearse examples/migration --package examples/DeploymentPackage.zip', 'The whole initial deployment: package, then custom restore (what npm start runs)')
        .example('$0 rehearse ./migration --nfc --include-system-files', 'Names normalised to NFC on the way; Thumbs.db, desktop.ini, .DS_Store and ._* uploaded too')
        .example('$0 rehearse ./migration --env prod --env-version prod=30.2.0', 'Would my export restore onto a production on 30.2.0?')
        .example('$0 rehearse --bacpac ~/exports/site.bacpac --storage \'./App/$StorageAssets\' --lowercase --data /mnt/scratch --concurrency 16 --json --no-progress', 'A large payload: storage on disk, JSON report')
        .example('$0 rehearse --project ./MySite --bacpac ~/exports/site.bacpac', 'Straight from the project folder, laid out as its storage mapping says')
        .example('$0 rehearse ./migration --layout kxp-layout.json', 'A migration folder checked against a layout file (--check-layout: the template layout)')
        .example('$0 rehearse ./migration --check-layout', 'Refuse folders the template layout never reads')
        .example('$0 rehearse ./migration --no-progress --quiet', 'Step lines only')
        .example("$0 rehearse ./migration --storage-from 'https://oldsite.blob.core.windows.net/media?<SAS>' --map 'MySite/media/=default/assets/media/' --lowercase", 'Media already in Azure: copied into the emulator first, then copied server side as upload does (docs/remote-source.md)')
        .example('$0 rehearse ./migration --storage-from https://oldsite.blob.core.windows.net/media --tenant-id contoso.onmicrosoft.com --map MySite/media/=default/assets/media/ --lowercase', 'The same source read with Entra ID sign-in')
        .example('$0 rehearse ./migration --storage-from https://oldsite.blob.local.azurestack.external/media --storage-endpoint-suffix local.azurestack.external --map =default/ --lowercase', 'Entra ID sign-in on Azure Stack Hub: the token goes only to Azure Storage hosts and the suffix named')
        .epilog('Runs an in-memory Azurite and the Portal emulator, and stops them afterwards. Exit status: 0 passed; 2 the payload is invalid or its version differs (nothing sent); 1 a later step failed; 130 interrupted (everything is removed: nothing to resume).') as never,
    handler: async (args) => {
      const live = args.json ? ctx.stderr : ctx.stdout;
      let progress: TransferProgressView | undefined;
      let restoreView: RestoreProgressView | undefined;
      const source = await payloadSourceFromArgs(args, ctx);
      const report = await rehearse(source, {
        env: args.env,
        envVersions: parseEnvVersions(args['env-version']),
        concurrency: args.concurrency,
        dataDir: args.data === undefined ? undefined : path.resolve(ctx.cwd, args.data),
        packagePath: args.package,
        tenantId: args['tenant-id'],
        cwd: ctx.cwd,
        signal: ctx.signal,
        onEvent: (event) => {
          if (event.type === 'step-start' && event.step === 'upload') progress = createTransferProgress(live, { progress: args.progress, quiet: args.quiet });
          if (event.type === 'upload') progress?.handle(event.event);
          if (event.type === 'step-done' && event.step.name === 'upload') {
            progress?.stop();
            progress = undefined;
          }
          if (event.type === 'restore' && args.progress) (restoreView ??= createRestoreProgress(live)).handle(event.event);
          if (event.type === 'step-done') restoreView?.stop();
          live.write(renderRehearseEvent(event));
        },
      });
      progress?.stop();
      restoreView?.stop();
      ctx.stdout.write(args.json ? jsonText(rehearsalJson(report)) + '\n' : renderRehearsal(report));
      ctx.setExitCode(report.ok ? ExitCode.ok : (report.error?.exitCode ?? ExitCode.failed));
    },
  };
}
