/**
 * Sharded uploads on the command line: `upload --manifest FILE --shard i/N` (or KXP_SHARD, or
 * JOB_COMPLETION_INDEX with --shards N), `upload --manifest FILE --finish --shards N`, and the `status`
 * command. The work is in operations/shard/; this parses, calls and renders.
 */
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { openManifest } from '../transfer/manifest.js';
import { entryKey, shardShare } from '../operations/shard/shard-files.js';
import { ExitCode, KxpError } from '../errors.js';
import { finishShards } from '../operations/shard/finish.js';
import { shardStatus } from '../operations/shard/status.js';
import { uploadShard, type ShardUploadEvent } from '../operations/shard/upload-shard.js';
import { runWithUploadDisplay } from './upload-display.js';
import { jsonText } from '../report/escape.js';
import { renderFinishResult, renderShardShare, renderShardStatus } from '../report/shard.js';
import { renderDestinations } from '../report/upload.js';
import { shardFromEnvironment, type ShardSpec } from '../transfer/shard-assign.js';
import { resolveAccess, resumeEnvironment, withAccessOptions, type AccessArgs } from './access-options.js';
import type { CliContext } from './context.js';
import { checkedNumber } from './parse.js';
import { payloadSourceFromArgs, remoteResumeEnvironment, type SourceArgs } from './source-options.js';

export interface ShardSliceArgs {
  manifest?: string;
  shard?: string;
  shards?: number;
}

export interface ShardArgs extends ShardSliceArgs {
  finish: boolean;
}

const manifestOption = { type: 'string', requiresArg: true } as const;
const shardOption = { type: 'string', requiresArg: true, describe: "This worker's shard, i/N counting from 0 (also KXP_SHARD=i/N); needs --manifest" } as const;
const shardsOption = { type: 'number', requiresArg: true, coerce: checkedNumber('shards', { min: 1, max: 10_000, whole: true }) } as const;

/** verify's options for one shard's slice. */
export function withShardSliceOptions<T>(yargs: Argv<T>): Argv<T & ShardSliceArgs> {
  return yargs
    .option('manifest', { ...manifestOption, describe: 'With --shard: verify only that shard\'s share of this manifest (plan --manifest)' })
    .option('shard', shardOption)
    .option('shards', { ...shardsOption, describe: 'How many shards, with JOB_COMPLETION_INDEX for the index' })
    .group(['manifest', 'shard', 'shards'], 'One shard of a sharded upload (see docs/scale-out.md):') as Argv<T & ShardSliceArgs>;
}

/** The blobs of this shard's slice (`role:name`), or undefined to verify everything. */
export async function shardSlice(args: ShardSliceArgs, ctx: CliContext): Promise<ReadonlySet<string> | undefined> {
  const shard = shardFromEnvironment({ shard: args.shard, shards: args.shards, env: ctx.env });
  if (args.manifest === undefined) {
    if (shard) throw new KxpError('USAGE', 'A shard needs --manifest FILE (the one the shards were given).');
    return undefined;
  }
  const { pieces } = await shardShare(await openManifest(path.resolve(ctx.cwd, args.manifest)), shard ?? { index: 0, count: 1 });
  return new Set(pieces.map(({ entry }) => entryKey(entry)));
}

export function withShardOptions<T>(yargs: Argv<T>): Argv<T & ShardArgs> {
  return yargs
    .option('manifest', { ...manifestOption, describe: "The manifest written by plan --manifest: send this shard's share of it (no walk, no source listing)" })
    .option('shard', shardOption)
    .option('shards', { ...shardsOption, describe: 'How many shards: with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) for the index, or with --finish' })
    .option('finish', { type: 'boolean', default: false, describe: 'After every shard has run: commit the files split across shards (needs --manifest and --shards N)' })
    .group(['manifest', 'shard', 'shards', 'finish'], 'Across many machines (see docs/scale-out.md):') as Argv<T & ShardArgs>;
}

/** The shard this process is, from --shard, KXP_SHARD or JOB_COMPLETION_INDEX with --shards; 0/1 with only --manifest. */
function shardOf(args: ShardArgs, ctx: CliContext): ShardSpec {
  return shardFromEnvironment({ shard: args.shard, shards: args.shards, env: ctx.env }) ?? { index: 0, count: 1 };
}

type UploadLikeArgs = SourceArgs & AccessArgs & ShardArgs & { concurrency?: number; 'max-concurrency'?: number; progress: boolean; quiet: boolean; 'block-size'?: number };

/** `upload --manifest …`: one shard's share, or with --finish the commit of split files. */
export async function runShardedUpload(args: UploadLikeArgs, ctx: CliContext, resumeWords: (args: UploadLikeArgs, urls: Awaited<ReturnType<typeof resolveAccess>>) => string[]): Promise<void> {
  const manifest = args.manifest === undefined ? undefined : path.resolve(ctx.cwd, args.manifest);
  if (manifest === undefined) throw new KxpError('USAGE', '--shard, --shards and --finish need --manifest FILE (written by plan --manifest).');
  if (args['block-size'] !== undefined) throw new KxpError('USAGE', '--block-size is fixed by the manifest (every shard must cut large files alike); leave it out.');
  const source = await payloadSourceFromArgs(args, ctx);
  const urls = await resolveAccess(args, ctx);
  const common = { dbSasUrl: urls.dbSasUrl, storageSasUrl: urls.storageSasUrl, getAccess: urls.getAccess, allowMixedDestinations: args['allow-mixed-destinations'], stateDir: args['state-dir'], tenantId: args['tenant-id'], cwd: ctx.cwd, env: ctx.env, signal: ctx.signal };
  if (args.finish) {
    const count = args.shards ?? (ctx.env['KXP_SHARD'] ? shardOf(args, ctx).count : undefined);
    if (count === undefined) throw new KxpError('USAGE', '--finish needs --shards N: the number of shards the upload ran with.');
    const result = await finishShards(source, { ...common, manifest, shards: count, onEvent: (event) => event.type === 'destinations' && ctx.stderr.write(renderDestinations(event, 'Uploading to')) });
    ctx.stdout.write(args.json ? jsonText(result) + '\n' : renderFinishResult(result));
    ctx.setExitCode(result.ok ? ExitCode.ok : (result.errors.some((error) => error.code === 'SHARD_INCOMPLETE') ? ExitCode.resumable : ExitCode.failed));
    return;
  }
  const shard = shardOf(args, ctx);
  await runWithUploadDisplay<ShardUploadEvent>(
    ctx,
    {
      json: args.json,
      progress: args.progress,
      quiet: args.quiet,
      resume: () => ({ words: resumeWords(args, urls), environment: [...resumeEnvironment(urls), ...remoteResumeEnvironment(args)] }),
    },
    (onEvent) => uploadShard(source, { ...common, manifest, shard, concurrency: args.concurrency, maxConcurrency: args['max-concurrency'], onEvent }),
    (event) => {
      if (event.type !== 'shard') return false;
      if (!args.quiet) ctx.stderr.write(renderShardShare(event));
      return true;
    },
  );
}

/** The shard words of a resume command. */
export function shardResumeWords(args: ShardArgs): string[] {
  const words: string[] = [];
  if (args.manifest !== undefined) words.push('--manifest', args.manifest);
  if (args.shard !== undefined) words.push('--shard', args.shard);
  if (args.shards !== undefined) words.push('--shards', String(args.shards));
  return words;
}

interface StatusArgs extends AccessArgs {
  manifest: string;
  shards: number;
}

export function statusCommand(ctx: CliContext): CommandModule<object, StatusArgs> {
  return {
    command: 'status',
    describe: 'How much of each shard of a sharded upload is in place, from the containers\' listings',
    builder: (yargs) =>
      withAccessOptions(yargs)
        .option('manifest', { type: 'string', demandOption: true, requiresArg: true, describe: 'The manifest the shards were given' })
        .option('shards', { type: 'number', demandOption: true, requiresArg: true, coerce: checkedNumber('shards', { min: 1, max: 10_000, whole: true }), describe: 'How many shards the upload runs with' })
        .example('$0 status --manifest payload.kxpm --shards 4 --db-sas-url-file db.url --storage-sas-url-file files.url', 'Files and bytes in place for each of four shards')
        .epilog('Exit status: 0 when every file is in place, 3 while some are missing (resumable), 2 for invalid input.') as never,
    handler: async (args) => {
      const urls = await resolveAccess(args, ctx);
      const result = await shardStatus({
        manifest: path.resolve(ctx.cwd, args.manifest),
        shards: args.shards,
        dbSasUrl: urls.dbSasUrl,
        storageSasUrl: urls.storageSasUrl,
        getAccess: urls.getAccess,
        allowMixedDestinations: args['allow-mixed-destinations'],
        cwd: ctx.cwd,
        env: ctx.env,
        signal: ctx.signal,
        onEvent: (event) => event.type === 'destinations' && ctx.stderr.write(renderDestinations(event, 'Verifying against')),
      });
      ctx.stdout.write(args.json ? jsonText(result) + '\n' : renderShardStatus(result));
      ctx.setExitCode(result.complete ? ExitCode.ok : ExitCode.resumable);
    },
  };
}
