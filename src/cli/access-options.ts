/**
 * Where `upload` and `verify` get their SAS URLs, in one place: a flag, a file or an environment variable;
 * else, when a Portal is named (`--portal-url` / KXP_PORTAL_URL, or `--manual`), "Get access" right now.
 * URLs from the Portal live in memory only: nothing here writes a SAS URL anywhere.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { redactUrl } from '../azure/sas.js';
import { KxpError } from '../errors.js';
import { renderAccessFromPortal } from '../report/session.js';
import type { AccessProvider } from '../operations/upload.js';
import type { CliContext } from './context.js';
import { portalFromArgs, withPortalOptions, type PortalArgs } from './portal-options.js';

export interface SasArgs {
  'db-sas-url'?: string;
  'storage-sas-url'?: string;
  'db-sas-url-file'?: string;
  'storage-sas-url-file'?: string;
  'state-dir'?: string;
  json: boolean;
}

export type AccessArgs = SasArgs & PortalArgs;

/** Where a SAS URL came from, so the resume command can say how to pass it again. */
export type SasOrigin = 'flag' | 'file' | 'env' | 'portal' | 'none';

export interface ResolvedSas {
  dbSasUrl?: string;
  storageSasUrl?: string;
  origins: { db: SasOrigin; storage: SasOrigin };
}

export interface ResolvedAccess extends ResolvedSas {
  /** Present when a Portal is named and a URL is missing: gets access once the operation knows it must. */
  getAccess?: AccessProvider;
}

/** The SAS, Portal and state options `upload` and `verify` share. Defined once here. */
export function withAccessOptions<T>(yargs: Argv<T>): Argv<T & AccessArgs> {
  const withSas = yargs
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
  return withPortalOptions(withSas).group(['portal-url', 'token-file', 'token', 'manual'], 'Get access from the Portal when no SAS URL is given (kept in memory only):');
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
      let content: string;
      try {
        content = (await readFile(target, 'utf8')).trim();
      } catch (cause) {
        throw new KxpError('NOT_FOUND', `Cannot read --${name}-file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, {
          path: target,
          hint: 'Save the SAS URL from the Portal into that file, alone on one line.',
          cause,
        });
      }
      if (content === '') {
        throw new KxpError('USAGE', `--${name}-file ${file} is empty.`, { path: target, hint: 'Save the SAS URL from the Portal into that file, alone on one line.' });
      }
      return [content, 'file'];
    }
    const fromEnv = ctx.env[envName];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? [fromEnv.trim(), 'env'] : [undefined, 'none'];
  };
  const [dbSasUrl, db] = await one(args['db-sas-url'], args['db-sas-url-file'], 'KXP_DB_SAS_URL', 'db-sas-url');
  const [storageSasUrl, storage] = await one(args['storage-sas-url'], args['storage-sas-url-file'], 'KXP_STORAGE_SAS_URL', 'storage-sas-url');
  return { dbSasUrl, storageSasUrl, origins: { db, storage } };
}

function portalNamed(args: PortalArgs, ctx: CliContext): boolean {
  return args.manual || args['portal-url'] !== undefined || Boolean(ctx.env.KXP_PORTAL_URL);
}

/**
 * The SAS URLs for this run: those given as flags, files or environment variables; when one is missing
 * and a Portal is named, a provider that gets a new pair from "Get access" for the gap. The driver is made
 * now (so a missing token is a usage error at once); access itself is asked for only after the plan passed,
 * and only for the parts the payload has. `origins` records which URLs the Portal gave, for the resume command.
 */
export async function resolveAccess(args: AccessArgs, ctx: CliContext): Promise<ResolvedAccess> {
  const urls = await resolveSasUrls(args, ctx);
  if ((urls.origins.db !== 'none' && urls.origins.storage !== 'none') || !portalNamed(args, ctx)) return urls;
  const portal = await portalFromArgs(args, ctx);
  const access: ResolvedAccess = { ...urls, origins: { ...urls.origins } };
  access.getAccess = async (needs, signal) => {
    const grant = await portal.getAccess({ signal });
    ctx.stderr.write(renderAccessFromPortal(grant.expiresOn));
    if (needs.database) access.origins.db = 'portal';
    if (needs.storage) access.origins.storage = 'portal';
    return { dbSasUrl: grant.databaseSasUrl, storageSasUrl: grant.storageSasUrl };
  };
  return access;
}

/** How to name the same Portal again on a command line: never the token itself, never a SAS URL. */
export function portalWords(args: PortalArgs): string[] {
  if (args.manual) return ['--manual'];
  const words: string[] = [];
  if (args['portal-url'] !== undefined) words.push('--portal-url', args['portal-url']);
  if (args['token-file'] !== undefined) words.push('--token-file', args['token-file']);
  return words;
}

/** The access part of a command line to run again: redacted flag URLs, the files, and the Portal when it gave a URL. */
export function accessResumeWords(args: AccessArgs, urls: ResolvedSas): string[] {
  const words: string[] = [];
  if (urls.origins.db === 'flag' && urls.dbSasUrl) words.push('--db-sas-url', redactUrl(urls.dbSasUrl));
  if (args['db-sas-url-file'] !== undefined) words.push('--db-sas-url-file', args['db-sas-url-file']);
  if (urls.origins.storage === 'flag' && urls.storageSasUrl) words.push('--storage-sas-url', redactUrl(urls.storageSasUrl));
  if (args['storage-sas-url-file'] !== undefined) words.push('--storage-sas-url-file', args['storage-sas-url-file']);
  if (urls.origins.db === 'portal' || urls.origins.storage === 'portal') words.push(...portalWords(args));
  return words;
}
