/**
 * The options every Portal command shares, and the one place that turns them into a driver:
 * `--portal-url` + a token (the emulator's HTTP API) or `--manual` (a person at the real Portal).
 */
import path from 'node:path';
import type { Argv } from 'yargs';
import { KxpError } from '../errors.js';
import { HttpPortal } from '../portal/http-portal.js';
import { ManualPortal } from '../portal/manual-portal.js';
import { isEnvironmentName, type EnvironmentName, type Portal } from '../portal/types.js';
import { renderWarning } from '../report/session.js';
import { readTextLines } from '../fs/text-file.js';
import type { CliContext } from './context.js';
import { inquirerPrompter } from './manual-prompter.js';

export interface PortalArgs {
  'portal-url'?: string;
  'token-file'?: string;
  token?: string;
  manual: boolean;
}

export function withPortalOptions<T>(yargs: Argv<T>): Argv<T & PortalArgs> {
  return yargs
    .option('portal-url', {
      type: 'string',
      describe: 'Address of the Portal emulator API, e.g. http://127.0.0.1:7070 (always named here: KXP_PORTAL_URL alone is ignored)',
      requiresArg: true,
    })
    .option('token-file', {
      type: 'string',
      describe: 'File holding the Bearer token (the emulator writes one per role); or set KXP_PORTAL_TOKEN',
      requiresArg: true,
    })
    .option('token', {
      type: 'string',
      describe: 'The token itself; works, but lands in your shell history and the process list: prefer --token-file',
      requiresArg: true,
    })
    .option('manual', {
      type: 'boolean',
      default: false,
      describe: 'Use the real Xperience Portal: kxp-restore shows each step to click and asks you to confirm',
    }) as Argv<T & PortalArgs>;
}

/** The Bearer token: --token-file, else KXP_PORTAL_TOKEN, else --token (with a warning). Never printed. */
export async function readToken(args: Pick<PortalArgs, 'token-file' | 'token'>, ctx: CliContext): Promise<string> {
  const file = args['token-file'];
  if (file !== undefined) {
    const resolved = path.resolve(ctx.cwd, file);
    let lines: string[];
    try {
      lines = await readTextLines(resolved);
    } catch (cause) {
      throw new KxpError('UNREADABLE', `Could not read the token file: ${(cause as Error).message}`, { path: resolved, hint: 'Give the path of a file holding only the token.', cause });
    }
    // Never quote the file: whatever it holds may be a secret.
    if (lines.length !== 1 || lines[0] === undefined) {
      throw new KxpError('USAGE', `The token file ${file} holds ${lines.length} non-blank lines; it must hold the token alone on one line.`, { path: resolved, hint: 'Give the path of a file holding only the token.' });
    }
    return lines[0];
  }
  const fromEnv = ctx.env.KXP_PORTAL_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  if (args.token !== undefined) {
    ctx.stderr.write(renderWarning('--token puts the token in your shell history and in the process list; prefer --token-file FILE or the KXP_PORTAL_TOKEN environment variable.'));
    return args.token.trim();
  }
  throw new KxpError('USAGE', 'No Portal token: give --token-file FILE or set KXP_PORTAL_TOKEN.', { hint: 'The emulator prints the path of one token file per role when it starts.' });
}

/** KXP_PORTAL_URL never picks a Portal by itself (a value left in the shell would send data where nobody meant to): say so. */
export function warnIgnoredPortalUrl(ctx: CliContext): void {
  if (ctx.env.KXP_PORTAL_URL?.trim()) {
    ctx.stderr.write(renderWarning('KXP_PORTAL_URL is set but ignored: a Portal is used only when named on the command line (--portal-url URL or --manual).'));
  }
}

/** How destination lines name the Portal the options point at. */
export function portalName(args: PortalArgs): string {
  return args.manual ? 'the Xperience Portal (--manual)' : `the Portal at ${args['portal-url'] ?? '?'}`;
}

/** The driver the options ask for. */
export async function portalFromArgs(args: PortalArgs, ctx: CliContext): Promise<Portal> {
  if (args.manual && args['portal-url'] !== undefined) {
    throw new KxpError('USAGE', '--manual (the real Portal) and --portal-url (the emulator) exclude each other; give one.');
  }
  if (args.manual) return new ManualPortal(inquirerPrompter(ctx));
  const url = args['portal-url'];
  if (!url) {
    const fromEnv = ctx.env.KXP_PORTAL_URL?.trim();
    throw new KxpError('USAGE', 'Say which Portal to use: --portal-url URL for the emulator, or --manual for the real Xperience Portal.', {
      hint: fromEnv
        ? `KXP_PORTAL_URL is set (${fromEnv}) but a Portal is used only when named on the command line: add --portal-url ${fromEnv} if that is the one you mean.`
        : 'Start an emulator with `kxp-restore portal-emulator`, or follow the steps yourself with --manual.',
    });
  }
  return new HttpPortal({ url, token: await readToken(args, ctx) });
}

export const envVersionOption = {
  type: 'string',
  array: true,
  default: [] as string[],
  describe: "Xperience version of an environment, e.g. qa=31.1.0 (default: the bundled example's)",
} as const;

/** `qa=31.1.0 prod=30.2.0` → { qa: '31.1.0', prod: '30.2.0' }. */
export function parseEnvVersions(values: readonly string[]): Partial<Record<EnvironmentName, string>> {
  const versions: Partial<Record<EnvironmentName, string>> = {};
  for (const value of values) {
    const match = /^([a-z]+)=(\d+(?:\.\d+){1,3})$/.exec(value.trim());
    if (!match?.[1] || !match[2] || !isEnvironmentName(match[1])) {
      throw new KxpError('USAGE', `--env-version "${value}" is not <env>=<version>.`, { hint: 'Use e.g. --env-version qa=31.1.0 prod=30.2.0 (environments: qa, uat, stg, prod).' });
    }
    versions[match[1]] = match[2];
  }
  return versions;
}

