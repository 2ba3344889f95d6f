import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { redactUrl } from '../azure/sas.js';
import { ExitCode, KxpError, toKxpError } from '../errors.js';
import type { PlanReport } from '../operations/plan.js';
import { uploadPayload, type UploadEvent } from '../operations/upload.js';
import { errorJson } from '../report/errors.js';
import { findingJson, renderFindings } from '../report/plan.js';
import { createTransferProgress } from '../report/progress.js';
import { renderResumeCommand, renderUploadResult, stoppedUploadJson } from '../report/upload.js';
import type { CliContext } from './context.js';
import { sourceFromArgs, withSourceOptions, type SourceArgs } from './source-options.js';

export interface SasArgs {
  'db-sas-url'?: string;
  'storage-sas-url'?: string;
  'db-sas-url-file'?: string;
  'storage-sas-url-file'?: string;
  'state-dir'?: string;
  json: boolean;
}

interface UploadArgs extends SourceArgs, SasArgs {
  concurrency: number;
  'block-size'?: number;
  progress: boolean;
}

/** Where a SAS URL came from, so the resume command can say how to pass it again. */
export type SasOrigin = 'flag' | 'file' | 'env' | 'none';

export interface ResolvedSas {
  dbSasUrl?: string;
  storageSasUrl?: string;
  origins: { db: SasOrigin; storage: SasOrigin };
}

/** The SAS and state options `upload` and `verify` share. Defined once here. */
export function withSasOptions<T>(yargs: Argv<T>): Argv<T & SasArgs> {
  return yargs
    .option('db-sas-url', {
      type: 'string',
      requiresArg: true,
      describe: 'SAS URL of the database container (Portal → custom restore → "Get access"); or set KXP_DB_SAS_URL. Needed only when the payload has db.bacpac',
    })
    .option('storage-sas-url', {
      type: 'string',
      requiresArg: true,
      describe: 'SAS URL of the storage container; or set KXP_STORAGE_SAS_URL. Needed only when the payload has storage files',
    })
    .option('db-sas-url-file', { type: 'string', requiresArg: true, describe: 'Read the database SAS URL from this file (keeps it out of shell history)' })
    .option('storage-sas-url-file', { type: 'string', requiresArg: true, describe: 'Read the storage SAS URL from this file' })
    .option('state-dir', { type: 'string', requiresArg: true, describe: 'Folder for the resume journal (default <dir>/.kxp-restore); never holds a SAS signature' })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object at the end instead of the summary' }) as Argv<T & SasArgs>;
}

/** Flag, else file, else environment variable; never two of flag and file for one container. */
export async function resolveSasUrls(args: SasArgs, ctx: CliContext): Promise<ResolvedSas> {
  const one = async (flag: string | undefined, file: string | undefined, envName: string, name: string): Promise<[string | undefined, SasOrigin]> => {
    if (flag !== undefined && file !== undefined) {
      throw new KxpError('USAGE', `Pass --${name} or --${name}-file, not both.`);
    }
    if (flag !== undefined) return [flag, 'flag'];
    if (file !== undefined) {
      const target = path.resolve(ctx.cwd, file);
      try {
        return [(await readFile(target, 'utf8')).trim(), 'file'];
      } catch (cause) {
        throw new KxpError('NOT_FOUND', `Cannot read --${name}-file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, {
          path: target,
          hint: 'Save the SAS URL from the Portal into that file, alone on one line.',
          cause,
        });
      }
    }
    const fromEnv = ctx.env[envName];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? [fromEnv.trim(), 'env'] : [undefined, 'none'];
  };
  const [dbSasUrl, db] = await one(args['db-sas-url'], args['db-sas-url-file'], 'KXP_DB_SAS_URL', 'db-sas-url');
  const [storageSasUrl, storage] = await one(args['storage-sas-url'], args['storage-sas-url-file'], 'KXP_STORAGE_SAS_URL', 'storage-sas-url');
  return { dbSasUrl, storageSasUrl, origins: { db, storage } };
}

export function uploadCommand(ctx: CliContext): CommandModule<object, UploadArgs> {
  return {
    command: 'upload [dir]',
    describe: 'Upload db.bacpac and the storage files into the custom-restore containers, resumably',
    builder: (yargs) =>
      withSasOptions(withSourceOptions(yargs))
        .option('concurrency', { type: 'number', default: 8, requiresArg: true, describe: 'Requests in flight at once (memory ≈ concurrency × block size)' })
        .option('block-size', {
          type: 'number',
          requiresArg: true,
          describe: 'Block size in MiB for large files (default 8, grown so no blob needs more than 50,000 blocks; at most 4000; fractions down to 0.0625 for tests)',
        })
        .option('progress', { type: 'boolean', default: true, describe: 'Progress bars on a terminal, a line every few seconds otherwise; --no-progress for silence' })
        .example('$0 upload ./migration --db-sas-url "$DB_URL" --storage-sas-url "$FILES_URL"', 'Upload ./migration/db.bacpac and ./migration/storage/**')
        .example('KXP_DB_SAS_URL=… $0 upload --bacpac ~/exports/site.bacpac', 'Only the database, URL from the environment')
        .example('$0 upload ./migration --storage-sas-url-file files.url --lowercase --concurrency 16 --json', 'Storage files only, lowercased, JSON result')
        .epilog(
          'Re-run the same command to resume after an interruption (new SAS URLs for the same containers are fine): files already ' +
            'in place are skipped and a partly sent file sends only its missing blocks.\n' +
            'Exit status: 0 done; 1 some files failed; 2 invalid input or usage (nothing sent); 3 stopped but resumable (interrupted, SAS expired or revoked).',
        ) as never,
    handler: async (args) => {
      const source = sourceFromArgs(args);
      const urls = await resolveSasUrls(args, ctx);
      const progress = args.progress ? createTransferProgress(ctx.stderr) : undefined;
      let last: Extract<UploadEvent, { type: 'progress' }>['progress'] | undefined;
      const started = Date.now();
      try {
        const result = await uploadPayload(source, {
          dbSasUrl: urls.dbSasUrl,
          storageSasUrl: urls.storageSasUrl,
          concurrency: args.concurrency,
          blockSizeMiB: args['block-size'],
          stateDir: args['state-dir'],
          cwd: ctx.cwd,
          signal: ctx.signal,
          onEvent: (event) => {
            if (event.type === 'progress') last = event.progress;
            if (event.type === 'planned') reportPlan(ctx, event.plan, args.json, started);
            progress?.handle(event);
          },
        });
        progress?.stop();
        ctx.stdout.write(args.json ? JSON.stringify(result, null, 2) + '\n' : renderUploadResult(result));
        ctx.setExitCode(result.ok ? ExitCode.ok : ExitCode.failed);
      } catch (thrown) {
        progress?.stop();
        const error = toKxpError(thrown);
        if (args.json && error.code !== 'VALIDATION_FAILED') {
          ctx.stdout.write(JSON.stringify(stoppedUploadJson(last, [errorJson(error)], Date.now() - started), null, 2) + '\n');
        }
        if (error.exitCode === ExitCode.resumable) ctx.stderr.write(renderResumeCommand(resumeArgs(args, urls)));
        throw error;
      }
    },
  };
}

/** Plan errors stop the run (listed, or in the JSON); warnings are shown but do not stop it. */
function reportPlan(ctx: CliContext, plan: PlanReport, json: boolean, started: number): void {
  if (json) {
    if (!plan.ok) ctx.stdout.write(JSON.stringify(stoppedUploadJson(undefined, plan.errors.map(findingJson), Date.now() - started), null, 2) + '\n');
    return;
  }
  if (plan.errors.length > 0 || plan.warnings.length > 0) ctx.stderr.write(renderFindings(plan.errors, plan.warnings) + '\n');
}

/** The command line to run again, SAS signatures redacted; URLs from files or the environment are not repeated. */
export function resumeArgs(args: SourceArgs & SasArgs & Partial<Pick<UploadArgs, 'concurrency' | 'block-size'>>, urls: ResolvedSas, command = 'upload'): string[] {
  const words = ['kxp-restore', command];
  if (args.dir !== undefined) words.push(args.dir);
  if (args.bacpac !== undefined) words.push('--bacpac', args.bacpac);
  if (args.storage !== undefined) words.push('--storage', args.storage);
  if (args.lowercase) words.push('--lowercase');
  if (urls.origins.db === 'flag' && urls.dbSasUrl) words.push('--db-sas-url', redactUrl(urls.dbSasUrl));
  if (args['db-sas-url-file'] !== undefined) words.push('--db-sas-url-file', args['db-sas-url-file']);
  if (urls.origins.storage === 'flag' && urls.storageSasUrl) words.push('--storage-sas-url', redactUrl(urls.storageSasUrl));
  if (args['storage-sas-url-file'] !== undefined) words.push('--storage-sas-url-file', args['storage-sas-url-file']);
  if (args.concurrency !== undefined && args.concurrency !== 8) words.push('--concurrency', String(args.concurrency));
  if (args['block-size'] !== undefined) words.push('--block-size', String(args['block-size']));
  if (args['state-dir'] !== undefined) words.push('--state-dir', args['state-dir']);
  if (args.json) words.push('--json');
  return words;
}
