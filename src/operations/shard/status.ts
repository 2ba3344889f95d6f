/**
 * `status --manifest FILE --shards N`: how much of each shard's share is in place, from the containers'
 * listings alone (nothing local is read). A file counts once its blob has the manifest's size; a file split
 * across shards counts only after `upload --finish` committed it.
 */
import { createPooledContainerClient } from '../../azure/client.js';
import { listBlobPages, RemoteIndex } from '../../azure/listing.js';
import { proxyFor } from '../../azure/proxy.js';
import type { ContainerSas } from '../../azure/sas.js';
import { openManifest } from '../../transfer/manifest.js';
import { assignShards } from '../../transfer/shard-assign.js';
import { destination, resolveAccess } from '../destinations/access.js';
import { destinationListing } from '../destinations/targets.js';
import type { SetupEvent, SetupOptions } from '../destinations/types.js';
import { entryKey } from './shard-files.js';

export interface ShardStatusOptions extends Omit<SetupOptions, 'onEvent'> {
  manifest: string;
  shards: number;
  onEvent?: (event: SetupEvent) => void;
}

export interface ShardProgress {
  index: number;
  files: number;
  filesInPlace: number;
  bytes: number;
  bytesInPlace: number;
}

export interface ShardStatusResult {
  /** True when every file of the manifest is in place. */
  complete: boolean;
  shards: ShardProgress[];
  /** Files split across shards; they are in place only once `upload --finish` has committed them. */
  splitFiles: number;
  splitFinished: number;
}

export async function shardStatus(options: ShardStatusOptions): Promise<ShardStatusResult> {
  const { header, entries } = await openManifest(options.manifest);
  const { db, storage, grantedBy } = await resolveAccess(header.parts, options, 'verify');
  options.onEvent?.({ type: 'destinations', db: db && destination(db), storage: storage && destination(storage), grantedBy });
  const listings = { database: db && (await listed(db, options)), storage: storage && (await listed(storage, options)) };
  const shards: ShardProgress[] = Array.from({ length: options.shards }, (_, index) => ({ index, files: 0, filesInPlace: 0, bytes: 0, bytesInPlace: 0 }));
  const splitSeen = new Map<number, boolean>();
  async function* keyed() {
    for await (const entry of entries()) yield { ordinal: entry.ordinal, key: entryKey(entry), size: entry.size, splittable: entry.kind === 'local' };
  }
  await assignShards(keyed, {
    count: options.shards,
    totalBytes: header.bytes,
    blockSize: header.blockSize,
    onPiece: (piece, index) => {
      const separator = piece.key.indexOf(':');
      const role = piece.key.slice(0, separator) === 'database' ? 'database' : 'storage';
      const blob = listings[role]?.get(piece.key.slice(separator + 1));
      const inPlace = blob !== undefined && blob.size === piece.size;
      const progress = shards[index];
      if (!progress) return;
      progress.files += 1;
      progress.bytes += piece.bytes;
      if (inPlace) {
        progress.filesInPlace += 1;
        progress.bytesInPlace += piece.bytes;
      }
      if (piece.blocks) splitSeen.set(piece.ordinal, inPlace);
    },
  });
  const splitFinished = [...splitSeen.values()].filter(Boolean).length;
  return { complete: shards.every((shard) => shard.filesInPlace === shard.files), shards, splitFiles: splitSeen.size, splitFinished };
}

async function listed(sas: ContainerSas, options: ShardStatusOptions): Promise<RemoteIndex> {
  const { client } = createPooledContainerClient(sas, { concurrency: 1, proxy: proxyFor(new URL(sas.url), options.env), signal: options.signal });
  const index = new RemoteIndex();
  for await (const page of listBlobPages(client, destinationListing(sas, options))) for (const item of page) index.addItem(item);
  return index;
}
