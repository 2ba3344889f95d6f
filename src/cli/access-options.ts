/**
 * Where `upload` and `verify` get their SAS URLs, in one place: a file, an environment variable or a flag;
 * else, when a Portal is named on the command line (`--portal-url` or `--manual`; KXP_PORTAL_URL alone never
 * picks one), "Get access" right now. URLs from the Portal live in memory only: nothing here writes a SAS URL.
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { KxpError } from '../errors.js';
import { renderAccessFromPortal, renderWarning } from '../report/session.js';
import { readTextLines } from '../fs/text-file.js';
import type { AccessProvider } from '../operations/destinations/types.js';
import type { CliContext } from './context.js';
import { portalFromArgs, portalName, warnIgnoredPortalUrl, withPortalOptions, type PortalArgs } from './portal-options.js';

export interface SasArgs {
  'db-sas-url'?: string;
  'storage-sas-url'?: string;
  'db-sas-url-file'?: string;
  'storage-sas-url-file'?: string;
  'state-dir'?: string;
  'allow-mixed-destinations'?: boolean;
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
      describe: 'SAS URL of the database container (Portal → custom restore → "Get access"); works, but every local user can read it in the process list: prefer --db-sas-url-file or KXP_DB_SAS_URL. Needed only when the payload has db.bacpac',
    })
    .option('storage-sas-url', {
      type: 'string',
      requiresArg: true,
      describe: 'SAS URL of the storage container; visible in the process list like --db-sas-url: prefer --storage-sas-url-file or KXP_STORAGE_SAS_URL. Needed only when the payload has storage files',
    })
    .option('db-sas-url-file', { type: 'string', requiresArg: true, describe: 'Read the database SAS URL from this file, alone on one line (UTF-8 or UTF-16, LF or CRLF): the normal way' })
    .option('storage-sas-url-file', { type: 'string', requiresArg: true, describe: 'Read the storage SAS URL from this file' })
    .option('allow-mixed-destinations', {
      type: 'boolean',
      default: false,
      describe: 'Allow one container on a local emulator (loopback) and the other in Azure; refused otherwise, as a sign of a forgotten URL',
    })
    .option('state-dir', { type: 'string', requiresArg: true, describe: 'Folder for the resume journal (default <dir>/.kxp-restore); never holds a SAS signature' })
    .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object at the end instead of the summary' }) as Argv<T & SasArgs>;
  return withPortalOptions(withSas).group(['portal-url', 'token-file', 'token', 'manual'], 'Get access from the Portal when no SAS URL is given (kept in memory only):');
}

/** Flag, else file, else environment variable; never two of flag and file for one container. A flag warns: the process list shows it. */
export async function resolveSasUrls(args: SasArgs, ctx: CliContext): Promise<ResolvedSas> {
  const one = async (flag: string | undefined, file: string | undefined, envName: string, name: string): Promise<[string | undefined, SasOrigin]> => {
    if (flag !== undefined && file !== undefined) {
      throw new KxpError('USAGE', `Pass --${name} or --${name}-file, not both.`);
    }
    if (flag !== undefined) {
      ctx.stderr.write(
        renderWarning(`--${name} puts the SAS URL in the process list, readable by every user of this computer for the whole run; prefer --${name}-file FILE or the ${envName} environment variable.`),
      );
      return [flag, 'flag'];
    }
    if (file !== undefined) return [await readSasFile(path.resolve(ctx.cwd, file), file, name), 'file'];
    const fromEnv = ctx.env[envName];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? [withoutQuotes(fromEnv), 'env'] : [undefined, 'none'];
  };
  const [dbSasUrl, db] = await one(args['db-sas-url'], args['db-sas-url-file'], 'KXP_DB_SAS_URL', 'db-sas-url');
  const [storageSasUrl, storage] = await one(args['storage-sas-url'], args['storage-sas-url-file'], 'KXP_STORAGE_SAS_URL', 'storage-sas-url');
  return { dbSasUrl, storageSasUrl, origins: { db, storage } };
}

/** The one SAS URL of a file; never quotes the file's content, which may hold a signature. */
async function readSasFile(target: string, shown: string, name: string): Promise<string> {
  const hint = 'Save the SAS URL from the Portal into that file, alone on one line.';
  let lines: string[];
  try {
    lines = await readTextLines(target);
  } catch (cause) {
    throw new KxpError('NOT_FOUND', `Cannot read --${name}-file ${shown} (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, { path: target, hint, cause });
  }
  const [first] = lines;
  if (first === undefined) throw new KxpError('USAGE', `--${name}-file ${shown} is empty.`, { path: target, hint });
  if (lines.length > 1) {
    const urls = lines.filter((line) => /^[a-z][a-z0-9+.-]*:\/\//i.test(line)).length;
    throw new KxpError('USAGE', `--${name}-file ${shown} holds ${lines.length} lines${urls > 1 ? `, ${urls} of them URLs` : ''}; it must hold one SAS URL alone.`, {
      path: target,
      hint: `${hint} The database and the storage container each have their own URL, in a file of its own.`,
    });
  }
  return withoutQuotes(first);
}

/**
 * A URL as pasted, without one pair of surrounding quotes ("…", '…', “…”): editors and shells' habits
 * (`echo "https://…" > file`, `KEY="…"` in a .env file read verbatim) put them there; no URL has them.
 */
export function withoutQuotes(text: string): string {
  const trimmed = text.trim();
  const pairs: Array<[string, string]> = [['"', '"'], ["'", "'"], ['\u201c', '\u201d']];
  for (const [open, close] of pairs) {
    if (trimmed.length >= 2 && trimmed.startsWith(open) && trimmed.endsWith(close)) return trimmed.slice(1, -1).trim();
  }
  return trimmed;
}

function portalNamed(args: PortalArgs): boolean {
  return args.manual || args['portal-url'] !== undefined;
}

/**
 * The SAS URLs for this run: those given as flags, files or environment variables; when one is missing
 * and a Portal is named, a provider that gets a new pair from "Get access" for the gap. The driver is made
 * now (so a missing token is a usage error at once); access itself is asked for only after the plan passed,
 * and only for the parts the payload has. `origins` records which URLs the Portal gave, for the resume command.
 */
export async function resolveAccess(args: AccessArgs, ctx: CliContext): Promise<ResolvedAccess> {
  const urls = await resolveSasUrls(args, ctx);
  if (urls.origins.db !== 'none' && urls.origins.storage !== 'none') return urls;
  if (!portalNamed(args)) {
    warnIgnoredPortalUrl(ctx);
    return urls;
  }
  const portal = await portalFromArgs(args, ctx);
  const access: ResolvedAccess = { ...urls, origins: { ...urls.origins } };
  access.getAccess = async (needs, signal) => {
    const grant = await portal.getAccess({ signal });
    ctx.stderr.write(renderAccessFromPortal(grant.expiresOn));
    if (needs.database) access.origins.db = 'portal';
    if (needs.storage) access.origins.storage = 'portal';
    return { dbSasUrl: grant.databaseSasUrl, storageSasUrl: grant.storageSasUrl, grantedBy: portalName(args) };
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

/**
 * The access part of a command line to run again: the files, and the Portal when it gave a URL. A URL given
 * as a flag is not repeated (not even redacted): `resumeAccessNotes` says to pass it by file or environment.
 */
export function accessResumeWords(args: AccessArgs, urls: ResolvedSas): string[] {
  const words: string[] = [];
  if (args['db-sas-url-file'] !== undefined) words.push('--db-sas-url-file', args['db-sas-url-file']);
  if (args['storage-sas-url-file'] !== undefined) words.push('--storage-sas-url-file', args['storage-sas-url-file']);
  if (urls.origins.db === 'portal' || urls.origins.storage === 'portal') words.push(...portalWords(args));
  if (args['allow-mixed-destinations']) words.push('--allow-mixed-destinations');
  return words;
}

/** The environment variables the resume command needs set in place of the URLs that came as flags. */
export function resumeEnvironment(urls: ResolvedSas): string[] {
  const names: string[] = [];
  if (urls.origins.db === 'flag') names.push('KXP_DB_SAS_URL');
  if (urls.origins.storage === 'flag') names.push('KXP_STORAGE_SAS_URL');
  return names;
}
