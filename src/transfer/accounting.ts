/** Counts files and bytes as the engine reports them, and derives rate and ETA. Pure bookkeeping. */
import { EtaEstimator } from './eta.js';
import type { FileOutcome, ProgressSnapshot } from './events.js';

const RATE_WINDOW_MS = 10_000;
/** One rate sample per this many ms is plenty, and keeps the window short whatever the request rate. */
const SAMPLE_EVERY_MS = 250;
/** Progress snapshots are emitted at most this often (and once when the run ends). */
const PROGRESS_INTERVAL_MS = 100;

export class Accounting {
  private readonly started = Date.now();
  private lastDue = -Infinity;
  private filesUploaded = 0;
  private filesSkipped = 0;
  private filesFailed = 0;
  private bytesDone = 0;
  private bytesSent = 0;
  private bytesCopied = 0;
  private filesCopied = 0;
  /** (time, bytesSent) samples for the sliding-window rate. */
  private samples: Array<[number, number]> = [[Date.now(), 0]];
  /** Time left from the bytes and the files left, each at the cost this run has shown so far. */
  private readonly eta = new EtaEstimator();

  constructor(
    readonly filesTotal: number,
    readonly bytesTotal: number,
  ) {
    this.eta.start(this.started);
  }

  sent(bytes: number): void {
    this.bytesSent += bytes;
    this.bytesDone += bytes;
    this.sample();
  }

  /** The rate counts bytes moved: sent by us, or copied by the service. */
  private sample(): void {
    const moved = this.bytesSent + this.bytesCopied;
    const now = Date.now();
    const last = this.samples.at(-1);
    if (last && now - last[0] < SAMPLE_EVERY_MS && this.samples.length > 1) last[1] = moved;
    else this.samples.push([now, moved]);
    while (this.samples.length > 2 && (this.samples[1]?.[0] ?? now) < now - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Bytes the storage service copied from a remote source (they never pass through this machine). */
  copied(bytes: number): void {
    this.bytesCopied += bytes;
    this.bytesDone += bytes;
    this.sample();
  }

  /** A blob copied server side: counted as uploaded, and among the copies. */
  copyDone(): void {
    this.filesCopied++;
    this.fileDone('uploaded');
  }

  /** Bytes that need no sending (already remote). */
  found(bytes: number): void {
    this.bytesDone += bytes;
  }

  /** A failed file's unsent bytes still count as done for the progress total. */
  fileDone(outcome: FileOutcome, unaccountedBytes = 0): void {
    if (outcome === 'uploaded') this.filesUploaded++;
    else if (outcome === 'skipped') this.filesSkipped++;
    else this.filesFailed++;
    this.bytesDone += unaccountedBytes;
  }

  /**
   * Whether a progress snapshot is due: at most one per PROGRESS_INTERVAL_MS. One per file cost more than
   * the file itself at thousands of files a second.
   */
  due(now = performance.now()): boolean {
    if (now - this.lastDue < PROGRESS_INTERVAL_MS) return false;
    this.lastDue = now;
    return true;
  }

  snapshot(): ProgressSnapshot {
    const now = Date.now();
    const first = this.samples[0] ?? [now, 0];
    const span = (now - first[0]) / 1000;
    const rate = span > 0.2 ? (this.bytesSent + this.bytesCopied - first[1]) / span : 0;
    const filesDone = this.filesUploaded + this.filesSkipped + this.filesFailed;
    // The pace is learned from work that took time: what was sent or copied. Files and blocks found in place
    // are done in an instant, and counting them would make the rest look many times faster than it is.
    this.eta.observe(now, this.bytesSent + this.bytesCopied, this.filesUploaded + this.filesFailed);
    return {
      filesTotal: this.filesTotal,
      filesUploaded: this.filesUploaded,
      filesSkipped: this.filesSkipped,
      filesFailed: this.filesFailed,
      bytesTotal: this.bytesTotal,
      bytesDone: this.bytesDone,
      bytesSent: this.bytesSent,
      bytesCopied: this.bytesCopied,
      filesCopied: this.filesCopied,
      rate,
      etaSeconds: this.eta.estimate(this.bytesTotal - this.bytesDone, this.filesTotal - filesDone),
      elapsedMs: now - this.started,
    };
  }
}
