/**
 * What the engine and the server-side copy share: the container a job goes to, and how one request of a
 * job is paced (retries told as events). Its own module so that engine.ts and copy.ts both import down.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { RemoteIndex } from '../azure/listing.js';
import type { TransferEvent } from './events.js';
import type { AttemptReport, PaceOptions, RetryPolicy } from './pacer.js';
import type { Journal } from './journal.js';

/** One destination container, with what we know about it before sending. */
export interface ContainerTarget {
  client: ContainerClient;
  journal: Journal;
  /** The container's blobs at the start of the run (name → size, MD5). */
  remote: RemoteIndex;
}

/** What every request of a run needs: its abort signal, retry policy and where retries are told. */
export interface RequestContext {
  signal: AbortSignal;
  retry: Partial<RetryPolicy> | undefined;
  emit(event: TransferEvent): void;
}

/** The pacing of one request for a blob: retries are reported as `retry` events naming it. */
export function requestOptions(
  context: RequestContext,
  job: { displayPath: string; blobName: string },
  extra: { bytes?: number; onAttempt?: ((attempt: AttemptReport) => void) | undefined } = {},
): PaceOptions {
  return {
    ...extra,
    signal: context.signal,
    policy: context.retry,
    where: job.displayPath,
    onRetry: (notice) => context.emit({ type: 'retry', blobName: job.blobName, ...notice }),
  };
}
