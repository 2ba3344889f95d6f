/**
 * `upload --manifest FILE --shard i/N`: one worker's slice of a payload, among N run by a job runner
 * (a Kubernetes Indexed Job, a CI matrix). No coordinator: every worker reads the same manifest and
 * computes the same assignment. Each shard has its own journal and lock, so a shard's resume touches
 * nothing of the others; files larger than a share are staged by every shard in runs of blocks and
 * committed afterwards by `upload --finish`.
 */
import path from 'node:path';
import { errorJson, KxpError } from '../../errors.js';
import type { PayloadSource } from '../../source/types.js';
import { blockSizeFromMiB } from '../../transfer/blocks.js';
import type { TransferJob } from '../../transfer/engine.js';
import { sendToDestinations } from '../destinations/send.js';
import { openManifest } from '../../transfer/manifest.js';
import type { ShardSpec } from '../../transfer/shard-assign.js';
import { destination, resolveAccess } from '../destinations/access.js';
import { defaultStateDir, refuseStateDirInPayload } from '../destinations/state-dir.js';
import type { Targets } from '../destinations/types.js';
import { openContainerSources, type ContainerSource } from '../../source/remote.js';
import { uploadResult, type UploadEvent, type UploadOptions, type UploadResult } from '../upload.js';
import { partRoots } from './roots.js';
import { localFiles, shardShare, type ShardShare } from './shard-files.js';
import type { PayloadFile } from '../../source/types.js';
import { DEFAULT_CONCURRENCY } from '../../transfer/engine.js';

export interface ShardUploadOptions extends Omit<UploadOptions, 'onEvent' | 'blockSizeMiB'> {
  /** The manifest written by `plan --manifest`. */
  manifest: string;
  shard: ShardSpec;
  onEvent?: (event: ShardUploadEvent) => void;
}

export type ShardUploadEvent = UploadEvent | { type: 'shard'; index: number; count: number; files: number; bytes: number; shares: number[]; splitFiles: number };

export interface ShardUploadResult extends UploadResult {
  shard: { index: number; count: number; files: number; bytes: number; shares: number[]; splitFiles: number };
}

/** Each shard keeps its journal and lock in a folder of its own inside the state folder. */
export function shardStateDir(stateDir: string, shard: ShardSpec): string {
  return path.join(stateDir, `shard-${shard.index}-of-${shard.count}`);
}

export async function uploadShard(source: PayloadSource, options: ShardUploadOptions): Promise<ShardUploadResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const manifest = await openManifest(options.manifest);
  blockSizeFromMiB(manifest.header.blockSize / (1024 * 1024));
  const share = await shardShare(manifest, options.shard);
  const files = await localFiles(share, await partRoots(source, cwd), options.manifest, cwd);
  const summary = {
    index: options.shard.index,
    count: options.shard.count,
    files: share.pieces.length,
    bytes: share.pieces.reduce((sum, { piece }) => sum + piece.bytes, 0),
    shares: share.shares,
    splitFiles: share.split.length,
  };
  options.onEvent?.({ type: 'shard', ...summary });

  const needs = { database: share.pieces.some(({ entry }) => entry.role === 'database'), storage: share.pieces.some(({ entry }) => entry.role === 'storage') };
  const stateDir = shardStateDir(defaultStateDir(source, options), options.shard);
  await refuseStateDirInPayload(source, stateDir, options);
  const remote = share.pieces.some(({ entry }) => entry.kind === 'remote') ? openContainerSources(source, { ...options, maxSockets: (options.concurrency ?? DEFAULT_CONCURRENCY) + 1 }) : [];
  const { db, storage, grantedBy } = await resolveAccess(needs, options, 'upload');
  options.onEvent?.({ type: 'destinations', db: db && destination(db), storage: storage && destination(storage), grantedBy });
  const destinations = { db, storage, stateDir };
  const lockScope = `shard-${options.shard.index}-of-${options.shard.count}`;
  const result = await sendToDestinations(destinations, { ...options, lockScope }, (targets) => ({
    items: shardJobs(share, files, remote, targets),
    totals: { files: summary.files, bytes: summary.bytes },
    largestFile: share.pieces.reduce((largest, { entry }) => Math.max(largest, entry.kind === 'local' ? entry.size : 0), 0),
    blockSize: manifest.header.blockSize,
  }));
  return { ...uploadResult(result.progress, result.errors.map(errorJson), Date.now() - started), concurrency: result.concurrency, shard: summary };
}

function* shardJobs(share: ShardShare, files: Map<number, PayloadFile>, remote: readonly ContainerSource[], targets: Targets): Generator<TransferJob> {
  for (const { piece, entry } of share.pieces) {
    const target = entry.role === 'database' ? targets.db : targets.storage;
    if (!target) throw new KxpError('INTERNAL', `No container for ${entry.blob}.`);
    if (entry.kind === 'local') {
      const file = files.get(entry.ordinal);
      if (!file) throw new KxpError('INTERNAL', `No file for ${entry.path}.`);
      yield { file, target, blocks: piece.blocks && { first: piece.blocks.first, count: piece.blocks.count, blockSize: piece.blocks.blockSize } };
      continue;
    }
    const reader = remote[entry.source]?.reader;
    if (!reader) throw new KxpError('USAGE', `The manifest copies from --storage-from number ${entry.source + 1}, which this run does not name.`, { hint: 'Give every shard the same --storage-from URLs, in the same order, as the plan.' });
    yield {
      copy: { blobName: entry.blob, displayPath: `${reader.source.label}/${entry.sourceName}`, size: entry.size, md5: null, etag: entry.etag, readUrl: (signal?: AbortSignal) => reader.readUrl(entry.sourceName, signal), reach: (signal?: AbortSignal) => reader.reach(entry.sourceName, signal) },
      target,
    };
  }
}
