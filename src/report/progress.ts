/**
 * Upload progress for people: on a terminal, cli-progress bars (the whole run, plus one per large file in
 * flight); elsewhere (CI logs, pipes), one plain line every few seconds. Draws only; decides nothing.
 */
import cliProgress from 'cli-progress';
import type { Writable } from 'node:stream';
import type { UploadEvent } from '../operations/upload.js';
import type { ConcurrencyReason } from '../transfer/concurrency.js';
import type { ProgressSnapshot } from '../transfer/events.js';
import { formatBytes, formatCount, formatDuration, formatRate, plural, wrapText } from './format.js';
import { ListingNotices } from './listing.js';
import { escapeName, escapeText } from './escape.js';

export interface TransferProgressView {
  handle(event: UploadEvent): void;
  stop(): void;
}

export interface ProgressViewOptions {
  /** Lines off a terminal: one every this many ms. Default 5000. */
  intervalMs?: number;
  /** Draw the progress (bars on a terminal, lines elsewhere). Default true; notices are shown either way. */
  progress?: boolean;
  /** No notices either (retries, failures, listing retries): `--quiet`. Default false. */
  quiet?: boolean;
  /** Clock for spacing retry notices (tests pass their own). */
  now?: () => number;
}

type Stream = Writable & { isTTY?: boolean; columns?: number };

/** A display drawing progress; notices are written through it so they land above its bars. */
interface ProgressDisplay extends TransferProgressView {
  log(line: string): void;
}

/**
 * What a person sees of an upload on stderr: the progress display (unless --no-progress) and the notices
 * that explain a wait or a failure (unless --quiet), so a stalled run is never silent.
 */
export function createTransferProgress(stream: Stream, options: ProgressViewOptions = {}): TransferProgressView {
  const display: ProgressDisplay | undefined = options.progress === false ? undefined : stream.isTTY ? new BarsView(stream) : new LinesView(stream, options.intervalMs ?? 5000);
  const notices = options.quiet ? undefined : new TransferNotices(options.now ?? Date.now);
  return {
    handle(event) {
      display?.handle(event);
      const line = notices?.lineFor(event);
      if (line && display) display.log(line);
      else if (line) stream.write(line);
    },
    stop() {
      display?.stop();
    },
  };
}

/** Retries come in bursts (every request of a dropped connection): one notice per this many ms at most. */
const RETRY_NOTICE_MS = 5000;

/** Decides nothing about the run: only which events deserve a line of their own, and its words. */
class TransferNotices {
  private lastRetryNotice = -Infinity;
  private unreported = 0;
  private readonly listing: ListingNotices;

  constructor(private readonly now: () => number) {
    this.listing = new ListingNotices(now);
  }

  lineFor(event: UploadEvent): string | undefined {
    switch (event.type) {
      case 'listing-retry':
        return listingRetryLine(event);
      case 'listing-progress':
        return this.listing.lineFor(event);
      case 'copying':
      case 'copy-fallback':
        return copyLine(event);
      case 'retry': {
        this.unreported++;
        const now = this.now();
        if (now - this.lastRetryNotice < RETRY_NOTICE_MS) return undefined;
        const others = this.unreported - 1;
        this.lastRetryNotice = now;
        this.unreported = 0;
        return `Retrying ${escapeName(event.blobName)} (${escapeText(event.reason)}) in ${formatDuration(event.delayMs / 1000)}, attempt ${event.attempt + 1}${others > 0 ? `; ${plural(others, 'other request')} retried since the last notice` : ''}.\n`;
      }
      case 'file-done':
        return event.outcome === 'failed' && event.error ? `failed ${escapeName(event.blobName)}: ${escapeText(event.error.message)}\n` : undefined;
      default:
        return undefined;
    }
  }
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
  if (retries > 0) parts.push(plural(retries, 'retry'));
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

class LinesView implements ProgressDisplay {
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
  }

  log(line: string): void {
    this.stream.write(line);
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

type BarPayload = { kind: 'total'; progress: ProgressSnapshot | undefined; retries: number } | { kind: 'file'; name: string; bytesDone: number; size: number };

class BarsView implements ProgressDisplay {
  private readonly bars: cliProgress.MultiBar;
  private overall: cliProgress.SingleBar | undefined;
  private readonly files = new Map<string, cliProgress.SingleBar>();
  private retries = 0;

  constructor(private readonly stream: Stream) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
        fps: 5,
        // Read at every frame, so a resized terminal gets lines of its new width.
        format: (_options, params, payload: BarPayload) => renderBarLine(params.progress, payload, stream.columns ?? 80),
      },
      cliProgress.Presets.shades_classic,
    );
  }

  handle(event: UploadEvent): void {
    switch (event.type) {
      case 'transfer-start':
        this.overall = this.bars.create(Math.max(1, event.bytes), 0, { kind: 'total', progress: undefined, retries: 0 } satisfies BarPayload);
        break;
      case 'file-start':
        if (event.blocks > 1) this.files.set(event.blobName, this.bars.create(Math.max(1, event.size), 0, { kind: 'file', name: escapeName(event.blobName), bytesDone: 0, size: event.size } satisfies BarPayload));
        break;
      case 'file-progress':
        this.files.get(event.blobName)?.update(event.bytesDone, { kind: 'file', name: escapeName(event.blobName), bytesDone: event.bytesDone, size: event.size } satisfies BarPayload);
        break;
      case 'file-done': {
        const bar = this.files.get(event.blobName);
        if (bar) {
          this.files.delete(event.blobName);
          this.bars.remove(bar);
        }
        break;
      }
      case 'retry':
        this.retries++;
        break;
      case 'progress':
        this.overall?.update(event.progress.bytesDone, { kind: 'total', progress: event.progress, retries: this.retries } satisfies BarPayload);
        break;
      default:
        break;
    }
  }

  /**
   * Notices go above the bars, so the bars are not torn. The bars switch the terminal's line wrapping off
   * while they run, so a notice longer than the terminal would be cut at its edge (mid-number): wrapped here.
   */
  log(line: string): void {
    this.bars.log(wrapText(line, (this.stream.columns ?? 80) - 1));
  }

  stop(): void {
    // cli-progress prints logged lines at its next frame, and stop() draws none: one last frame, so no notice is lost.
    if (this.overall) this.bars.update();
    this.bars.stop();
  }
}

const BAR_MAX = 30;
const BAR_MIN = 10;

function bar(fraction: number, width: number): string {
  const complete = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(complete) + '░'.repeat(width - complete);
}

/** Characters as a terminal counts them (code points; names are mostly Latin). */
function width(text: string): number {
  return Array.from(text).length;
}

/**
 * One bar line that fits `columns`: the bar is shortened, then dropped, then the words around the numbers;
 * the numbers (percent, files, rate, ETA) always stay. A file's name is shortened in the middle.
 */
export function renderBarLine(fraction: number, payload: BarPayload, columns: number): string {
  const room = Math.max(20, columns - 1);
  if (payload.kind === 'file') {
    const sizes = `${formatBytes(payload.bytesDone)} of ${formatBytes(payload.size)}`;
    const barWidth = Math.max(BAR_MIN, Math.min(BAR_MAX, room - sizes.length - width(payload.name) - 2));
    const nameRoom = room - barWidth - sizes.length - 2;
    if (nameRoom >= 16) return `${bar(fraction, barWidth)} ${shortenMiddle(payload.name, nameRoom)} ${sizes}`;
    return `${shortenMiddle(payload.name, Math.max(8, room - sizes.length - 1))} ${sizes}`;
  }
  const texts = payload.progress ? totalTexts(payload.progress, payload.retries) : ['total'];
  for (const [index, text] of texts.entries()) {
    const label = index === 0 ? `total ${text}` : text;
    const barWidth = Math.min(BAR_MAX, room - width(label) - 1);
    if (barWidth >= BAR_MIN) return `${bar(fraction, barWidth)} ${label}`;
    if (width(label) <= room) return label;
  }
  return texts.at(-1) ?? '';
}

/** The total line from the longest to the shortest wording; each one has every number. */
function totalTexts(progress: ProgressSnapshot, retries: number): string[] {
  const percent = progress.bytesTotal > 0 ? Math.floor((progress.bytesDone / progress.bytesTotal) * 100) : 100;
  const files = progress.filesUploaded + progress.filesSkipped + progress.filesFailed;
  const eta = progress.etaSeconds === null ? '?' : formatDuration(progress.etaSeconds);
  const rate = formatRate(Math.round(progress.rate));
  const failed = progress.filesFailed > 0 ? [`${formatCount(progress.filesFailed)} failed`] : [];
  const retried = retries > 0 ? [plural(retries, 'retry')] : [];
  const short = [`${percent}%`, `${formatCount(files)}/${formatCount(progress.filesTotal)} files`, rate, `ETA ${eta}`, ...failed, ...retried];
  return [progressLine(progress, retries), short.join(' · '), short.join(' ')];
}

/** "default/assets/…/photo.jpg": the start and the end of a name kept, the middle cut. */
export function shortenMiddle(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const keep = Math.max(1, max - 1);
  const head = Math.ceil(keep / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (keep - head)).join('');
}

/** Server-side copies: what the service moves itself, and how large blobs are copied. */
export function copyLine(event: Extract<UploadEvent, { type: 'copying' | 'copy-fallback' }>): string {
  if (event.type === 'copy-fallback') {
    return `The service does not implement Put Block From URL (${event.reason}); large blobs are copied with Copy Blob (asynchronous), status polled.\n`;
  }
  return `${plural(event.files, 'blob')} (${formatBytes(event.bytes)}) from ${event.sources.join(', ')} are copied by Azure Storage itself: the data does not pass through this machine.\n`;
}

/** Why nothing moves yet: a listing page of a container is being retried. */
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
