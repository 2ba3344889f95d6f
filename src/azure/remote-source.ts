/**
 * A remote storage source (`--storage-from URL`): a container, or a container and a name prefix, in another
 * storage account, read with its own SAS or, without one, with Microsoft Entra ID. It is listed as a stream
 * (one page of 5,000 blobs at a time, through the one paged listing) and hands out the URL the storage service copies each blob from.
 */
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { KxpError } from '../errors.js';
import { createContainerClient, createPipeline, type ClientOptions } from './client.js';
import { asSourceFailure, isSignInFailure, statusOf } from './errors.js';
import { DelegatedReader } from './credentials.js';
import { listBlobPages, type ListedItem, type ListOptions, type PageRetry } from './listing.js';
import { isContainerName, isStorageAccountName } from '../rules/names.js';
import { checkContainerSas, isLoopbackHost, locateAccount, parseContainerSasUrl, redactUrl, type ContainerSas } from './sas.js';

/** One blob of a remote source container, as its listing shows it. */
export interface ListedBlob {
  name: string;
  size: number;
  /** Base64 Content-MD5, or null when the blob has none (e.g. uploaded in blocks without one). */
  md5: string | null;
  /** The ETag of this version of the blob, quotes included as the service gives it. */
  etag: string;
  /** Content-Type as stored on the source blob, if any. */
  contentType?: string;
}

export interface RemoteSource {
  /** The URL as given, redacted (sig=REDACTED): safe to print. */
  redacted: string;
  /** `https://host[:port]` (+ `/account` on path-style endpoints such as Azurite). */
  endpoint: string;
  account: string;
  container: string;
  /** Only blobs whose names start with this are listed ('' for the whole container). */
  prefix: string;
  /** `<account>/<container>`: how it is named in findings and messages. */
  label: string;
  /** The source's own SAS (read and list), or null: signed in with Entra ID. */
  sas: ContainerSas | null;
}

/** Azure Storage's endpoint suffixes: the public cloud, US Government and China (blob hosts `<account>.blob.<suffix>`). */
export const AZURE_STORAGE_SUFFIXES: readonly string[] = ['core.windows.net', 'core.usgovcloudapi.net', 'core.chinacloudapi.cn'];

export interface ParseSourceOptions {
  /** More endpoint suffixes trusted with an Entra ID token (`--storage-endpoint-suffix`: Azure Stack Hub, a private cloud). */
  endpointSuffixes?: readonly string[];
}

/**
 * Whether an Entra ID token may be sent to this host. A storage token opens every account the identity may read,
 * so it goes only to `<account>.blob.<suffix>` of Azure's clouds or of a suffix named on purpose, or to loopback
 * (an emulator). Matched from the end of the name: `contoso.blob.core.windows.net.example.org` is example.org's.
 */
export function isStorageEndpoint(hostname: string, extraSuffixes: readonly string[] = []): boolean {
  if (isLoopbackHost(hostname)) return true;
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return [...AZURE_STORAGE_SUFFIXES, ...extraSuffixes.map(endpointSuffix)].some((suffix) => {
    const tail = `.blob.${suffix}`;
    return host.endsWith(tail) && isStorageAccountName(host.slice(0, -tail.length));
  });
}

/** `core.example.net` (a leading `blob.` or dot is dropped); anything that is not a DNS name is a usage error. */
export function endpointSuffix(raw: string): string {
  const suffix = raw.trim().toLowerCase().replace(/^\.+/, '').replace(/^blob\./, '').replace(/\.$/, '');
  if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/.test(suffix)) {
    throw new KxpError('USAGE', `--storage-endpoint-suffix "${raw}" is not a DNS suffix such as core.windows.net.`, {
      hint: 'Give the storage endpoint suffix of the cloud the source account lives in: the part after <account>.blob.',
    });
  }
  return suffix;
}

/** Parses `https://<account>.blob.core.windows.net/<container>[/<prefix>][?<SAS>]`; a SAS must allow read and list. */
export function parseRemoteSourceUrl(raw: string, options: ParseSourceOptions = {}): RemoteSource {
  const label = '--storage-from URL';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new KxpError('USAGE', `The ${label} "${redactUrl(raw)}" is not a URL.`, { hint: 'Give the source container as https://<account>.blob.core.windows.net/<container>[/<prefix>][?SAS].' });
  }
  const located = locateAccount(url, url.pathname.split('/').slice(1));
  const account = located.account ?? '';
  const [container = '', ...prefixSegments] = located.rest;
  const prefix = decodePrefix(prefixSegments.join('/'), raw);
  const endpoint = located.endpoint;
  const hasSas = url.searchParams.has('sig');
  let sas: ContainerSas | null = null;
  if (hasSas) {
    sas = parseContainerSasUrl(`${endpoint}/${container}${url.search}`, `source SAS URL`);
    // Listing needs "l"; the service reads each blob for the copy with "r".
    checkContainerSas(sas, 'source SAS URL', 'source');
  } else {
    if (!account || !isContainerName(container)) {
      throw new KxpError('USAGE', `The ${label} ${redactUrl(raw)} does not name a container (https://<account>.blob.core.windows.net/<container>[/<prefix>]).`, {
        hint: 'Give the source container, optionally followed by a name prefix.',
      });
    }
    if (url.protocol !== 'https:') {
      throw new KxpError('SAS_INSECURE', `Signing in with Microsoft Entra ID needs https; ${label} ${url.origin} is ${url.protocol.replace(':', '')}.`, {
        hint: isLoopbackHost(url.hostname) ? 'Run the emulator with https (Azurite --cert/--key --oauth basic), or give a SAS.' : 'Use the https URL of the container.',
      });
    }
    // Before any token is requested: a mistyped or planted host never sees one.
    const suffixes = (options.endpointSuffixes ?? []).map(endpointSuffix);
    if (!isStorageEndpoint(url.hostname, suffixes)) {
      const trusted = [...AZURE_STORAGE_SUFFIXES, ...suffixes].map((suffix) => `*.blob.${suffix}`).join(', ');
      throw new KxpError(
        'SOURCE_HOST_REFUSED',
        `The ${label} ${url.origin}${url.pathname} names the host ${url.hostname}, which is not an Azure Storage endpoint. Without a SAS, the source is read with your Microsoft Entra ID sign-in, and that token opens every storage account you may read: it is sent only to ${trusted} (and loopback). Nothing was sent.`,
        {
          hint: 'Check the host (copy the blob endpoint from the storage account\'s Endpoints page in the Azure portal). For Azure Stack Hub or another cloud, add --storage-endpoint-suffix <suffix> (the part after <account>.blob.); or give a SAS for the source.',
        },
      );
    }
  }
  const redacted = hasSas ? redactUrl(raw.trim()) : `${url.origin}${url.pathname}`;
  return { redacted, endpoint, account, container, prefix, label: `${account}/${container}`, sas };
}

/** The name prefix after the container, percent-decoded; a `%` not followed by two hex digits is a usage error. */
function decodePrefix(encoded: string, raw: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new KxpError('USAGE', `The name prefix in the --storage-from URL has a % that is not followed by two hex digits.`, {
      path: redactUrl(raw.trim()),
      hint: 'Write a % in a blob name as %25 (and a space as %20), or leave the prefix out to copy the whole container.',
    });
  }
}

export interface OpenSourceOptions extends ClientOptions {
  /** For sources without a SAS. */
  credential?: () => TokenCredential;
}

/** What this machine finds when it reads a source blob itself: there, gone (404), refused (401/403), or null (cannot tell). */
export type SourceReach = 'there' | 'gone' | 'refused' | null;

/** An opened source: its listing, and the read URL of each blob for the copy. */
export class RemoteSourceReader {
  readonly client: ContainerClient;
  private readonly delegated: DelegatedReader | null;

  constructor(
    readonly source: RemoteSource,
    options: OpenSourceOptions = {},
  ) {
    if (source.sas) {
      this.client = createContainerClient(source.sas, options);
      this.delegated = null;
    } else {
      if (!options.credential) throw new KxpError('INTERNAL', 'A source without a SAS needs a credential.');
      const credential = options.credential();
      const containerUrl = `${source.endpoint}/${source.container}`;
      this.client = new ContainerClient(containerUrl, createPipeline(containerUrl, credential, options));
      this.delegated = new DelegatedReader(new BlobServiceClient(source.endpoint, createPipeline(source.endpoint, credential, options)), source.account);
    }
  }

  /** The blobs under the prefix, in name order, a page at a time (each page retried by `retryPage`); a refusal names the source. */
  async *pages(options: Omit<ListOptions, 'prefix' | 'details'>): AsyncGenerator<ListedBlob[]> {
    const retryPage: PageRetry = (request) =>
      options.retryPage((signal) =>
        request(signal).catch((error: unknown) => {
          throw asSourceFailure(error, this.source);
        }),
      );
    for await (const page of listBlobPages(this.client, { ...options, prefix: this.source.prefix, retryPage })) yield page.map(listedBlob);
  }

  /**
   * Whether this machine can read the blob now (one HEAD): after the storage service failed to read it for a
   * copy, this tells a blob that is gone from a source the service cannot reach. null: it cannot tell.
   */
  async reach(blobName: string, signal?: AbortSignal): Promise<SourceReach> {
    try {
      await this.client.getBlobClient(blobName).getProperties({ abortSignal: signal });
      return 'there';
    } catch (error) {
      const status = statusOf(error);
      return status === 404 ? 'gone' : status === 401 || status === 403 || isSignInFailure(error) ? 'refused' : null;
    }
  }

  /** The URL the storage service reads the blob from: the source's SAS, or a user delegation SAS for this blob. */
  async readUrl(blobName: string, signal?: AbortSignal): Promise<string> {
    const blob = this.client.getBlobClient(blobName);
    if (!this.delegated) return blob.url;
    try {
      return `${blob.url}?${await this.delegated.sasFor(this.source.container, signal)}`;
    } catch (error) {
      throw asSourceFailure(error, this.source);
    }
  }
}

function listedBlob(item: ListedItem): ListedBlob {
  return {
    name: item.name,
    size: item.size,
    // 16 bytes in base64: 24 characters.
    md5: item.md5 && item.md5.length === 24 ? item.md5 : null,
    etag: item.etag,
    ...(item.contentType ? { contentType: item.contentType } : {}),
  };
}
