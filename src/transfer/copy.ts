/**
 * Server-side copies: the storage service reads a remote source blob and writes the restore blob itself, so
 * the bytes never pass through this machine. One job kind of the transfer engine (same retries, pacer,
 * accounting, events and run stoppers as uploads):
 * - up to 256 MiB: Copy Blob From URL, synchronous, one request;
 * - larger: Put Block From URL in parallel ranges and Put Block List; where the service does not implement
 *   it (Azurite), Copy Blob (asynchronous) with status polling and progress.
 * Every copied blob records the source ETag in its metadata: a re-run skips blobs whose size and Content-MD5
 * (when the source has one) or recorded ETag match, and verify can prove which source version it holds.
 * The resume journal is not used for copies: the destination listing (metadata and copy status) is the
 * record, and a lost local folder costs nothing.
 */
import type { BlockBlobClient } from '@azure/storage-blob';
import { KxpError } from '../errors.js';
import { sourceAccessDenied, statusOf } from '../azure/errors.js';
import { etagDigest, SOURCE_ETAG_KEY, unquotedEtag, type RemoteBlob } from '../azure/listing.js';
import type { Accounting } from './accounting.js';
import type { TransferEvent } from './events.js';
import { abortReason, delay, paced, type RetryPolicy } from './pacer.js';
import { requestOptions, type ContainerTarget } from './target.js';

/** Copy Blob From URL takes source blobs up to this size (Azure's limit). */
export const SYNC_COPY_LIMIT = 256 * 1024 * 1024;
/** Range of one Put Block From URL. */
export const COPY_BLOCK_SIZE = 100 * 1024 * 1024;
/** Ranges of one blob copied at once. */
const RANGES_IN_FLIGHT = 4;
/** How often a pending asynchronous copy is asked for its status. */
const POLL_INTERVAL_MS = 2000;

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
  context.emit({ type: 'file-start', blobName: copy.blobName, path: copy.displayPath, size: copy.size, blocks: copy.size > SYNC_COPY_LIMIT ? Math.ceil(copy.size / COPY_BLOCK_SIZE) : 1 });
  if (alreadyCopied(target.remote.get(copy.blobName), copy)) {
    context.accounting.fileDone('skipped', copy.size);
    context.emit({ type: 'file-done', blobName: copy.blobName, path: copy.displayPath, size: copy.size, outcome: 'skipped' });
    context.progress();
    return;
  }
  const blob = target.client.getBlockBlobClient(copy.blobName);
  const metadata = { [SOURCE_ETAG_KEY]: unquotedEtag(copy.etag) };
  try {
    if (copy.size <= SYNC_COPY_LIMIT) {
      await paced(
        async (signal) => blob.syncCopyFromURL(await copy.readUrl(signal), { metadata, sourceConditions: { ifMatch: copy.etag }, abortSignal: signal }),
        requestOptions(context, copy),
      );
      context.accounting.copied(copy.size);
    } else {
      await largeCopy(blob, copy, metadata, context);
    }
  } catch (error) {
    throw whichSide(error, copy, context.signal);
  }
  context.accounting.copyDone();
  context.emit({ type: 'file-done', blobName: copy.blobName, path: copy.displayPath, size: copy.size, outcome: 'uploaded' });
  context.progress();
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

/** Put Block From URL over ranges, a few at a time, then one Put Block List carrying the source's MD5 and type. */
async function copyInBlocks(blob: BlockBlobClient, copy: CopyJob, metadata: Record<string, string>, context: CopyContext): Promise<void> {
  const count = Math.ceil(copy.size / COPY_BLOCK_SIZE);
  const ids = Array.from({ length: count }, (_, index) => Buffer.from(`kxp-copy-${String(index).padStart(6, '0')}`).toString('base64'));
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const offset = index * COPY_BLOCK_SIZE;
      const length = Math.min(COPY_BLOCK_SIZE, copy.size - offset);
      await paced(async (signal) => blob.stageBlockFromURL(ids[index] ?? '', await copy.readUrl(signal), offset, length, { abortSignal: signal }), requestOptions(context, copy));
      context.accounting.copied(length);
      done += length;
      context.emit({ type: 'file-progress', blobName: copy.blobName, bytesDone: done, size: copy.size });
      context.progress();
    }
  };
  await Promise.all(Array.from({ length: Math.min(RANGES_IN_FLIGHT, count) }, worker));
  await paced(
    (signal) =>
      blob.commitBlockList(ids, {
        metadata,
        blobHTTPHeaders: { blobContentType: copy.contentType, ...(copy.md5 ? { blobContentMD5: Buffer.from(copy.md5, 'base64') } : {}) },
        abortSignal: signal,
      }),
    requestOptions(context, copy),
  );
}

/**
 * Copy Blob, then its status until it is no longer pending. A copy of the same source version left pending
 * by an interrupted run is followed, not started again; a pending copy of another version is aborted first.
 */
async function copyAsynchronously(blob: BlockBlobClient, copy: CopyJob, metadata: Record<string, string>, context: CopyContext): Promise<void> {
  const options = requestOptions(context, copy);
  const properties = async () => {
    try {
      return await paced((signal) => blob.getProperties({ abortSignal: signal }), options);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  let state = await properties();
  const ours = (candidate: typeof state) => candidate?.copyStatus === 'pending' && candidate.metadata?.[SOURCE_ETAG_KEY] === unquotedEtag(copy.etag);
  if (!ours(state)) {
    if (state?.copyStatus === 'pending' && state.copyId) {
      const copyId = state.copyId;
      await paced((signal) => blob.abortCopyFromURL(copyId, { abortSignal: signal }), options).catch((error: unknown) => {
        if (statusOf(error) !== 409) throw error; // 409: it finished meanwhile
      });
    }
    try {
      // The first poll of the SDK's poller is the Copy Blob request itself; we poll on our own below.
      await paced(async (signal) => blob.beginCopyFromURL(await copy.readUrl(signal), { metadata, sourceConditions: { ifMatch: copy.etag }, abortSignal: signal }), options);
    } catch (error) {
      // A retried start whose first attempt did reach the service: follow that copy.
      if (statusOf(error) !== 409) throw error;
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
  while (state?.copyStatus === 'pending') {
    account(copiedSoFar(state.copyProgress));
    await delay(POLL_INTERVAL_MS, context.signal);
    state = await properties();
  }
  if (state?.copyStatus !== 'success') {
    throw new KxpError('TRANSFER_FAILED', `The storage service's copy ended ${state?.copyStatus ?? 'without a status'}${state?.copyStatusDescription ? `: ${state.copyStatusDescription}` : ''}.`, {
      path: copy.displayPath,
      hint: 'Run the same command again to copy it anew.',
    });
  }
  account(copy.size);
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
function whichSide(error: unknown, copy: CopyJob, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  if (!(error instanceof KxpError)) return error;
  const status = statusOf(error);
  const code = serviceCode(error);
  if (code === 'CannotVerifyCopySource' || code === 'AuthenticationFailed' || code?.startsWith('CopySource')) {
    if (status === 404) return new KxpError('SOURCE_CHANGED', 'The source blob disappeared after it was listed; it was not copied.', { path: copy.displayPath, exitCode: 1, cause: error });
    if (status === 401 || status === 403 || error.code === 'ACCESS_DENIED') return sourceAccessDenied(copy.displayPath, error);
  }
  if (status === 412) {
    return new KxpError('SOURCE_CHANGED', 'The source blob changed after it was listed (its ETag differs); nothing of the new version was copied.', {
      path: copy.displayPath,
      exitCode: 1,
      hint: 'Run the same command again: the new version is listed and copied.',
      cause: error,
    });
  }
  if (error.code === 'ACCESS_DENIED') {
    return new KxpError('ACCESS_DENIED', `The restore (destination) container refused the copy: its SAS URL has expired, was revoked, or does not allow this. The source was not the problem.`, {
      path: copy.blobName,
      hint: error.hint,
      cause: error,
    });
  }
  return error;
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
