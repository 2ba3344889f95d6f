/** The payload options every data command shares: `[dir] --bacpac --storage --lowercase --nfc --include-system-files`, and `--storage-from --map --tenant-id` where they apply. Defined once here. */
import type { Argv } from 'yargs';
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
  'storage-from'?: string[];
  map?: string[];
  'tenant-id'?: string;
  'storage-endpoint-suffix'?: string[];
}

export function withSourceOptions<T>(yargs: Argv<T>): Argv<T & SourceArgs> {
  return yargs
    .positional('dir', {
      type: 'string',
      describe: 'Migration folder: holds db.bacpac and storage/<container>/<path…>; either part may be missing',
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

/** The remote-source words of a command to run again: source URLs with their signatures redacted. */
export function remoteResumeWords(args: SourceArgs): string[] {
  const words: string[] = [];
  for (const url of args['storage-from'] ?? []) words.push('--storage-from', redactUrl(url));
  for (const map of args.map ?? []) words.push('--map', map);
  if (args['tenant-id'] !== undefined) words.push('--tenant-id', args['tenant-id']);
  for (const suffix of args['storage-endpoint-suffix'] ?? []) words.push('--storage-endpoint-suffix', suffix);
  return words;
}
