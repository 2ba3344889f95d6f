/**
 * Remote sources in the operations: opening every `--storage-from` (parsed first, so a bad URL costs no
 * request), listing each page with retries, mapping and checking the names, and pairing each blob with the
 * URL the storage service copies it from. Shared by plan, upload and verify.
 */
import type { TokenCredential } from '@azure/identity';
import { sourceCredential } from '../azure/credentials.js';
import type { ListingProgress } from '../azure/listing.js';
import { proxyFor } from '../azure/proxy.js';
import { parseRemoteSourceUrl, RemoteSourceReader } from '../azure/remote-source.js';
import { KxpError } from '../errors.js';
import { parsePrefixMaps, type PrefixMap } from '../source/remote-map.js';
import { NameClaims, scanRemoteListing, type RemoteScanEvent } from '../source/remote-scan.js';
import type { ListedBlob } from '../azure/remote-source.js';
import type { PayloadSource } from '../source/types.js';
import { pacePages, type RetryNotice, type RetryPolicy } from '../transfer/pacer.js';

export interface RemoteSourceOptions {
  /** Entra ID tenant for sources without a SAS (DefaultAzureCredential otherwise picks its own). */
  tenantId?: string;
  /** Sign-in for sources without a SAS. Default: DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI…). */
  credential?: TokenCredential;
  /** Where HTTPS_PROXY & co. are read. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Told before a listing page is tried again. */
  onListingRetry?: (source: string, notice: RetryNotice) => void;
  /** Told after each listing page: pages and blobs listed so far. */
  onListingProgress?: (source: string, progress: ListingProgress) => void;
  /** Blobs per listing page (default 5,000, the service's maximum). */
  listPageSize?: number;
}

/** The opened remote sources of a run, with their name mappings. */
export interface RemoteSources {
  readers: RemoteSourceReader[];
  maps: PrefixMap[];
  lowercase: boolean;
}

/** Null when the payload has no --storage-from. URLs and mappings are checked here, before any request. */
export function openRemoteSources(source: PayloadSource, options: RemoteSourceOptions & { maxSockets?: number } = {}): RemoteSources | null {
  const urls = source.storageFrom ?? [];
  if (urls.length === 0) {
    if ((source.map ?? []).length > 0) throw new KxpError('USAGE', '--map applies to --storage-from sources; none was given.', { hint: 'Add --storage-from URL, or leave out --map.' });
    return null;
  }
  const maps = parsePrefixMaps(source.map ?? []);
  const parsed = urls.map((url) => parseRemoteSourceUrl(url, { endpointSuffixes: source.storageEndpointSuffix }));
  let credential: TokenCredential | undefined = options.credential;
  const readers = parsed.map(
    (remote) =>
      new RemoteSourceReader(remote, {
        maxSockets: options.maxSockets,
        proxy: proxyFor(new URL(remote.endpoint), options.env),
        credential: () => (credential ??= sourceCredential({ tenantId: options.tenantId, env: options.env })),
      }),
  );
  return { readers, maps, lowercase: source.lowercase ?? false };
}

/** Every blob of one source, page by page; a page that fails is tried again, a refusal names the source. */
export async function* listSource(reader: RemoteSourceReader, options: RemoteSourceOptions = {}): AsyncGenerator<ListedBlob> {
  const { label, redacted } = reader.source;
  const pages = reader.pages({
    maxPageSize: options.listPageSize,
    retryPage: pacePages({ signal: options.signal, policy: options.retry, where: redacted, onRetry: (notice) => options.onListingRetry?.(label, notice) }),
    onPage: (progress) => options.onListingProgress?.(label, progress),
  });
  for await (const page of pages) yield* page;
}

/** The mapped listing of every source, through the plan's name rules; `claims` spans sources (and local files). */
export async function* scanRemoteSources(remote: RemoteSources, claims: NameClaims, options: RemoteSourceOptions = {}): AsyncGenerator<RemoteScanEvent & { reader: RemoteSourceReader }> {
  for (const [index, reader] of remote.readers.entries()) {
    const events = scanRemoteListing(listSource(reader, options), { source: index, label: reader.source.label, maps: remote.maps, lowercase: remote.lowercase, claims });
    for await (const event of events) yield { ...event, reader };
  }
}

export { NameClaims };
