import type { CommandModule } from 'yargs';
import { ExitCode } from '../errors.js';
import { DEFAULT_BANDWIDTH_MBPS, planPayload } from '../operations/plan.js';
import { jsonText } from '../report/escape.js';
import { planJson, renderPlan } from '../report/plan.js';
import path from 'node:path';
import { openSourcePayload } from '../operations/remote.js';
import { writePayloadManifest } from '../operations/shard/write-manifest.js';
import { renderManifestWritten } from '../report/shard.js';
import { blockSizeFromMiB } from '../transfer/blocks.js';
import { terminalColumns, type CliContext } from './context.js';
import { blockSizeOption, checkedNumber, parseSize } from './parse.js';
import { packageOption, payloadSourceFromArgs, withRemoteSourceOptions, withSourceOptions, type SourceArgs } from './source-options.js';

interface PlanArgs extends SourceArgs {
  json: boolean;
  bandwidth: number;
  'storage-limit'?: string;
  package?: string;
  manifest?: string;
  'block-size'?: number;
}

export function planCommand(ctx: CliContext): CommandModule<object, PlanArgs> {
  return {
    command: 'plan [dir]',
    describe: 'Check a migration folder against every custom-restore rule, without sending anything',
    builder: (yargs) =>
      withRemoteSourceOptions(withSourceOptions(yargs))
        .option('bandwidth', {
          type: 'number',
          default: DEFAULT_BANDWIDTH_MBPS,
          coerce: checkedNumber('bandwidth', { min: 0.001, unit: 'Mbit/s' }),
          describe: 'Upload bandwidth in Mbit/s, for the time estimate',
          requiresArg: true,
        })
        .option('storage-limit', {
          type: 'string',
          describe: "The project's file storage limit from the Portal Dashboard (e.g. 100GB); storage files above it are an error",
          requiresArg: true,
        })
        .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of the summary' })
        .option('package', packageOption)
        .option('block-size', blockSizeOption('With --manifest: the block size in MiB every shard cuts large files by (default 8)'))
        .option('manifest', { type: 'string', requiresArg: true, describe: 'When the plan passes, also write the file list every shard of a sharded upload reads (upload --manifest FILE --shard i/N)' })
        .example('$0 plan ./migration --manifest payload.kxpm --block-size 16', 'Also write the file list for a sharded upload (large files cut into 16 MiB blocks by every shard)')
        .example('$0 plan ./migration --storage-from-file media-source.url --map mysite/media/=default/assets/media/ --lowercase', 'The source URL (with its SAS) read from a file, out of the process list')
        .example('$0 plan ./migration', 'Check ./migration/db.bacpac and ./migration/storage/<container>/…')
        .example('$0 plan ./migration --storage-only', 'Storage files and no db.bacpac, on purpose (without it, MISSING_PART)')
        .example('$0 plan ./migration --database-only', 'The database alone, on purpose: the restore recreates the storage empty')
        .example('$0 plan ./migration --ignore notes.txt --ignore old-storage', 'Leave two entries of the migration folder out on purpose (anything but db.bacpac and storage/ is otherwise an error)')
        .example('$0 plan ./migration --package DeploymentPackage.zip', 'Check the package too, and that db.bacpac has its Xperience version')
        .example('$0 plan --bacpac ~/exports/site.bacpac --storage \'./App/$StorageAssets\' --lowercase', 'Check parts from elsewhere, lowercasing names on the way')
        .example('$0 plan ./migration --lowercase --nfc --include-system-files', 'Names from a Mac: normalised to NFC and lowercased on the way; .DS_Store and ._* files sent too')
        .example('$0 plan ./migration --json --bandwidth 40 --storage-limit 250GB', 'Machine-readable result with an estimate at 40 Mbit/s')
        .example('$0 plan --project ./MySite --bacpac ~/exports/site.bacpac', 'Files where the project keeps them (assets/…, $StorageAssets/<container>/…), as its storage mapping says')
        .example('$0 plan ./migration --layout kxp-layout.json', 'Check storage/<container>/… against a layout file (or --check-layout: the template layout)')
        .example('$0 plan ./migration --check-layout', 'Flag folders the template layout (default ← assets/) never reads')
        .example(
          "$0 plan ./migration --storage-from 'https://oldsite.blob.core.windows.net/media?sv=…&sig=…' --map 'mysite/media/=default/assets/media/' --lowercase",
          'The database here, the Xperience 13 media already in Azure: every rule on the mapped listing (nothing is written anywhere)',
        )
        .example('$0 plan --storage-from https://oldsite.blob.core.windows.net/media --tenant-id contoso.onmicrosoft.com --map =default/ --lowercase', 'The source read with Entra ID sign-in')
        .example('$0 plan --storage-from https://oldsite.blob.local.azurestack.external/media --storage-endpoint-suffix local.azurestack.external --map =default/ --lowercase', 'Entra ID sign-in on Azure Stack Hub: the token goes only to Azure Storage hosts and the suffix named')
        .epilog('Exit status: 0 when there is no error, 2 when there is one (nothing is ever sent by plan).') as never,
    handler: async (args) => {
      const source = await payloadSourceFromArgs(args, ctx);
      const report = await planPayload(source, {
        tenantId: args['tenant-id'],
        env: ctx.env,
        cwd: ctx.cwd,
        signal: ctx.signal,
        bandwidthMbps: args.bandwidth,
        readXperienceVersion: true,
        packagePath: args.package,
        ...(args['storage-limit'] === undefined ? {} : { storageLimitBytes: parseSize(args['storage-limit'], '--storage-limit') }),
      });
      if (args.json) ctx.stdout.write(jsonText(planJson(report)) + '\n');
      else ctx.stdout.write(renderPlan(report, [args.dir ?? [args.project, args.bacpac, args.storage].filter(Boolean).join(' + '), ...report.remote.map((part) => part.url)].filter(Boolean).join(' + '), terminalColumns(ctx.stdout)));
      if (report.ok && args.manifest !== undefined) {
        const payload = await openSourcePayload(source, { tenantId: args['tenant-id'], env: ctx.env, cwd: ctx.cwd, signal: ctx.signal });
        const written = await writePayloadManifest(path.resolve(ctx.cwd, args.manifest), source, report, { cwd: ctx.cwd, payload, signal: ctx.signal, blockSize: blockSizeFromMiB(args['block-size']) });
        ctx.stderr.write(renderManifestWritten(args.manifest, written));
      }
      ctx.setExitCode(report.ok ? ExitCode.ok : ExitCode.invalid);
    },
  };
}
