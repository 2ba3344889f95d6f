/**
 * Adaptive concurrency: how many requests the engine keeps in flight. Pure arithmetic over request samples
 * (no timers, no I/O), in the spirit of TCP Vegas and Netflix's gradient limiters:
 * - grow while throughput (requests/s or bytes/s) still rises with the limit: doubling at first, then in
 *   smaller steps, with an occasional probe once it has settled;
 * - shrink at once on throttling answers (429, 500, 503), honouring Retry-After (no growth before it has
 *   passed), and on request timeouts;
 * - shrink when latency climbs without a throughput gain (requests only queue up somewhere).
 * Each decision compares measurement windows: a window starts when the limit changes and counts only
 * requests started after that, so what it measures belongs to the limit it judges.
 */
import { performance } from 'node:perf_hooks';

export type ConcurrencyReason = 'throughput-rising' | 'probe' | 'throttled' | 'timeout' | 'latency';

export interface ConcurrencyChange {
  old: number;
  new: number;
  reason: ConcurrencyReason;
}

/** One finished request attempt, as the pacer saw it. */
export interface RequestSample {
  /** Milliseconds on the controller's clock (performance.now by default). */
  startedAt: number;
  endedAt: number;
  /** Request body bytes. */
  bytes: number;
  outcome: 'ok' | 'throttled' | 'timeout' | 'failed';
  /** The service's Retry-After, when it gave one. */
  retryAfterMs?: number;
  /** Requests in flight when this one ended (itself included). */
  inFlight: number;
}

export interface ConcurrencyBounds {
  /** Where the limit starts. Default 8 (the old fixed default). */
  initial?: number;
  /** Lowest limit. Default 2. */
  min?: number;
  /** Highest limit (the ceiling). */
  max: number;
}

export interface ConcurrencyRange {
  final: number;
  min: number;
  max: number;
}

/** Growing on needs at least this share of the proportional gain (doubling the limit: +25% throughput). */
const GAIN_SHARE = 0.25;
/** Latency up by this share of the step, with no throughput gain, means requests only queue up somewhere. */
const LATENCY_SHARE = 0.5;
/** Less than this is no gain. */
const NO_GAIN = 1.02;
/** Multiplicative decrease on throttling and timeouts. */
const BACKOFF = 0.7;
/** Quiet windows at a settled limit before probing one step up again. */
const WINDOWS_BEFORE_PROBE = 6;

interface Window {
  limit: number;
  startedAt: number;
  /** End time of the first request of this window; the rate is counted from there. */
  firstEnd: number | null;
  lastEnd: number;
  completions: number;
  bytes: number;
  latencySum: number;
  maxInFlight: number;
}

interface Measured {
  limit: number;
  requestRate: number;
  byteRate: number;
  latency: number;
}

export class ConcurrencyController {
  readonly min: number;
  readonly max: number;
  private current: number;
  private lowest: number;
  private highest: number;
  private window: Window;
  /** The last full window before the latest change, to judge the change against. */
  private before: Measured | null = null;
  private slowStart = true;
  private quietWindows = 0;
  private holdUntil = 0;
  private lastDecreaseAt = -Infinity;

  constructor(
    bounds: ConcurrencyBounds,
    private readonly onChange: (change: ConcurrencyChange) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.max = Math.max(1, Math.floor(bounds.max));
    this.min = Math.min(this.max, Math.max(1, Math.floor(bounds.min ?? 2)));
    this.current = clamp(Math.floor(bounds.initial ?? 8), this.min, this.max);
    this.lowest = this.highest = this.current;
    this.window = this.newWindow();
  }

  get limit(): number {
    return this.current;
  }

  range(): ConcurrencyRange {
    return { final: this.current, min: this.lowest, max: this.highest };
  }

  record(sample: RequestSample): void {
    if (sample.outcome === 'throttled' || sample.outcome === 'timeout') {
      this.congestion(sample);
      return;
    }
    // Requests started under an earlier limit say nothing about this one; failures say nothing about speed.
    if (sample.outcome !== 'ok' || sample.startedAt < this.window.startedAt) return;
    const window = this.window;
    window.completions++;
    window.latencySum += sample.endedAt - sample.startedAt;
    window.maxInFlight = Math.max(window.maxInFlight, sample.inFlight);
    if (window.firstEnd === null) {
      window.firstEnd = sample.endedAt;
    } else {
      window.bytes += sample.bytes;
      window.lastEnd = sample.endedAt;
    }
    const latency = window.latencySum / window.completions;
    const span = window.lastEnd - window.firstEnd;
    if (window.completions > Math.max(8, window.limit) && span >= 2 * latency) this.judge(window, latency, span);
  }

  private congestion(sample: RequestSample): void {
    const now = this.now();
    if (sample.retryAfterMs !== undefined) this.holdUntil = Math.max(this.holdUntil, now + sample.retryAfterMs);
    this.slowStart = false;
    // A burst of refusals from one overload is one signal, not twenty: requests sent before the last
    // decrease do not cause another (a timed-out request may have been sent a minute ago).
    if (sample.startedAt < this.lastDecreaseAt) return;
    this.lastDecreaseAt = now;
    this.change(Math.floor(this.current * BACKOFF), sample.outcome === 'timeout' ? 'timeout' : 'throttled');
    this.before = null;
  }

  private judge(window: Window, latency: number, span: number): void {
    const measured: Measured = { limit: window.limit, requestRate: (window.completions - 1) / span, byteRate: window.bytes / span, latency };
    const before = this.before;
    // Fewer requests in flight than allowed: the engine had no more work ready, so the limit was not tested.
    const saturated = window.maxInFlight >= Math.ceil(window.limit * 0.9);
    if (!saturated || this.now() < this.holdUntil) {
      this.restart(measured);
      return;
    }
    if (before === null || before.limit === measured.limit) {
      this.quietWindows++;
      if (before === null && this.slowStart) return this.grow(measured, 'throughput-rising');
      if (this.quietWindows >= WINDOWS_BEFORE_PROBE) return this.grow(measured, 'probe');
      return this.restart(measured);
    }
    const gain = Math.max(ratio(measured.requestRate, before.requestRate), ratio(measured.byteRate, before.byteRate));
    const step = measured.limit / before.limit;
    if (step > 1) {
      if (gain >= 1 + GAIN_SHARE * (step - 1)) return this.grow(measured, 'throughput-rising');
      this.slowStart = false;
      // Latency rose and nothing was gained: go back to where it was.
      if (gain < NO_GAIN && measured.latency >= before.latency * (1 + LATENCY_SHARE * (step - 1))) return this.shrink(before.limit, 'latency');
      return this.settle(measured);
    }
    // After a decrease: fine as long as throughput held; a higher limit will be probed again later.
    return this.settle(measured);
  }

  private grow(measured: Measured, reason: ConcurrencyReason): void {
    const next = this.slowStart ? this.current * 2 : this.current + Math.max(1, Math.round(this.current / 4));
    this.quietWindows = 0;
    if (Math.min(next, this.max) === this.current) return this.restart(measured);
    this.before = measured;
    this.change(next, reason);
  }

  private shrink(to: number, reason: ConcurrencyReason): void {
    this.quietWindows = 0;
    this.before = null;
    this.change(to, reason);
  }

  private settle(measured: Measured): void {
    this.quietWindows = 0;
    this.restart(measured);
  }

  /** A new window at the same limit, judged against this one. */
  private restart(measured: Measured): void {
    this.before = measured;
    this.window = this.newWindow();
  }

  private change(to: number, reason: ConcurrencyReason): void {
    const next = clamp(to, this.min, this.max);
    this.window = this.newWindow();
    if (next === this.current) return;
    const old = this.current;
    this.current = next;
    this.window.limit = next;
    this.lowest = Math.min(this.lowest, next);
    this.highest = Math.max(this.highest, next);
    this.onChange({ old, new: next, reason });
  }

  private newWindow(): Window {
    return { limit: this.current, startedAt: this.now(), firstEnd: null, lastEnd: 0, completions: 0, bytes: 0, latencySum: 0, maxInFlight: 0 };
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function ratio(now: number, before: number): number {
  return before > 0 ? now / before : now > 0 ? Infinity : 1;
}
