/**
 * Server-side copies: the storage service reads a remote source blob and writes the restore blob itself, so
 * the bytes never pass through this machine. One job kind of the transfer engine (same retries, pacer,
 * accounting, events and run stoppers as uploads):
 * - up to 256 MiB: Copy Blob From URL, synchronous, one request;
 * - larger: Put Block From URL in parallel ranges and Put Block List; where the service does not implement
 *   it (Azurite), Copy Blob (asynchronous) with status polling and progress.
 * Every request carries the listed source ETag as a source condition (If-Match): a source rewritten after it was
 * listed fails the copy (SOURCE_CHANGED) instead of giving a blob of another version, or of two.
 * Every copied blob records the source ETag in its metadata: a re-run skips blobs whose size and Content-MD5
 * (when the source has one) or recorded ETag match, and verify can prove which source version it holds.
 * Each request holds a transfer slot and is reported to the adaptive concurrency, like an upload's; a pending
 * asynchronous copy holds none while it is polled.
 * The resume journal is not used for copies: the destination listing (metadata and copy status) is the
 * record, and a lost local folder costs nothing.
 */
import type { SourceReach } from '../azure/remote-source.js';
import type { BlobBeginCopyFromUrlPollState, BlockBlobClient } from '@azure/storage-blob';
import { KxpError } from '../errors.js';
import { sourceAccessDenied, statusOf } from '../azure/errors.js';
import { stageBlockFromUrlIfMatch } from '../azure/copy-requests.js';
import { etagDigest, SOURCE_ETAG_KEY, unquotedEtag, type RemoteBlob } from '../azure/listing.js';
import type { Accounting } from './accounting.js';
import type { TransferEvent } from './events.js';
import { abortReason, delay, paced, type AttemptReport, type RetryPolicy } from './pacer.js';
import { requestOptions, type ContainerTarget } from './target.js';

/** How server-side copies are made; tests shrink the sizes so every path runs with small blobs. */
export interface CopyTuning {
  /** Sources up to this size: one Copy Blob From URL. Azure's limit, 256 MiB. */
  syncLimit: number;
  /** Range of one Put Block From URL. Default 100 MiB. */
  blockSize: number;
  /** Larger sources: Put Block From URL ranges (Copy Blob where the service lacks it), or Copy Blob at once. */
  large: 'blocks' | 'async';
  /** How often a pending asynchronous copy is asked for its status. Default 2 s. */
  pollIntervalMs: number;
}

/** Copy Blob From URL takes source blobs up to this size (Azure's limit). */
export const SYNC_COPY_LIMIT = 256 * 1024 * 1024;
/** Range of one Put Block From URL. */
export const COPY_BLOCK_SIZE = 100 * 1024 * 1024;
export const DEFAULT_COPY_TUNING: CopyTuning = { syncLimit: SYNC_COPY_LIMIT, blockSize: COPY_BLOCK_SIZE, large: 'blocks', pollIntervalMs: 2000 };
/** Ranges of one blob copied at once. */
const RANGES_IN_FLIGHT = 4;

/** One blob to copy from a remote source. */
export interface CopyJob {
  blobName: string;
  /** `<account>/<container>/<source name>`. */
  displayPath: string;
  size: number;
  /** Base64 Content-MD5 of the source blob, or null. */
  md5: string | null;
  etag: string;
  contentType?: string;
  /** The URL the service reads the source blob from (with a short-lived read SAS); never printed. */
  readUrl(signal?: AbortSignal): Promise<string>;
  /** Whether this machine reads the source blob itself, asked after the service could not (see RemoteSourceReader.reach). */
  reach?(signal?: AbortSignal): Promise<SourceReach>;
}

export interface CopyItem {
  copy: CopyJob;
  target: ContainerTarget;
}

/** What a copy needs from the engine's run. */
export interface CopyContext {
  accounting: Accounting;
  signal: AbortSignal;
  retry: Partial<RetryPolicy> | undefined;
  emit(event: TransferEvent): void;
  progress(): void;
  /** Runs one request holding a transfer slot (the concurrency limit counts it). */
  inSlot<T>(request: () => Promise<T>): Promise<T>;
  /** Hears how every request attempt went (the adaptive controller), if anyone listens. */
  observe: ((attempt: AttemptReport) => void) | undefined;
  copyTuning: CopyTuning;
  /** Told when an asynchronous copy is pending and only polled from now on (the engine's worker may move on). */
  polling?: () => void;
  /** Cleared for the rest of the run once the service says it does not implement Put Block From URL. */
  copyMode: { blockFromUrl: boolean };
}

/** Whether the restore container already holds this version of the source blob. */
export function alreadyCopied(remote: RemoteBlob | undefined, copy: Pick<CopyJob, 'size' | 'md5' | 'etag'>): boolean {
  if (!remote || remote.size !== copy.size || remote.copyUnfinished) return false;
  if (copy.md5 !== null && remote.md5 === copy.md5) return true;
  return remote.sourceEtag !== null && remote.sourceEtag === etagDigest(copy.etag);
}

export async function copyBlob(item: CopyItem, context: CopyContext): Promise<void> {
  const { copy, target } = item;
  const { syncLimit, blockSize } = context.copyTuning;
  context.emit({ type: 'file-start', blobName: copy.blobName, path: copy.displayPath, size: copy.size, blocks: copy.size > syncLimit ? Math.ceil(copy.size / blockSize) : 1 });
  if (alreadyCopied(target.remote.get(copy.blobName), copy)) {
    context.accounting.fileDone('skipped', copy.size);
    context.emit({ type: 'file-done', blobName: copy.blobName, path: copy.displayPath, size: copy.size, outcome: 'skipped' });
    context.progress();
    return;
  }
  const blob = target.client.getBlockBlobClient(copy.blobName);
  const metadata = { [SOURCE_ETAG_KEY]: unquotedEtag(copy.etag) };
  try {
    if (copy.size <= syncLimit) {
      await send(context, copy, async (signal) => blob.syncCopyFromURL(await copy.readUrl(signal), { metadata, sourceConditions: { ifMatch: copy.etag }, abortSignal: signal }));
      context.accounting.copied(copy.size);
    } else {
      await largeCopy(blob, copy, metadata, context);
    }
  } catch (error) {
    throw await whichSide(error, copy, context.signal);
  }
  context.accounting.copyDone();
  context.emit({ type: 'file-done', blobName: copy.blobName, path: copy.displayPath, size: copy.size, outcome: 'uploaded' });
  context.progress();
}

/** One request of a copy: in a slot, paced (retries), observed by the adaptive concurrency. */
function send<T>(context: CopyContext, copy: CopyJob, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return context.inSlot(() => paced(attempt, requestOptions(context, copy, { onAttempt: context.observe })));
}

async function largeCopy(blob: BlockBlobClient, copy: CopyJob, metadata: Record<string, string>, context: CopyContext): Promise<void> {
  if (context.copyMode.blockFromUrl) {
    try {
      await copyInBlocks(blob, copy, metadata, context);
      return;
    } catch (error) {
      if (!notImplemented(error)) throw error;
      context.copyMode.blockFromUrl = false;
      context.emit({ type: 'copy-fallback', blobName: copy.blobName, reason: statusOf(error) === 501 ? 'HTTP 501' : 'not supported' });
    }
  }
  await copyAsynchronously(blob, copy, metadata, context);
}

/**
 * Put Block From URL over ranges, a few at a time, each only while the source still has the listed ETag, then one
 * Put Block List carrying the source's MD5 and type. A source rewritten meanwhile fails a range (412): nothing is
 * committed, so the blob never holds ranges of two versions.
 */
async function copyInBlocks(blob: BlockBlobClient, copy: CopyJob, metadata: Record<string, string>, context: CopyContext): Promise<void> {
  const { blockSize } = context.copyTuning;
  const count = Math.ceil(copy.size / blockSize);
  const ids = Array.from({ length: count }, (_, index) => Buffer.from(`kxp-copy-${String(index).padStart(6, '0')}`).toString('base64'));
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const index = next++;
      const offset = index * blockSize;
      const length = Math.min(blockSize, copy.size - offset);
      try {
        await send(context, copy, async (signal) => stageBlockFromUrlIfMatch(blob, ids[index] ?? '', await copy.readUrl(signal), { offset, count: length }, copy.etag, signal));
      } catch (error) {
        failed = true;
        throw error;
      }
      context.accounting.copied(length);
      done += length;
      context.emit({ type: 'file-progress', blobName: copy.blobName, bytesDone: done, size: copy.size });
      context.progress();
    }
  };
  await Promise.all(Array.from({ length: Math.min(RANGES_IN_FLIGHT, count) }, worker));
  await send(context, copy, (signal) =>
    blob.commitBlockList(ids, {
      metadata,
      blobHTTPHeaders: { blobContentType: copy.contentType, ...(copy.md5 ? { blobContentMD5: Buffer.from(copy.md5, 'base64') } : {}) },
      abortSignal: signal,
    }),
  );
}

type BlobState = Awaited<ReturnType<BlockBlobClient['getProperties']>>;

/**
 * Whether a copy into this blob is provably this one: its copy source is this source blob (same host and path; the
 * query, with its SAS, aside), and the source ETag it was started with, recorded in the metadata set with it, is the
 * listed one. With a copy ID, that copy exactly. Anything else (an older copy of another version, another tool's
 * copy) is never taken for this one.
 */
export function copyIsThisOne(state: Pick<BlobState, 'copySource' | 'copyId' | 'metadata'> | undefined, sourceUrl: string, etag: string, copyId?: string): boolean {
  if (!state?.copySource || state.metadata?.[SOURCE_ETAG_KEY] !== unquotedEtag(etag)) return false;
  if (copyId !== undefined && state.copyId !== copyId) return false;
  return sameBlob(state.copySource, sourceUrl);
}

function sameBlob(a: string, b: string): boolean {
  try {
    const [left, right] = [new URL(a), new URL(b)];
    return left.host.toLowerCase() === right.host.toLowerCase() && decodeURIComponent(left.pathname) === decodeURIComponent(right.pathname);
  } catch {
    return false;
  }
}

/**
 * Copy Blob (only while the source has the listed ETag), then its status until it is no longer pending, without
 * holding a transfer slot between polls. A copy of the same source version left pending by an interrupted run is
 * followed, not started again; a pending copy of anything else is aborted first. A refused start (409) is followed
 * only when the copy in the way is provably this one.
 */
async function copyAsynchronously(blob: BlockBlobClient, copy: CopyJob, metadata: Record<string, string>, context: CopyContext): Promise<void> {
  const properties = async () => {
    try {
      return await send(context, copy, (signal) => blob.getProperties({ abortSignal: signal }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  const sourceUrl = await copy.readUrl(context.signal);
  let state = await properties();
  let copyId: string | undefined;
  if (!(state?.copyStatus === 'pending' && copyIsThisOne(state, sourceUrl, copy.etag))) {
    if (state?.copyStatus === 'pending' && state.copyId) {
      const pendingId = state.copyId;
      await send(context, copy, (signal) => blob.abortCopyFromURL(pendingId, { abortSignal: signal })).catch((error: unknown) => {
        if (statusOf(error) !== 409) throw error; // 409: it finished meanwhile
      });
    }
    try {
      // The first poll of the SDK's poller is the Copy Blob request itself; we poll on our own below.
      const poller = await send(context, copy, async (signal) => blob.beginCopyFromURL(await copy.readUrl(signal), { metadata, sourceConditions: { ifMatch: copy.etag }, abortSignal: signal }));
      // The state is the SDK's BlobBeginCopyFromUrlPollState (exported type, but not what beginCopyFromURL declares).
      copyId = (poller.getOperationState() as BlobBeginCopyFromUrlPollState).copyId;
    } catch (error) {
      // A retried start whose first attempt did reach the service: follow that copy, if it provably is this one.
      if (statusOf(error) !== 409) throw error;
      const inTheWay = await properties();
      if (!copyIsThisOne(inTheWay, sourceUrl, copy.etag)) {
        throw new KxpError('TRANSFER_FAILED', `The storage service refused to start the copy (409: ${serviceCode(error) ?? 'conflict'}), and the copy in the way is not provably this one (another source, version or tool); nothing was taken for it.`, {
          path: copy.displayPath,
          hint: 'Run the same command again; if it says the same, look at what else writes to this blob of the restore container.',
          cause: error,
        });
      }
      copyId = inTheWay?.copyId;
    }
    state = await properties();
  }
  let accounted = 0;
  const account = (bytes: number) => {
    if (bytes <= accounted) return;
    context.accounting.copied(bytes - accounted);
    accounted = bytes;
    context.emit({ type: 'file-progress', blobName: copy.blobName, bytesDone: accounted, size: copy.size });
    context.progress();
  };
  if (state?.copyStatus === 'pending') context.polling?.();
  while (state?.copyStatus === 'pending' && copyIsThisOne(state, sourceUrl, copy.etag, copyId)) {
    account(copiedSoFar(state.copyProgress));
    await delay(context.copyTuning.pollIntervalMs, context.signal);
    state = await properties();
  }
  if (!copyIsThisOne(state, sourceUrl, copy.etag, copyId)) {
    throw new KxpError('TRANSFER_FAILED', 'Another copy or write replaced this blob of the restore container while its copy was followed; it is not taken for this source version.', {
      path: copy.displayPath,
      hint: 'Run the same command again to copy it anew.',
    });
  }
  if (state?.copyStatus !== 'success') {
    const status = state?.copyStatusDescription ?? '';
    if (/\b412\b|ConditionNotMet/i.test(status)) throw sourceChanged(copy);
    throw new KxpError('TRANSFER_FAILED', `The storage service's copy ended ${state?.copyStatus ?? 'without a status'}${status ? `: ${status}` : ''}.`, {
      path: copy.displayPath,
      hint: 'Run the same command again to copy it anew.',
    });
  }
  account(copy.size);
}

function sourceChanged(copy: CopyJob, cause?: unknown): KxpError {
  return new KxpError('SOURCE_CHANGED', 'The source blob changed after it was listed (its ETag differs); nothing of the new version was copied.', {
    path: copy.displayPath,
    exitCode: 1,
    hint: 'Run the same command again: the new version is listed and copied.',
    cause,
  });
}

/** "bytes copied/total" as the service reports a pending copy. */
function copiedSoFar(progress: string | undefined): number {
  const done = Number(progress?.split('/')[0]);
  return Number.isFinite(done) ? done : 0;
}

/**
 * Copy requests involve two accounts: say which one refused. The service reports a source it could not read
 * as CannotVerifyCopySource (with the source's own status); anything else is the restore container's.
 */
async function whichSide(error: unknown, copy: CopyJob, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return abortReason(signal);
  if (!(error instanceof KxpError)) return error;
  const status = statusOf(error);
  const code = serviceCode(error);
  if (code === 'CannotVerifyCopySource' || code === 'AuthenticationFailed' || code?.startsWith('CopySource')) {
    if (status === 404 || status === 401 || status === 403 || error.code === 'ACCESS_DENIED') return sourceUnreadable(error, status, copy, signal);
  }
  if (status === 412) return sourceChanged(copy, error);
  if (error.code === 'ACCESS_DENIED') {
    return new KxpError('ACCESS_DENIED', `The restore (destination) container refused the copy: its SAS URL has expired, was revoked, or does not allow this. The source was not the problem.`, {
      path: copy.blobName,
      hint: error.hint,
      cause: error,
    });
  }
  return error;
}

/**
 * The service could not read the source blob (404 or 403 from the source's account). Read it from here to tell
 * which: gone since it was listed, refused to everyone (the SAS or sign-in), or readable from here only (the
 * source account's network rules, or a read URL the service may not use).
 */
async function sourceUnreadable(error: KxpError, status: number | undefined, copy: CopyJob, signal: AbortSignal): Promise<KxpError> {
  const reach = copy.reach ? await copy.reach(signal) : null;
  if (reach === 'gone') return new KxpError('SOURCE_CHANGED', 'The source blob disappeared after it was listed; it was not copied.', { path: copy.displayPath, exitCode: 1, cause: error });
  if (reach === 'refused' || (reach === null && status !== 404)) return sourceAccessDenied(copy.displayPath, error);
  const answer = `HTTP ${status ?? '?'} ${serviceCode(error) ?? ''}`.trim();
  const fromHere = reach === 'there' ? ', though this computer reads it' : '';
  return new KxpError('SOURCE_ACCESS_DENIED', `The storage service could not read the source blob for the copy (${answer} from the source account)${fromHere}; it was not copied.`, {
    path: copy.displayPath,
    hint: "The source account must let the restore's storage service read it: check its networking (a firewall, selected networks or a private endpoint keep the service out) and that the --storage-from URL names it by a host the service can reach; then run the same command again; what was copied is kept.",
    cause: error,
  });
}

function notImplemented(error: unknown): boolean {
  const status = statusOf(error);
  const code = serviceCode(error);
  return status === 501 || code === 'APINotImplemented' || code === 'NotImplemented' || code === 'FeatureNotSupported';
}

function serviceCode(error: unknown): string | undefined {
  const shape = (value: unknown) => value as { details?: { errorCode?: string }; code?: string } | undefined;
  const cause = shape((error as { cause?: unknown } | undefined)?.cause);
  return cause?.details?.errorCode ?? shape(error)?.details?.errorCode ?? (typeof cause?.code === 'string' ? cause.code : undefined);
}
