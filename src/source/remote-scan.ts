/**
 * The plan rules on a remote source listing: every blob is mapped (--map, --lowercase) to its restore name,
 * and the name goes through the same checks as a local file's (lowercase, container folder, blob name
 * validity, case collisions). Streamed: memory holds one digest per name (for collisions), never the names.
 */
import { DigestTable } from '../digest-table.js';
import { error, warning, type Finding } from '../rules/finding.js';
import { blobNameProblem, collisionKey, containerNameProblem, hasUppercase, lowercaseName } from '../rules/names.js';
import { mapSourceName, type PrefixMap } from './remote-map.js';
import type { ListedBlob } from '../azure/remote-source.js';
import type { RemoteFile } from './types.js';

export type RemoteScanEvent =
  | { type: 'remote-file'; file: RemoteFile }
  | { type: 'finding'; finding: Finding }
  /** At the end of a listing: how many blobs no --map covers, with the warning that names examples. */
  | { type: 'unmapped'; count: number; finding: Finding };

/** Examples of unmapped blobs named in the finding. */
const UNMAPPED_EXAMPLES = 5;

/**
 * Restore names already taken in this run, compared by their collision key (NFC, case folded): two source blobs (or a source blob and a
 * local file) that meet here would overwrite each other.
 */
export class NameClaims {
  private readonly table = new DigestTable(0);

  /** Claims the name; false when it (in any case) was claimed before. */
  claim(blobName: string): boolean {
    return this.table.upsert(DigestTable.digest(collisionKey(blobName))).created;
  }
}

export interface RemoteScanOptions {
  /** Index of the source in the order given. */
  source: number;
  /** `<account>/<container>`, the prefix of every display path. */
  label: string;
  maps: readonly PrefixMap[];
  lowercase: boolean;
  claims: NameClaims;
}

/** Maps and checks a listing; unmapped blobs are counted and end in one UNMAPPED warning with examples. */
export async function* scanRemoteListing(listing: AsyncIterable<ListedBlob>, options: RemoteScanOptions): AsyncGenerator<RemoteScanEvent> {
  const containersSeen = new Set<string>();
  const unmapped: string[] = [];
  let unmappedCount = 0;
  for await (const blob of listing) {
    const mapped = mapSourceName(blob.name, options.maps);
    if (mapped === null) {
      if (unmapped.length < UNMAPPED_EXAMPLES) unmapped.push(blob.name);
      unmappedCount++;
      continue;
    }
    // Lowercased code point by code point, as local names are.
    const blobName = options.lowercase ? lowercaseName(mapped) : mapped;
    const displayPath = `${options.label}/${blob.name}`;
    const slash = blobName.indexOf('/');
    const container = slash < 0 ? '' : blobName.slice(0, slash);
    for (const finding of nameFindings(blob.name, blobName, container, displayPath, containersSeen)) yield { type: 'finding', finding };
    if (!options.claims.claim(blobName)) {
      yield {
        type: 'finding',
        finding: error(
          'CASE_COLLISION',
          displayPath,
          `Becomes "${blobName}", the same name once lowercased as a blob listed before it, so one would overwrite the other. Map one of them elsewhere with --map, or remove one (this is an error even with --lowercase).`,
        ),
      };
    }
    yield { type: 'remote-file', file: { ...blob, kind: 'remote', source: options.source, displayPath, blobName, container } };
  }
  if (unmappedCount > 0) {
    const more = unmappedCount > unmapped.length ? `, … (${unmappedCount - unmapped.length} more)` : '';
    yield {
      type: 'unmapped',
      count: unmappedCount,
      finding: warning(
        'UNMAPPED',
        options.label,
        `${unmappedCount} source blob${unmappedCount === 1 ? '' : 's'} match no --map prefix and are skipped: ${unmapped.map((name) => `"${name}"`).join(', ')}${more}. Add a --map for them if they belong to the restore.`,
      ),
    };
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
