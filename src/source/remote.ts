/**
 * A remote container as a source: every blob is mapped (--map, --lowercase) to its restore name, and the name
 * goes through the same checks as a local file's (lowercase, container folder, blob name validity); case
 * collisions across sources are the payload's check. Streamed, a page of the listing at a time.
 */
import type { TokenCredential } from '@azure/identity';
import { sourceCredential } from '../azure/credentials.js';
import { proxyFor } from '../azure/proxy.js';
import type { ListOptions } from '../azure/listing.js';
import { parseRemoteSourceUrl, RemoteSourceReader, type ListedBlob } from '../azure/remote-source.js';
import { KxpError } from '../errors.js';
import { error, warning, type Finding } from '../rules/finding.js';
import { blobNameProblem, containerNameProblem, hasUppercase, lowercaseName } from '../rules/names.js';
import { mapSourceName, parsePrefixMaps, type PrefixMap } from './remote-map.js';
import type { PassContext, PayloadSource, RemoteFile, Source, SourceEvent } from './types.js';

type RemoteEvent = SourceEvent<RemoteFile>;

/** Examples of unmapped blobs named in the finding. */
const UNMAPPED_EXAMPLES = 5;

/**
 * How a source's listing is paged: each page's retry (the operations bring the transfer pacer; a source sits
 * below it, so it is handed in), page size and progress. Without it, a failed page fails the listing.
 */
export type SourceListing = (reader: RemoteSourceReader) => Omit<ListOptions, 'prefix' | 'details'>;

export interface OpenRemoteOptions {
  /** Entra ID tenant for sources without a SAS (DefaultAzureCredential otherwise picks its own). */
  tenantId?: string;
  /** Sign-in for sources without a SAS. Default: DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI…). */
  credential?: TokenCredential;
  /** Where HTTPS_PROXY & co. are read. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  maxSockets?: number;
  listing?: SourceListing;
}

/** Every `--storage-from`, parsed and opened (no request yet): a bad URL or --map costs nothing. Empty without any. */
export function openContainerSources(source: PayloadSource, options: OpenRemoteOptions = {}): ContainerSource[] {
  const urls = source.storageFrom ?? [];
  if (urls.length === 0) {
    if ((source.map ?? []).length > 0) throw new KxpError('USAGE', '--map applies to --storage-from sources; none was given.', { hint: 'Add --storage-from URL, or leave out --map.' });
    return [];
  }
  const maps = parsePrefixMaps(source.map ?? []);
  const parsed = urls.map((url) => parseRemoteSourceUrl(url, { endpointSuffixes: source.storageEndpointSuffix }));
  let credential: TokenCredential | undefined = options.credential;
  return parsed.map((remote, index) => {
    const reader = new RemoteSourceReader(remote, {
      maxSockets: options.maxSockets,
      proxy: proxyFor(new URL(remote.endpoint), options.env),
      credential: () => (credential ??= sourceCredential({ tenantId: options.tenantId, env: options.env })),
    });
    return new ContainerSource(reader, index, { maps, lowercase: source.lowercase ?? false, listing: options.listing });
  });
}

/** Every blob of one source, page by page (5,000 a page unless told); a page that fails is tried again as `listing` says. */
export async function* listBlobs(reader: RemoteSourceReader, listing?: SourceListing, signal?: AbortSignal): AsyncGenerator<ListedBlob> {
  const options = listing?.(reader) ?? { retryPage: (request) => request(signal ?? new AbortController().signal) };
  for await (const page of reader.pages(options)) yield* page;
}

/** A remote container (`--storage-from`): its blobs, mapped by --map and --lowercase to restore names, and what the name rules say. */
export class ContainerSource implements Source {
  readonly kind = 'remote';

  constructor(
    readonly reader: RemoteSourceReader,
    /** Its place in the order the sources were given. */
    readonly index: number,
    private readonly naming: { maps: readonly PrefixMap[]; lowercase: boolean; listing?: SourceListing },
  ) {}

  /** Unmapped blobs are counted and end in one UNMAPPED warning with examples (after an `unmapped` event with the count). */
  async *events(context: PassContext): AsyncGenerator<RemoteEvent> {
    const { maps, lowercase, listing } = this.naming;
    const label = this.reader.source.label;
    const containersSeen = new Set<string>();
    const unmapped: string[] = [];
    let unmappedCount = 0;
    let mappedCount = 0;
    // Each --map prefix that starts no blob yet, with a blob name that starts with it in another case.
    const unmatched = new Map(maps.map((map) => [map, { lower: map.from.toLowerCase(), near: null as string | null }]));
    for await (const blob of listBlobs(this.reader, listing, context.signal)) {
      for (const [map, usage] of unmatched) {
        if (blob.name.startsWith(map.from)) unmatched.delete(map);
        else if (usage.near === null && blob.name.slice(0, map.from.length).toLowerCase() === usage.lower) usage.near = blob.name.slice(0, map.from.length);
      }
      const mapped = mapSourceName(blob.name, maps);
      if (mapped === null) {
        if (unmapped.length < UNMAPPED_EXAMPLES) unmapped.push(blob.name);
        unmappedCount++;
        continue;
      }
      // Lowercased code point by code point, as local names are.
      const blobName = lowercase ? lowercaseName(mapped) : mapped;
      const displayPath = `${label}/${blob.name}`;
      const slash = blobName.indexOf('/');
      const container = slash < 0 ? '' : blobName.slice(0, slash);
      for (const finding of nameFindings(blob.name, blobName, container, displayPath, containersSeen)) yield { type: 'finding', finding };
      mappedCount++;
      yield { type: 'file', file: { ...blob, kind: 'remote', source: this.index, displayPath, blobName, container, reader: this.reader } };
    }
    yield { type: 'unmapped', source: this.index, count: unmappedCount, unmatched: [...unmatched].map(([map, usage]) => ({ from: map.from, to: map.to, near: usage.near })) };
    if (unmappedCount > 0) {
      const more = unmappedCount > unmapped.length ? `, … (${unmappedCount - unmapped.length} more)` : '';
      yield {
        type: 'finding',
        finding: warning(
          'UNMAPPED',
          label,
          `${unmappedCount} source blob${unmappedCount === 1 ? '' : 's'} match no --map prefix and are skipped: ${unmapped.map((name) => `"${name}"`).join(', ')}${more}. Add a --map for them if they belong to the restore.`,
        ),
      };
    }
    // A source that adds nothing to the restore is a wrong URL, prefix or --map, never what was meant.
    if (mappedCount === 0) {
      const why = unmappedCount > 0 ? `none of its ${unmappedCount} blob${unmappedCount === 1 ? '' : 's'} matches a --map prefix` : `it lists no blob${this.reader.source.prefix ? ` under "${this.reader.source.prefix}"` : ''}`;
      yield { type: 'finding', finding: error('EMPTY', label, `Nothing to copy from ${label}: ${why}. Check the URL and the --map prefixes.`) };
    }
  }
}

function* nameFindings(sourceName: string, blobName: string, container: string, displayPath: string, containersSeen: Set<string>): Generator<Finding> {
  if (container === '') {
    yield error(
      'OUTSIDE_CONTAINER',
      displayPath,
      `Becomes "${blobName}", which is not inside a container folder (<container>/<path>). Map it into one, for example --map '${sourceName.slice(0, sourceName.lastIndexOf('/') + 1)}=default/'.`,
    );
  } else if (!containersSeen.has(container)) {
    containersSeen.add(container);
    const problem = containerNameProblem(container.toLowerCase());
    if (problem) {
      yield error(
        'CONTAINER_NAME',
        displayPath,
        `The top-level folder "${container}" of "${blobName}" is not a valid container name: it ${problem}. Map the blobs to the container of your Blob storage mapping, for example --map '…=default/'.`,
      );
    }
  }
  if (hasUppercase(blobName)) {
    yield error('NOT_LOWERCASE', displayPath, `Becomes "${blobName}", which has uppercase letters; the custom restore needs every storage name in lowercase. Pass --lowercase to lowercase names on the way (source blobs are not renamed).`);
  }
  const problem = blobNameProblem(blobName);
  if (problem) yield error('BLOB_NAME', displayPath, `The blob name "${blobName}" ${problem}. Map it to another name, or leave it out.`);
}
