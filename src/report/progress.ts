/**
 * Upload progress for people: on a terminal, cli-progress bars (the whole run, plus one per large file in
 * flight); elsewhere (CI logs, pipes), one plain line every few seconds. Draws only; decides nothing.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';
import type { UploadEvent } from '../operations/upload.js';
import type { ConcurrencyReason } from '../transfer/concurrency.js';
import type { ProgressSnapshot } from '../transfer/events.js';
import { formatBytes, formatCount, formatDuration, formatRate, plural } from './format.js';

export interface TransferProgressView {
  handle(event: UploadEvent): void;
  stop(): void;
}

export interface ProgressViewOptions {
  /** Lines off a terminal: one every this many ms. Default 5000. */
  intervalMs?: number;
}

type Stream = Writable & { isTTY?: boolean; columns?: number };

export function createTransferProgress(stream: Stream, options: ProgressViewOptions = {}): TransferProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream, options.intervalMs ?? 5000);
}

/** "12 MiB of 40 MiB (30%) · 3/10 files · 4.0 MiB/s · ETA 7 s". */
export function progressLine(progress: ProgressSnapshot, retries = 0): string {
  const percent = progress.bytesTotal > 0 ? Math.floor((progress.bytesDone / progress.bytesTotal) * 100) : 100;
  const files = progress.filesUploaded + progress.filesSkipped + progress.filesFailed;
  const parts = [
    `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)} (${percent}%)`,
    `${formatCount(files)}/${formatCount(progress.filesTotal)} files`,
    formatRate(Math.round(progress.rate)),
    `ETA ${progress.etaSeconds === null ? '?' : formatDuration(progress.etaSeconds)}`,
  ];
  if (progress.filesFailed > 0) parts.push(`${formatCount(progress.filesFailed)} failed`);
  if (retries > 0) parts.push(`${formatCount(retries)} retries`);
  return parts.join(' · ');
}

/** Why the adaptive concurrency changed, in words. */
const CONCURRENCY_REASONS: Record<ConcurrencyReason, string> = {
  'throughput-rising': 'throughput rising',
  probe: 'probing for more',
  throttled: 'service busy',
  timeout: 'requests timed out',
  latency: 'latency rising without gain',
};

/** "32 in flight (was 16: throughput rising)": the limit now, and the last change since the previous line. */
export function concurrencyWords(limit: number, change?: { old: number; reason: ConcurrencyReason }): string {
  return change ? `${limit} in flight (was ${change.old}: ${CONCURRENCY_REASONS[change.reason]})` : `${limit} in flight`;
}

class LinesView implements TransferProgressView {
  private last: ProgressSnapshot | undefined;
  private retries = 0;
  private concurrency: number | undefined;
  private change: { old: number; reason: ConcurrencyReason } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: Stream,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.print(), intervalMs);
    this.timer.unref();
  }

  handle(event: UploadEvent): void {
    if (event.type === 'progress') this.last = event.progress;
    else if (event.type === 'retry') this.retries++;
    else if (event.type === 'concurrency') {
      this.change = { old: this.change?.old ?? event.old, reason: event.reason };
      this.concurrency = event.new;
    } else if (event.type === 'listed') this.stream.write(`Container ${event.container}: ${plural(event.blobs, 'blob')} already there${proxyClause(event)}.\n`);
    else if (event.type === 'listing-retry') this.stream.write(listingRetryLine(event));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private print(): void {
    if (!this.last) return;
    const inFlight = this.concurrency === undefined ? '' : ` · ${concurrencyWords(this.concurrency, this.change)}`;
    this.change = undefined;
    this.stream.write(`${progressLine(this.last, this.retries)}${inFlight}\n`);
  }
}

class BarsView implements TransferProgressView {
  private readonly bars: cliProgress.MultiBar;
  private overall: cliProgress.SingleBar | undefined;
  private readonly files = new Map<string, cliProgress.SingleBar>();
  private retries = 0;

  constructor(stream: Stream) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
        fps: 5,
        format: (options, params, payload: { label?: string; line?: string }) => {
          const size = options.barsize ?? 30;
          const complete = Math.round(params.progress * size);
          const bar = '█'.repeat(complete) + '░'.repeat(Math.max(0, size - complete));
          return `${bar} ${payload.label ?? ''} ${payload.line ?? ''}`;
        },
      },
      cliProgress.Presets.shades_classic,
    );
  }

  handle(event: UploadEvent): void {
    switch (event.type) {
      case 'transfer-start':
        this.overall = this.bars.create(Math.max(1, event.bytes), 0, { label: 'total', line: '' });
        break;
      case 'file-start':
        if (event.blocks > 1) this.files.set(event.blobName, this.bars.create(Math.max(1, event.size), 0, { label: event.blobName, line: formatBytes(event.size) }));
        break;
      case 'file-progress':
        this.files.get(event.blobName)?.update(event.bytesDone, { line: `${formatBytes(event.bytesDone)} of ${formatBytes(event.size)}` });
        break;
      case 'file-done': {
        const bar = this.files.get(event.blobName);
        if (bar) {
          this.files.delete(event.blobName);
          this.bars.remove(bar);
        }
        if (event.outcome === 'failed' && event.error) this.bars.log(`failed ${event.blobName}: ${event.error.message}\n`);
        break;
      }
      case 'retry':
        this.retries++;
        break;
      case 'listing-retry':
        this.bars.log(listingRetryLine(event));
        break;
      case 'progress':
        this.overall?.update(event.progress.bytesDone, { line: progressLine(event.progress, this.retries) });
        break;
      default:
        break;
    }
  }

  stop(): void {
    this.bars.stop();
  }
}

/** Why nothing moves yet: the first request to a container is being retried. */
export function listingRetryLine(event: Extract<UploadEvent, { type: 'listing-retry' }>): string {
  return `Cannot list ${event.container} yet (${event.reason}); trying again in ${formatDuration(event.delayMs / 1000)} (attempt ${event.attempt + 1}).\n`;
}

/** `; through proxy http://host:port (HTTPS_PROXY)` when the container is reached through one, else nothing. */
function proxyClause(event: Extract<UploadEvent, { type: 'listed' }>): string {
  return event.proxy ? `; through proxy ${proxyName(event.proxy)}` : '';
}

/** For commands without the upload's listing line (verify): say that a proxy carries the requests, if one does. */
export function proxyLine(event: Extract<UploadEvent, { type: 'listed' }>): string {
  return event.proxy ? `Container ${event.container}: through proxy ${proxyName(event.proxy)}.\n` : '';
}

function proxyName(proxy: { url: string; variable: string }): string {
  return `${proxy.url} (${proxy.variable})`;
}
