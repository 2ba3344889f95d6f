/** What the transfer core tells the outside world. Renderers in src/report turn these into bars and lines. */
import type { KxpError } from '../errors.js';
import type { ConcurrencyReason } from './concurrency.js';

export interface ProgressSnapshot {
  filesTotal: number;
  filesUploaded: number;
  filesSkipped: number;
  filesFailed: number;
  bytesTotal: number;
  /** Bytes accounted for: sent, or found already in place (skipped files, staged blocks). */
  bytesDone: number;
  /** Request body bytes the service acknowledged in this run. */
  bytesSent: number;
  /** Bytes the storage service copied from remote sources in this run (not through this machine); absent: none. */
  bytesCopied?: number;
  /** Blobs copied server side in this run (included in filesUploaded); absent: none. */
  filesCopied?: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Seconds left: the bytes and the files left, each at the cost this run has shown (transfer/eta.ts); null while unknown. */
  etaSeconds: number | null;
  elapsedMs: number;
}

export type FileOutcome = 'uploaded' | 'skipped' | 'failed';

export type TransferEvent =
  | { type: 'transfer-start'; files: number; bytes: number }
  | { type: 'file-start'; blobName: string; path: string; size: number; blocks: number }
  | { type: 'file-progress'; blobName: string; bytesDone: number; size: number }
  | { type: 'file-done'; blobName: string; path: string; size: number; outcome: FileOutcome; error?: KxpError }
  | { type: 'retry'; blobName: string; attempt: number; delayMs: number; reason: string }
  /** Put Block From URL is not available on this service: large blobs are copied with Copy Blob (asynchronous) instead. */
  | { type: 'copy-fallback'; blobName: string; reason: string }
  | { type: 'progress'; progress: ProgressSnapshot }
  /** The adaptive limit of requests in flight changed, and why. */
  | { type: 'concurrency'; old: number; new: number; reason: ConcurrencyReason };
