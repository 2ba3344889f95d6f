/**
 * Retries one request at a time: exponential backoff with full jitter for resets, timeouts, 5xx and
 * throttling (honouring Retry-After), never for access errors. The file is never restarted: only the
 * request that failed is sent again.
 */
import { performance } from 'node:perf_hooks';
import { KxpError } from '../errors.js';
import { azureFailure, classifyAzureError } from '../azure/errors.js';
import type { PageRetry } from '../azure/listing.js';

export interface RetryPolicy {
  /** Attempts per request, first one included. Default 10. */
  maxAttempts: number;
  /** First backoff ceiling. Default 500 ms. */
  baseDelayMs: number;
  /** Largest backoff ceiling. Default 30 s. */
  maxDelayMs: number;
  /** One attempt may take at most this long (plus size / minBytesPerSecond). Default 60 s. */
  timeoutMs: number;
  /** Slowest acceptable rate for a request body before the attempt counts as stalled. Default 64 KiB/s. */
  minBytesPerSecond: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 60_000, minBytesPerSecond: 64 * 1024 };

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface PaceOptions {
  signal?: AbortSignal;
  policy?: Partial<RetryPolicy>;
  /** Body size, to stretch the timeout of large requests. */
  bytes?: number;
  /** Blob name or redacted URL, for the error. */
  where: string;
  onRetry?: (notice: RetryNotice) => void;
  /** Told after every attempt how it went (for adaptive concurrency). */
  onAttempt?: (attempt: AttemptReport) => void;
}

/** One attempt as the pacer saw it: when, how big, and whether the service pushed back. */
export interface AttemptReport {
  /** performance.now() milliseconds. */
  startedAt: number;
  endedAt: number;
  bytes: number;
  outcome: 'ok' | 'throttled' | 'timeout' | 'failed';
  retryAfterMs?: number;
}

/** Answers that mean "too much at once" rather than "this request is wrong". */
const THROTTLE_STATUS = new Set([429, 500, 503]);

export async function paced<T>(attempt: (signal: AbortSignal) => Promise<T>, options: PaceOptions): Promise<T> {
  const policy = { ...DEFAULT_RETRY, ...options.policy };
  const timeoutMs = policy.timeoutMs + Math.ceil(((options.bytes ?? 0) / policy.minBytesPerSecond) * 1000);
  for (let tries = 1; ; tries++) {
    options.signal?.throwIfAborted();
    // One controller and one timer per attempt (cheaper than AbortSignal.any, and nothing left behind).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const unfollow = options.signal ? follow(options.signal, () => controller.abort(options.signal?.reason)) : undefined;
    const startedAt = performance.now();
    const report = (outcome: AttemptReport['outcome'], retryAfterMs?: number) =>
      options.onAttempt?.({ startedAt, endedAt: performance.now(), bytes: options.bytes ?? 0, outcome, retryAfterMs });
    try {
      const result = await attempt(controller.signal);
      report('ok');
      return result;
    } catch (thrown) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (thrown instanceof KxpError) throw thrown;
      const classified = classifyAzureError(thrown, timedOut);
      if (classified.reason === 'timeout') report('timeout');
      else report(classified.status !== undefined && THROTTLE_STATUS.has(classified.status) ? 'throttled' : 'failed', classified.retryAfterMs);
      if (classified.kind !== 'retry' || tries >= policy.maxAttempts) throw azureFailure(thrown, classified, options.where, tries);
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (tries - 1));
      const delayMs = Math.max(classified.retryAfterMs ?? 0, Math.round(Math.random() * ceiling));
      options.onRetry?.({ attempt: tries, delayMs, reason: classified.reason });
      await delay(delayMs, options.signal);
    } finally {
      clearTimeout(timer);
      unfollow?.();
    }
  }
}

/** The attempts following each run signal: one listener on the signal calls them all. */
const followers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `onAbort` when `signal` aborts, until the returned function is called. Every attempt in flight follows
 * the run's signal, and an EventTarget walks its listeners on each add and remove (one per request: a few % of
 * the CPU per small file with a hundred in flight); a Set does not.
 */
function follow(signal: AbortSignal, onAbort: () => void): () => void {
  let set = followers.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    signal.addEventListener('abort', () => [...created].forEach((call) => call()), { once: true });
    followers.set(signal, (set = created));
  }
  set.add(onAbort);
  const following = set;
  return () => following.delete(onAbort);
}

/** The pacer as a listing's retry: each page request is retried on its own (same page), never the whole listing. */
export function pacePages(options: PaceOptions): PageRetry {
  return (request) => paced(request, options);
}

/** The reason a signal was aborted, as a KxpError (ABORTED unless the caller gave its own KxpError). */
export function abortReason(signal: AbortSignal): KxpError {
  const reason: unknown = signal.reason;
  if (reason instanceof KxpError) return reason;
  return new KxpError('ABORTED', 'Stopped before the work was finished.', { cause: reason });
}

/** Waits, or rejects with the abort reason as soon as the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
