import type { CommandModule } from 'yargs';
import type { PlanReport } from '../operations/plan.js';
import { uploadPayload } from '../operations/upload.js';
import { jsonText } from '../report/escape.js';
import { findingJson, renderFindings } from '../report/findings.js';
import { stoppedUploadJson } from '../report/upload.js';
import { runWithUploadDisplay } from './upload-display.js';
import { accessResumeWords, resolveAccess, resumeEnvironment, withAccessOptions, type AccessArgs, type ResolvedSas } from './access-options.js';
import { terminalColumns, type CliContext } from './context.js';
import { blockSizeOption, checkedNumber, CONCURRENCY_RULE } from './parse.js';
import { runShardedUpload, shardResumeWords, withShardOptions, type ShardArgs } from './shard.js';
import { packageOption, remoteResumeEnvironment, remoteResumeWords, payloadSourceFromArgs, withRemoteSourceOptions, withSourceOptions, type SourceArgs } from './source-options.js';

interface UploadArgs extends SourceArgs, AccessArgs, ShardArgs {
  concurrency?: number;
  'max-concurrency'?: number;
  'block-size'?: number;
  progress: boolean;
  quiet: boolean;
  package?: string;
  deep: boolean;
}

export function uploadCommand(ctx: CliContext): CommandModule<object, UploadArgs> {
  return {
    command: 'upload [dir]',
    describe: 'Upload db.bacpac and the storage files into the custom-restore containers, resumably',
    builder: (yargs) =>
      withShardOptions(withAccessOptions(withRemoteSourceOptions(withSourceOptions(yargs))))
        .option('concurrency', {
          type: 'number',
          requiresArg: true,
          coerce: checkedNumber('concurrency', CONCURRENCY_RULE),
          describe: 'Fix the requests in flight at this number (memory ≈ concurrency × block size); default: adaptive, found and adjusted during the run',
        })
        .option('max-concurrency', {
          type: 'number',
          requiresArg: true,
          coerce: checkedNumber('max-concurrency', CONCURRENCY_RULE),
          describe: 'Cap the adaptive requests in flight (default 128; its buffers stay within 64 MiB, or two blocks if larger)',
        })
        .option('block-size', blockSizeOption('Block size in MiB for large files (default 8, grown so no blob needs more than 50,000 blocks; at most 4000; fractions down to 0.0625 for tests)'))
        .option('progress', { type: 'boolean', default: true, describe: 'Progress bars on a terminal, a line every few seconds otherwise; --no-progress for none (notices still shown)' })
        .option('quiet', { type: 'boolean', default: false, describe: 'No warnings or notices (retries, failed files) on stderr; errors and the result still shown' })
        .option('package', packageOption)
        .option('deep', { type: 'boolean', default: false, describe: "Download every blob already in place and re-send those whose bytes differ from the file (repairs what verify --deep reports; reads every blob)" })
        .example('$0 upload ./migration --storage-sas-url-file files.url --deep', 'Read every blob already in place and re-send those whose bytes differ (what verify --deep reported)')
        .example('$0 upload ./migration --storage-from-file media-source.url --map mysite/media/=default/assets/media/ --lowercase --manual', 'Media already in Azure, the source URL read from a file')
        .example('$0 upload ./migration --db-sas-url-file db.url --storage-sas-url-file files.url', 'Upload ./migration/db.bacpac and ./migration/storage/**, the SAS URLs read from files (the normal way)')
        .example('$0 upload ./migration --storage-only --storage-sas-url-file files.url', 'Only the storage files of the folder, on purpose (db.bacpac, if any, left out)')
        .example('$0 upload ./migration --database-only --db-sas-url-file db.url', 'Only db.bacpac, on purpose: the restore then recreates the environment\'s storage empty')
        .example('$0 upload ./migration --ignore README.txt --manual', 'A note kept beside the payload, left out on purpose')
        .example('$0 upload ./migration --db-sas-url "$DB_URL" --storage-sas-url "$FILES_URL" --allow-mixed-destinations', 'URLs as flags work but warn (process list); one container local and one in Azure only with --allow-mixed-destinations')
        .example('KXP_DB_SAS_URL=… $0 upload --bacpac ~/exports/site.bacpac', 'Only the database, URL from the environment')
        .example('$0 upload --storage ./migration/storage --storage-sas-url-file files.url --lowercase --concurrency 16 --json', 'Storage files only (leaves db.bacpac out), lowercased, 16 requests in flight, JSON result')
        .example('$0 upload ./migration --storage-sas-url-file files.url --lowercase --nfc --include-system-files', 'Names from a Mac: NFC and lowercase on the way; .DS_Store, ._*, Thumbs.db, desktop.ini sent too')
        .example('$0 upload ./migration --storage-sas-url-file files.url --max-concurrency 32', 'Adaptive, but never more than 32 requests in flight (a shared uplink)')
        .example('$0 upload ./migration --db-sas-url-file db.url --storage-sas-url-file files.url --package DeploymentPackage.zip', 'Refuse a db.bacpac of another Xperience version than the package before sending anything')
        .example('$0 upload ./migration --portal-url http://127.0.0.1:7070 --token-file devops.token', 'Emulator: get access from it for this run (nothing stored)')
        .example('$0 upload ./migration --manual', 'Real Portal: do "Get access" and paste the two SAS URLs when asked (input hidden)')
        .example('$0 upload --storage \'./App/$StorageAssets\' --lowercase --portal-url http://127.0.0.1:7070 --token "$TOKEN"', 'A project\'s $StorageAssets folder; --token works but warns (shell history): prefer --token-file')
        .example('$0 upload --bacpac db.bacpac --db-sas-url-file db.url --block-size 64 --state-dir ~/.kxp-state --no-progress', 'A 500 GB export: 64 MiB blocks, journal outside the folder, no progress display')
        .example('$0 upload --storage ./migration/storage --storage-sas-url-file files.url --no-progress --quiet', 'In a script: nothing on stderr but errors')
        .example('$0 upload --project ./MySite --layout kxp-layout.json --bacpac site.bacpac --manual', 'From the project folder, mapped by a layout file (files are not moved)')
        .example('$0 upload ./migration --check-layout --manual', 'Refuse folders the template layout (default ← assets/) never reads')
        .example(
          "$0 upload --storage-from 'https://oldsite.blob.core.windows.net/media?sv=…&sig=…' --map 'mysite/media/=default/assets/media/' --lowercase --storage-sas-url-file files.url",
          'Xperience 13 media already in Azure: copied server side into the restore container (no bytes through this machine)',
        )
        .example('$0 upload ./migration --manifest payload.kxpm --shard 2/4 --db-sas-url-file db.url --storage-sas-url-file files.url', 'The third of four machines: its share of the manifest (then --finish --shards 4 once, after all)')
        .example('$0 upload --storage-from https://oldsite.blob.core.windows.net/media/mysite/ --tenant-id contoso.onmicrosoft.com --map mysite/=default/ --lowercase --manual', 'The same with Entra ID sign-in instead of a source SAS')
        .example('$0 upload --storage-from https://oldsite.blob.local.azurestack.external/media --storage-endpoint-suffix local.azurestack.external --map =default/ --lowercase --storage-sas-url-file files.url', 'Entra ID sign-in on Azure Stack Hub: the token goes only to Azure Storage hosts and the suffix named')
        .epilog(
          'Re-run the same command to resume after an interruption (new SAS URLs for the same containers are fine; with --portal-url or ' +
            '--manual each run gets access anew, also after a revoke): files already ' +
            'in place are skipped and a partly sent file sends only its missing blocks.\n' +
            'Behind a proxy: HTTPS_PROXY (or ALL_PROXY, HTTP_PROXY) and NO_PROXY are honoured for the storage requests.\n' +
            'Exit status: 0 done; 1 some files failed; 2 invalid input or usage (nothing sent); 3 stopped but resumable (interrupted, SAS expired or revoked, proxy refused).',
        ) as never,
    handler: async (args) => {
      if (args.manifest !== undefined || args.shard !== undefined || args.finish || args.shards !== undefined) {
        await runShardedUpload(args, ctx, (shardArgs, urls) => [...resumeArgs(shardArgs, urls), ...shardResumeWords(shardArgs)]);
        return;
      }
      const source = await payloadSourceFromArgs(args, ctx);
      const urls = await resolveAccess(args, ctx);
      let planWarnings: PlanReport['warnings'] = [];
      const started = Date.now();
      await runWithUploadDisplay(
        ctx,
        {
          json: args.json,
          progress: args.progress,
          quiet: args.quiet,
          planWarnings: () => planWarnings,
          resume: () => ({ words: resumeArgs(args, urls), environment: [...resumeEnvironment(urls), ...remoteResumeEnvironment(args)] }),
        },
        (onEvent) =>
          uploadPayload(source, {
            dbSasUrl: urls.dbSasUrl,
            storageSasUrl: urls.storageSasUrl,
            getAccess: urls.getAccess,
            allowMixedDestinations: args['allow-mixed-destinations'],
            packagePath: args.package,
            concurrency: args.concurrency,
            maxConcurrency: args['max-concurrency'],
            blockSizeMiB: args['block-size'],
            deep: args.deep,
            stateDir: args['state-dir'],
            tenantId: args['tenant-id'],
            cwd: ctx.cwd,
            env: ctx.env,
            signal: ctx.signal,
            onEvent,
          }),
        (event) => {
          if (event.type !== 'planned') return false;
          planWarnings = event.plan.warnings;
          reportPlan(ctx, event.plan, { json: args.json, quiet: args.quiet }, started);
          return false;
        },
      );
    },
  };
}

/** Plan errors stop the run (listed, or in the JSON); warnings are shown (in the JSON even with --quiet) but do not stop it. */
function reportPlan(ctx: CliContext, plan: PlanReport, { json, quiet }: { json: boolean; quiet: boolean }, started: number): void {
  if (json) {
    if (!plan.ok) ctx.stdout.write(jsonText(stoppedUploadJson(undefined, plan.errors.map(findingJson), Date.now() - started, plan.warnings)) + '\n');
    return;
  }
  const warnings = quiet ? [] : plan.warnings;
  const omitted = quiet ? plan.omitted.filter((kind) => kind.severity === 'error') : plan.omitted;
  if (plan.errors.length > 0 || warnings.length > 0) ctx.stderr.write(renderFindings(plan.errors, warnings, omitted, terminalColumns(ctx.stderr)) + '\n');
}

/** The command line to run again: SAS URLs never repeated (files are, the Portal is); see `resumeEnvironment` for flag URLs. */
export function resumeArgs(args: SourceArgs & AccessArgs & Partial<Pick<UploadArgs, 'concurrency' | 'max-concurrency' | 'block-size' | 'deep'>>, urls: ResolvedSas, command = 'upload'): string[] {
  const words = ['kxp-restore', command];
  if (args.dir !== undefined) words.push(args.dir);
  if (args.bacpac !== undefined) words.push('--bacpac', args.bacpac);
  if (args.storage !== undefined) words.push('--storage', args.storage);
  if (args.lowercase) words.push('--lowercase');
  if (args.project !== undefined) words.push('--project', args.project);
  if (args.layout !== undefined) words.push('--layout', args.layout);
  if (args['check-layout']) words.push('--check-layout');
  if (args.nfc) words.push('--nfc');
  if (args['include-system-files']) words.push('--include-system-files');
  for (const name of args.ignore ?? []) words.push('--ignore', name);
  if (args['database-only']) words.push('--database-only');
  if (args['storage-only']) words.push('--storage-only');
  words.push(...remoteResumeWords(args));
  words.push(...accessResumeWords(args, urls));
  if (args.concurrency !== undefined) words.push('--concurrency', String(args.concurrency));
  if (args['max-concurrency'] !== undefined) words.push('--max-concurrency', String(args['max-concurrency']));
  if (args['block-size'] !== undefined) words.push('--block-size', String(args['block-size']));
  if (args.deep) words.push('--deep');
  if (args['state-dir'] !== undefined) words.push('--state-dir', args['state-dir']);
  if (args.json) words.push('--json');
  return words;
}
