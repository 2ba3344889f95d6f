/**
 * The transfer engine: runs the plan's items (local files, see file-upload.ts; server-side copies, see
 * copy.ts) with bounded parallel requests. Every request holds a slot: their number is the concurrency
 * (fixed, or found by the adaptive controller), and their buffers stay within a memory budget (a fixed
 * concurrency keeps the old bound, concurrency × block size). Per-file failures are collected; an access
 * error or an abort stops the run.
 */
import { setMaxListeners } from 'node:events';
import { toKxpError, type KxpError } from '../errors.js';
import { Accounting } from './accounting.js';
import { transferFile, withSlot, type FileContext, type TransferItem } from './file-upload.js';
import { copyBlob, DEFAULT_COPY_TUNING, type CopyItem, type CopyTuning } from './copy.js';
import { DEFAULT_BLOCK_SIZE, layoutFor } from './blocks.js';
import type { ProgressSnapshot, TransferEvent } from './events.js';
import { abortReason, type RetryPolicy } from './pacer.js';
import { Md5Worker } from './hasher.js';
import { Slots, type BufferAccounting } from './slots.js';
import { SyncReads } from './source-file.js';
import { ConcurrencyController, type ConcurrencyRange } from './concurrency.js';

export type { BlockRun, TransferItem } from './file-upload.js';

/** What the engine runs: a local file to upload, or a remote source blob for the service to copy. */
export type TransferJob = TransferItem | CopyItem;

export interface EngineOptions {
  /** What the items add up to (from the plan), for progress and ETA. */
  totals: { files: number; bytes: number };
  /** Size of the largest file, so block buffers are sized once for the whole run. */
  largestFile: number;
  /** Requests in flight at once, fixed. Unset: adaptive, between 2 and maxConcurrency. */
  concurrency?: number;
  /** Ceiling of the adaptive concurrency. Default 128. */
  maxConcurrency?: number;
  /** Bytes all request buffers together may take when adaptive. Default 64 MiB (at least two blocks). */
  memoryBudgetBytes?: number;
  /** Requested block size in bytes (grown for huge files). Default 8 MiB. */
  blockSize?: number;
  retry?: Partial<RetryPolicy>;
  /** Skip a blob only when its bytes hash to the file's MD5, not only its Content-MD5 (one download per file in place). */
  deep?: boolean;
  /** How server-side copies are made (sizes, paths). Default: Azure's limits. */
  copyTuning?: Partial<CopyTuning>;
  /** Which small files are read whole with synchronous calls (while those stay fast). Default: up to 256 KiB. */
  syncReads?: SyncReads;
  signal?: AbortSignal;
  onEvent?: (event: TransferEvent) => void;
}

export interface EngineResult {
  progress: ProgressSnapshot;
  errors: KxpError[];
  /** The limit at the end and the range it moved in (one value when fixed). */
  concurrency: ConcurrencyRange;
  /** The memory bound of the request buffers and the most they took. */
  buffers: BufferAccounting;
}

/** The old fixed default, and where the adaptive limit starts. */
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_MAX_CONCURRENCY = 128;
/** The old default bound (8 requests × 8 MiB blocks): adaptive concurrency keeps it. */
export const DEFAULT_MEMORY_BUDGET = 64 * 1024 * 1024;
/** Stops the whole run rather than one file: nothing else can succeed either. */
const RUN_STOPPERS = new Set(['ACCESS_DENIED', 'SOURCE_ACCESS_DENIED', 'SAS_PERMISSION', 'PROXY_REFUSED', 'ABORTED']);

/**
 * Sends every item (streamed: the list of files is never held in memory), `concurrency` requests at a
 * time. Per-file failures are collected; an access error or an abort stops the run and is thrown.
 */
export async function runTransfer(items: AsyncIterable<TransferJob> | Iterable<TransferJob>, options: EngineOptions): Promise<EngineResult> {
  const requested = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const bufferSize = Math.max(1, Math.min(options.largestFile, layoutFor(options.largestFile, requested).blockSize));
  const fixed = options.concurrency !== undefined ? Math.max(1, Math.floor(options.concurrency)) : undefined;
  const accounting = new Accounting(options.totals.files, options.totals.bytes);
  const controller = new AbortController();
  // Every waiting worker and every request in flight listens to it: up to a few hundred listeners, by design.
  setMaxListeners(0, controller.signal);
  const stopRun = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stopRun, { once: true });
  if (options.signal?.aborted) stopRun();
  const emit = (event: TransferEvent) => options.onEvent?.(event);
  const errors: KxpError[] = [];
  let hasher: Md5Worker | undefined;
  const slots = new Slots({
    limit: fixed ?? DEFAULT_CONCURRENCY,
    bufferSize,
    budgetBytes: fixed !== undefined ? fixed * bufferSize : Math.max(2 * bufferSize, options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET),
  });
  const adaptive =
    fixed === undefined
      ? new ConcurrencyController({ initial: DEFAULT_CONCURRENCY, min: 2, max: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY }, (change) => {
          slots.setLimit(change.new);
          emit({ type: 'concurrency', ...change });
        })
      : undefined;
  if (adaptive) slots.setLimit(adaptive.limit);
  const copyTuning: CopyTuning = { ...DEFAULT_COPY_TUNING, ...options.copyTuning };
  const context: FileContext = {
    slots,
    largestFile: options.largestFile,
    observe: adaptive ? (attempt) => adaptive.record({ ...attempt, inFlight: slots.active }) : undefined,
    hasher: () => (hasher ??= new Md5Worker()),
    accounting,
    signal: controller.signal,
    retry: options.retry,
    emit,
    // At most one snapshot (with its ETA fit) per interval, not one per file, and an exact one at the end.
    progress: () => options.onEvent && accounting.due() && emit({ type: 'progress', progress: accounting.snapshot() }),
    deep: options.deep ?? false,
    syncReads: options.syncReads ?? new SyncReads(),
    inSlot: (request) => withSlot(context, request),
    copyTuning,
    copyMode: { blockFromUrl: copyTuning.large === 'blocks' },
  };

  emit({ type: 'transfer-start', files: accounting.filesTotal, bytes: accounting.bytesTotal });
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items[Symbol.iterator]() as Iterator<TransferJob>);
  /** A failed item: counted and told, or the end of the run (access refused, aborted). False when the run stops. */
  const failed = (item: TransferJob, thrown: unknown): boolean => {
    const error = controller.signal.aborted ? abortReason(controller.signal) : toKxpError(thrown);
    if (RUN_STOPPERS.has(error.code)) {
      if (!controller.signal.aborted) controller.abort(error);
      return false;
    }
    errors.push(error);
    accounting.fileDone('failed');
    const what = 'copy' in item ? item.copy : item.file;
    emit({ type: 'file-done', blobName: what.blobName, path: what.displayPath, size: what.size, outcome: 'failed', error });
    context.progress();
    return true;
  };
  /** Pending asynchronous copies, followed apart from the workers (they hold neither a worker nor a slot between polls). */
  const followed = new Set<Promise<void>>();
  const worker = async () => {
    while (!controller.signal.aborted) {
      let step: IteratorResult<TransferJob>;
      try {
        // Async generators queue concurrent next() calls, so workers share one iterator safely.
        step = await iterator.next();
      } catch (thrown) {
        // The payload could not be walked any further: stop everything, then report why.
        if (!controller.signal.aborted) controller.abort(toKxpError(thrown));
        return;
      }
      if (step.done) return;
      const item = step.value;
      try {
        if ('copy' in item) {
          // A server-side copy takes a slot for each of its requests; once it is only polled, the worker moves on.
          let polling: () => void = () => {};
          const nowPolling = new Promise<'polling'>((resolve) => (polling = () => resolve('polling')));
          const copy = copyBlob(item, { ...context, polling });
          if ((await Promise.race([copy.then(() => 'done' as const), nowPolling])) === 'polling') {
            const follow: Promise<void> = copy.then(
              () => void followed.delete(follow),
              (thrown: unknown) => {
                followed.delete(follow);
                failed(item, thrown);
              },
            );
            followed.add(follow);
          }
        } else {
          await transferFile(item, requested, context);
        }
      } catch (thrown) {
        if (!failed(item, thrown)) return;
      }
    }
  };
  try {
    // One worker per possible request in flight: each small file holds one slot at a time.
    await Promise.all(Array.from({ length: adaptive?.max ?? slots.limit }, worker));
    while (followed.size > 0) await Promise.all(followed);
  } finally {
    options.signal?.removeEventListener('abort', stopRun);
    if (options.onEvent) emit({ type: 'progress', progress: accounting.snapshot() });
    await hasher?.close();
  }
  if (controller.signal.aborted) throw abortReason(controller.signal);
  const concurrency = adaptive?.range() ?? { final: slots.limit, min: slots.limit, max: slots.limit };
  return { progress: accounting.snapshot(), errors, concurrency, buffers: slots.accounting() };
}

