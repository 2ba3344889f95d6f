/**
 * `upload --manifest FILE --finish --shards N`: after every shard has run, commits each file the shards
 * split by block runs. It reads nothing of the file: the staged block IDs prove each block's place and
 * MD5 (transfer/finish-split.ts). Safe to run again: a committed file is reported as already finished.
 */
import path from 'node:path';
import { createPooledContainerClient } from '../../azure/client.js';
import { proxyFor } from '../../azure/proxy.js';
import { errorJson, toKxpError } from '../../errors.js';
import { finishSplit } from '../../transfer/finish-split.js';
import { openManifest } from '../../transfer/manifest.js';
import type { PayloadSource } from '../../source/types.js';
import { destination, resolveAccess } from '../destinations/access.js';
import { lockDestinations } from '../destinations/locks.js';
import { defaultStateDir } from '../destinations/state-dir.js';
import type { SetupEvent, SetupOptions } from '../destinations/types.js';
import { shardShare } from './shard-files.js';

export interface FinishShardsOptions extends Omit<SetupOptions, 'onEvent'> {
  manifest: string;
  /** The number of shards the upload ran with (the split depends on it). */
  shards: number;
  onEvent?: (event: FinishEvent) => void;
}

export type FinishEvent = SetupEvent | { type: 'finish-file'; blobName: string; path: string; outcome: 'committed' | 'already' | 'failed'; blocks: number };

export interface FinishShardsResult {
  ok: boolean;
  /** Files split across shards, and what finishing did to each. */
  files: Array<{ blobName: string; path: string; outcome: 'committed' | 'already' | 'failed' }>;
  errors: Array<{ code: string; path: string | null; message: string }>;
  durationMs: number;
}

export async function finishShards(source: PayloadSource, options: FinishShardsOptions): Promise<FinishShardsResult> {
  const started = Date.now();
  const manifest = await openManifest(options.manifest);
  const { split } = await shardShare(manifest, { index: 0, count: options.shards });
  const result: FinishShardsResult = { ok: true, files: [], errors: [], durationMs: 0 };
  if (split.length === 0) return { ...result, durationMs: Date.now() - started };
  const needs = { database: split.some((entry) => entry.role === 'database'), storage: split.some((entry) => entry.role === 'storage') };
  const { db, storage, grantedBy } = await resolveAccess(needs, options, 'upload');
  options.onEvent?.({ type: 'destinations', db: db && destination(db), storage: storage && destination(storage), grantedBy });
  // One finish at a time, beside the shards' own locks.
  const locks = await lockDestinations({ db, storage, stateDir: path.join(defaultStateDir(source, options), 'finish') }, options, 'finish');
  try {
    for (const entry of split) {
      const sas = entry.role === 'database' ? db : storage;
      if (!sas) continue;
      const { client } = createPooledContainerClient(sas, { concurrency: 1, proxy: proxyFor(new URL(sas.url), options.env), signal: options.signal });
      const shown = entry.kind === 'local' ? entry.path : entry.sourceName;
      try {
        const done = await finishSplit(client, { blobName: entry.blob, size: entry.size, blockSize: manifest.header.blockSize, displayPath: shown }, { signal: options.signal, retry: options.retry });
        result.files.push({ blobName: entry.blob, path: shown, outcome: done.outcome });
        options.onEvent?.({ type: 'finish-file', blobName: entry.blob, path: shown, outcome: done.outcome, blocks: done.blocks });
      } catch (thrown) {
        const error = toKxpError(thrown);
        if (error.code === 'ABORTED') throw error;
        result.ok = false;
        result.errors.push(errorJson(error));
        result.files.push({ blobName: entry.blob, path: shown, outcome: 'failed' });
        options.onEvent?.({ type: 'finish-file', blobName: entry.blob, path: shown, outcome: 'failed', blocks: 0 });
      }
    }
  } finally {
    await Promise.all(locks.map((lock) => lock.release()));
  }
  return { ...result, durationMs: Date.now() - started };
}
