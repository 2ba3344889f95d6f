/** The payload options every data command shares: `[dir] --bacpac --storage --lowercase --nfc --include-system-files`, and `--storage-from --map --tenant-id` where they apply. Defined once here. */
import path from 'node:path';
import type { Argv } from 'yargs';
import { KxpError } from '../errors.js';
import { readTextLines } from '../fs/text-file.js';
import { renderWarning } from '../report/session.js';
import { withoutQuotes } from './access-options.js';
import type { CliContext } from './context.js';
import { parseRemoteSourceUrl } from '../azure/remote-source.js';
import { redactUrl } from '../azure/sas.js';
import { renderSignedInSources } from '../report/remote-source.js';
import type { PayloadSource } from '../source/types.js';

export interface SourceArgs {
  dir?: string;
  bacpac?: string;
  storage?: string;
  lowercase?: boolean;
  project?: string;
  layout?: string;
  'check-layout'?: boolean;
  nfc?: boolean;
  'include-system-files'?: boolean;
  ignore?: string[];
  'database-only'?: boolean;
  'storage-only'?: boolean;
  'storage-from'?: string[];
  'storage-from-file'?: string[];
  map?: string[];
  'tenant-id'?: string;
  'storage-endpoint-suffix'?: string[];
}

export function withSourceOptions<T>(yargs: Argv<T>): Argv<T & SourceArgs> {
  return yargs
    .positional('dir', {
      type: 'string',
      describe: 'Migration folder: holds db.bacpac and storage/<container>/<path…>; one part alone only with --database-only or --storage-only',
    })
    .option('bacpac', {
      type: 'string',
      describe: 'Database export to use instead of <dir>/db.bacpac; whatever its name, it is uploaded as db.bacpac',
      requiresArg: true,
    })
    .option('storage', {
      type: 'string',
      describe: 'Storage folder to use instead of <dir>/storage, shaped <container>/<path…> (e.g. a project\'s $StorageAssets)',
      requiresArg: true,
    })
    .option('lowercase', {
      type: 'boolean',
      default: false,
      describe: 'Lowercase every storage name on the way, code point by code point (files on disk are never renamed)',
    })
    .option('nfc', {
      type: 'boolean',
      default: false,
      describe: 'Normalise every storage name to Unicode NFC on the way (names from macOS may be NFD; files on disk are never renamed)',
    })
    .option('include-system-files', {
      type: 'boolean',
      default: false,
      describe: 'Also upload Thumbs.db, desktop.ini, .DS_Store and ._* files (left out, with a warning, by default)',
    })
    .option('ignore', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Leave this entry at the top of the migration folder out on purpose (exact name; repeatable). Anything there but db.bacpac, storage/ and operating-system files is otherwise an error (UNEXPECTED_ENTRY)',
    })
    .option('database-only', {
      type: 'boolean',
      default: false,
      describe: "Send the database alone, on purpose (<dir>/storage left out): the restore then recreates the environment's storage from an empty container. Without it, a payload with no storage files is an error (MISSING_PART)",
    })
    .option('storage-only', {
      type: 'boolean',
      default: false,
      describe: 'Send the storage files alone, on purpose (<dir>/db.bacpac left out). Without it, a payload with no db.bacpac is an error (MISSING_PART); naming only --storage (or --project, --storage-from) says it too',
    })
    .option('project', {
      type: 'string',
      describe: 'Xperience project folder: storage files are read where its storage mapping keeps them (assets/…, $StorageAssets/<container>/…), lowercased; see `kxp-restore layout`',
      requiresArg: true,
    })
    .option('layout', {
      type: 'string',
      describe: 'Layout file { "containers": { "default": ["assets/"] } }: which container serves which project folders; storage files are checked against it (docs/layout.md)',
      requiresArg: true,
    })
    .option('check-layout', {
      type: 'boolean',
      default: false,
      describe: 'Check storage files against the template layout (default ← assets/) even without --project or --layout',
    }) as Argv<T & SourceArgs>;
}

/** `--storage-from --map --tenant-id`: containers already in Azure, copied server side (plan, upload, verify). */
export function withRemoteSourceOptions<T>(yargs: Argv<T>): Argv<T & SourceArgs> {
  return yargs
    .option('storage-from', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Media already in Azure: a container URL (optionally /<prefix>) in another storage account, with a read+list SAS or, without one, Entra ID sign-in; the storage service copies its blobs itself (repeatable)',
    })
    .option('storage-from-file', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Read --storage-from URLs from this file, one a line (keeps a source SAS out of the process list; so does the KXP_STORAGE_FROM environment variable, URLs separated by spaces or newlines)',
    })
    .option('map', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: "SRC_PREFIX=DST_PREFIX for --storage-from blob names, e.g. 'mysite/media/=default/assets/media/' (repeatable; longest prefix wins; blobs no prefix covers are skipped and reported)",
    })
    .option('tenant-id', {
      type: 'string',
      requiresArg: true,
      describe: 'Entra ID tenant (directory) for --storage-from sources without a SAS (sign-in: environment, workload or managed identity, Azure CLI…)',
    })
    .option('storage-endpoint-suffix', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe:
        'Storage endpoint suffix (e.g. local.azurestack.external) whose <account>.blob.<suffix> hosts may receive the Entra ID token, besides Azure\'s public, US Government and China clouds (repeatable)',
    }) as Argv<T & SourceArgs>;
}

export function sourceFromArgs(args: SourceArgs): PayloadSource {
  const source: PayloadSource = { lowercase: args.lowercase ?? false };
  if (args.nfc) source.nfc = true;
  if (args['include-system-files']) source.includeSystemFiles = true;
  if (args.ignore?.length) source.ignore = args.ignore;
  if (args['database-only']) source.databaseOnly = true;
  if (args['storage-only']) source.storageOnly = true;
  if (args.dir !== undefined) source.dir = args.dir;
  if (args.bacpac !== undefined) source.bacpac = args.bacpac;
  if (args.storage !== undefined) source.storage = args.storage;
  if (args.project !== undefined) source.project = args.project;
  if (args.layout !== undefined) source.layoutFile = args.layout;
  if (args['check-layout']) source.checkLayout = true;
  if (args['storage-from']?.length) source.storageFrom = args['storage-from'];
  if (args.map?.length) source.map = args.map;
  if (args['storage-endpoint-suffix']?.length) source.storageEndpointSuffix = args['storage-endpoint-suffix'];
  return source;
}

/** Whether a URL carries a SAS signature (any spelling of `sig=` in its query). */
function hasSignature(url: string): boolean {
  return redactUrl(url) !== url;
}

/**
 * Every --storage-from source: each flag, each line of each --storage-from-file, and each URL of
 * KXP_STORAGE_FROM (one pair of quotes around a URL dropped). A SAS on the command line is warned about:
 * every local user can read it in the process list.
 */
export async function resolveStorageFrom(args: SourceArgs, ctx: Pick<CliContext, 'cwd' | 'env' | 'stderr'>): Promise<string[]> {
  const urls: string[] = [...(args['storage-from'] ?? [])];
  if (urls.some(hasSignature)) {
    ctx.stderr.write(
      renderWarning('--storage-from with a SAS puts the source signature in the process list, readable by every user of this computer for the whole run; prefer --storage-from-file FILE or the KXP_STORAGE_FROM environment variable.'),
    );
  }
  for (const file of args['storage-from-file'] ?? []) {
    const target = path.resolve(ctx.cwd, file);
    let lines: string[];
    try {
      lines = await readTextLines(target);
    } catch (cause) {
      throw new KxpError('NOT_FOUND', `Cannot read --storage-from-file ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, {
        path: target,
        hint: 'Save each source container URL (with its SAS, if any) in that file, one a line.',
        cause,
      });
    }
    if (lines.length === 0) throw new KxpError('USAGE', `--storage-from-file ${file} is empty.`, { path: target, hint: 'Save each source container URL in that file, one a line.' });
    urls.push(...lines.map(withoutQuotes));
  }
  const fromEnv = ctx.env.KXP_STORAGE_FROM;
  if (fromEnv !== undefined) urls.push(...fromEnv.split(/\s+/).filter((word) => word !== '').map(withoutQuotes));
  return [...new Set(urls)];
}

/** Options naming a file or folder the command itself reads or writes: one that sits in the migration folder is not part of the payload. */
const COMMAND_FILE_OPTIONS = ['db-sas-url-file', 'storage-sas-url-file', 'storage-from-file', 'token-file', 'state-dir', 'manifest', 'package', 'layout'] as const;

/** The payload source of a data command, --storage-from URLs resolved (files, environment) and signed-in hosts announced. */
export async function payloadSourceFromArgs(args: SourceArgs, ctx: Pick<CliContext, 'cwd' | 'env' | 'stderr'>): Promise<PayloadSource> {
  const storageFrom = await resolveStorageFrom(args, ctx);
  const source = sourceFromArgs({ ...args, 'storage-from': storageFrom });
  const named = args as Partial<Record<(typeof COMMAND_FILE_OPTIONS)[number], string | string[]>>;
  const commandFiles = COMMAND_FILE_OPTIONS.flatMap((option) => [named[option] ?? []].flat()).map((file) => path.resolve(ctx.cwd, file));
  if (commandFiles.length > 0) source.commandFiles = commandFiles;
  announceSignedInSources(source, ctx.stderr);
  return source;
}

/**
 * Names in full the host of every source read with an Entra ID token, before anything is sent (a label such as
 * `contoso/media` would hide `contoso.blob.core.windows.net.example.org`). A URL the core would refuse is refused here.
 */
export function announceSignedInSources(source: PayloadSource, stderr: NodeJS.WritableStream): void {
  const parsed = (source.storageFrom ?? []).map((url) => parseRemoteSourceUrl(url, { endpointSuffixes: source.storageEndpointSuffix }));
  const text = renderSignedInSources(parsed);
  if (text) stderr.write(text);
}

/** `--package FILE` on plan, upload and rehearse: the deployment package the data goes with (checked with it). */
export const packageOption = {
  type: 'string',
  requiresArg: true,
  describe: "The deployment package deployed with this data: checked, and a db.bacpac of another Xperience version is refused before anything is sent",
} as const;

/**
 * The remote-source words of a command to run again, working as printed: a source URL without a SAS as
 * given, the files as given; a URL with a SAS never (not even redacted: the tool refuses `sig=REDACTED`),
 * `remoteResumeEnvironment` names KXP_STORAGE_FROM for it instead.
 */
export function remoteResumeWords(args: SourceArgs): string[] {
  const words: string[] = [];
  for (const url of args['storage-from'] ?? []) if (!hasSignature(url)) words.push('--storage-from', url);
  for (const file of args['storage-from-file'] ?? []) words.push('--storage-from-file', file);
  for (const map of args.map ?? []) words.push('--map', map);
  if (args['tenant-id'] !== undefined) words.push('--tenant-id', args['tenant-id']);
  for (const suffix of args['storage-endpoint-suffix'] ?? []) words.push('--storage-endpoint-suffix', suffix);
  return words;
}

/** The environment variable the resume command needs set for source URLs that came with a SAS on the command line. */
export function remoteResumeEnvironment(args: SourceArgs): string[] {
  return (args['storage-from'] ?? []).some(hasSignature) ? ['KXP_STORAGE_FROM'] : [];
}
