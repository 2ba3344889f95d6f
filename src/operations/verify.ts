/**
 * `verify`: the remote containers against the source, by name, size and Content-MD5. The local MD5 comes
 * from the journal when the file is unchanged since it was hashed, else from reading the file.
 * Reports missing, extra and mismatched blobs; identical only when all three are empty.
 */
import { stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { listUnclaimed, type RemoteBlob } from '../azure/listing.js';
import { paced } from '../transfer/pacer.js';
import type { PayloadSource } from '../source/types.js';
import type { ContainerTarget } from '../transfer/engine.js';
import { md5OfFile } from '../transfer/file-hash.js';
import { openTargets, payloadFiles, prepareDestinations, type OpenedTarget, type SetupEvent, type SetupOptions } from './upload.js';

export interface VerifyOptions extends Omit<SetupOptions, 'onEvent'> {
  /** Files hashed at once. Default 4. */
  concurrency?: number;
  onEvent?: (event: VerifyEvent) => void;
}

export type VerifyEvent =
  | SetupEvent
  | { type: 'verify-start'; files: number; bytes: number }
  | { type: 'verify-file'; blobName: string; path: string; status: 'ok' | 'missing' | 'mismatched'; hashed: boolean; size: number };

export interface Mismatch {
  blobName: string;
  path: string;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Blob names the source has and the containers lack. */
  missing: string[];
  /** Blob names the containers hold and the source does not have (e.g. a stray `DB.bacpac`). */
  extra: string[];
  /** The container each extra blob is in (a name may be extra in both). */
  extraDetails: Array<{ blobName: string; container: string }>;
  /** Blob names whose size or Content-MD5 differ from the source. */
  mismatched: string[];
  /** Why each mismatched blob differs. */
  details: Mismatch[];
  checked: number;
  durationMs: number;
}

export async function verifyPayload(source: PayloadSource, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const destinations = await prepareDestinations(source, options, 'verify');
  const targets = await openTargets(destinations, options);
  options.onEvent?.({ type: 'verify-start', files: destinations.plan.totals.files, bytes: destinations.plan.totals.bytes });
  const missing: string[] = [];
  const extra: string[] = [];
  const extraDetails: VerifyResult['extraDetails'] = [];
  const details: Mismatch[] = [];
  const limit = pLimit(options.concurrency ?? 4);
  const pending = new Set<Promise<void>>();
  let checked = 0;
  try {
    for await (const file of payloadFiles(source, options)) {
      const target = (file.kind === 'bacpac' ? targets.db : targets.storage) as ContainerTarget;
      const remote = target.remote.claim(file.blobName);
      checked++;
      if (!remote) {
        missing.push(file.blobName);
        options.onEvent?.({ type: 'verify-file', blobName: file.blobName, path: file.displayPath, status: 'missing', hashed: false, size: file.size });
        continue;
      }
      const task = limit(async () => {
        const outcome = await compare(file.absolutePath, file.blobName, remote, target, options.signal);
        if (outcome.reason) details.push({ blobName: file.blobName, path: file.displayPath, reason: outcome.reason });
        options.onEvent?.({ type: 'verify-file', blobName: file.blobName, path: file.displayPath, status: outcome.reason ? 'mismatched' : 'ok', hashed: outcome.hashed, size: file.size });
      }).finally(() => pending.delete(task));
      pending.add(task);
      // Keep the queue short so memory does not grow with the number of files.
      if (pending.size >= 256) await Promise.race(pending);
    }
    await Promise.all(pending);
    await unclaimed(targets.db, extraDetails, options);
    await unclaimed(targets.storage, extraDetails, options);
  } finally {
    await Promise.allSettled(pending);
    await Promise.all([targets.db?.journal.close(), targets.storage?.journal.close()]);
  }
  extraDetails.sort((a, b) => (a.blobName < b.blobName ? -1 : a.blobName > b.blobName ? 1 : a.container < b.container ? -1 : 1));
  extra.push(...extraDetails.map((detail) => detail.blobName));
  details.sort((a, b) => (a.blobName < b.blobName ? -1 : a.blobName > b.blobName ? 1 : 0));
  const mismatched = details.map((detail) => detail.blobName);
  missing.sort();
  return { ok: missing.length === 0 && extra.length === 0 && mismatched.length === 0, missing, extra, extraDetails, mismatched, details, checked, durationMs: Date.now() - started };
}

/** The index keeps no names, so the blobs the source lacks are found by listing the container once more. */
async function unclaimed(target: OpenedTarget | null, into: VerifyResult['extraDetails'], options: VerifyOptions): Promise<void> {
  if (!target) return;
  const names: string[] = [];
  await paced((signal) => listUnclaimed(target.client, target.remote, names, { signal }), {
    signal: options.signal,
    policy: options.retry,
    where: target.sas.redacted,
    onRetry: (notice) => options.onEvent?.({ type: 'listing-retry', container: target.sas.identity, ...notice }),
  });
  into.push(...names.map((blobName) => ({ blobName, container: target.sas.container })));
}

async function compare(file: string, blobName: string, remote: RemoteBlob, target: ContainerTarget, signal?: AbortSignal): Promise<{ reason: string | null; hashed: boolean }> {
  const stats = await stat(file);
  if (stats.size !== remote.size) return { reason: `size differs: local ${stats.size} bytes, remote ${remote.size} bytes`, hashed: false };
  if (remote.md5 === null) return { reason: 'the remote blob has no Content-MD5, so its content cannot be checked; upload it again', hashed: false };
  const state = { path: file, size: stats.size, mtimeMs: stats.mtimeMs };
  let md5 = target.journal.knownMd5(blobName, state);
  const hashed = md5 === null;
  if (md5 === null) {
    md5 = await md5OfFile(file, signal);
    target.journal.record('hash', blobName, state, md5);
  }
  return { reason: md5 === remote.md5 ? null : `content differs: local MD5 ${md5}, remote Content-MD5 ${remote.md5}`, hashed };
}
