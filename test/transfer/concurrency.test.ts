import { describe, expect, it } from 'vitest';
import { ConcurrencyController, type ConcurrencyChange, type RequestSample } from '../../src/transfer/concurrency.js';

/** How a simulated link answers a request sent while `inFlight` requests (itself included) are out. */
type Link = (inFlight: number, now: number) => { latencyMs: number; outcome?: RequestSample['outcome']; retryAfterMs?: number };

/**
 * A discrete-event run on a fake clock: the engine keeps exactly `limit` requests out (always saturated),
 * each request's latency fixed by the link when it starts; every answer is a sample for the controller.
 */
function simulate(link: Link, options: { requests: number; bytes?: number; max?: number }) {
  let now = 0;
  const changes: ConcurrencyChange[] = [];
  const controller = new ConcurrencyController({ max: options.max ?? 128 }, (change) => changes.push(change), () => now);
  const out: Array<{ startedAt: number; endsAt: number; outcome: RequestSample['outcome']; retryAfterMs?: number }> = [];
  const limits: number[] = [];
  let started = 0;
  const fill = () => {
    while (out.length < controller.limit && started < options.requests) {
      started++;
      const answer = link(out.length + 1, now);
      out.push({ startedAt: now, endsAt: now + answer.latencyMs, outcome: answer.outcome ?? 'ok', retryAfterMs: answer.retryAfterMs });
    }
  };
  fill();
  while (out.length > 0) {
    out.sort((a, b) => a.endsAt - b.endsAt);
    const done = out[0]!;
    now = done.endsAt;
    controller.record({ startedAt: done.startedAt, endedAt: now, bytes: options.bytes ?? 30_000, outcome: done.outcome, retryAfterMs: done.retryAfterMs, inFlight: out.length });
    out.shift();
    limits.push(controller.limit);
    fill();
  }
  return { controller, changes, limits, elapsedMs: now };
}

describe('ConcurrencyController', () => {
  it('grows to the ceiling on a link with round-trip latency only', () => {
    const { controller, changes } = simulate(() => ({ latencyMs: 40 }), { requests: 20_000 });
    expect(controller.range()).toEqual({ final: 128, min: 8, max: 128 });
    expect(changes.slice(0, 4)).toEqual([
      { old: 8, new: 16, reason: 'throughput-rising' },
      { old: 16, new: 32, reason: 'throughput-rising' },
      { old: 32, new: 64, reason: 'throughput-rising' },
      { old: 64, new: 128, reason: 'throughput-rising' },
    ]);
  });

  it('respects a lower ceiling', () => {
    const { controller } = simulate(() => ({ latencyMs: 40 }), { requests: 5_000, max: 20 });
    expect(controller.range()).toEqual({ final: 20, min: 8, max: 20 });
  });

  it('stops growing where the service is the limit and latency only climbs, and goes back', () => {
    // A service that completes at most 100 requests/s whatever the number sent: more in flight only queue.
    const { controller, changes } = simulate((inFlight) => ({ latencyMs: Math.max(20, (inFlight / 100) * 1000) }), { requests: 5_000 });
    expect(changes.some((change) => change.reason === 'latency')).toBe(true);
    expect(controller.range().final).toBeLessThanOrEqual(10);
    expect(controller.range().max).toBeLessThanOrEqual(16);
  });

  it('keeps rising on a shared bandwidth cap as long as the per-request round trip still costs throughput', () => {
    // 80 ms round trip, 2.5 MB/s shared by everything in flight, 30 kB requests.
    const { controller } = simulate((inFlight) => ({ latencyMs: 80 + (inFlight * 30_000) / 2_500 }), { requests: 5_000 });
    expect(controller.range().final).toBeGreaterThanOrEqual(16);
  });

  it('shrinks on 503 answers and does not grow again before Retry-After has passed', () => {
    let busyUntil = 0;
    const { controller, changes } = simulate(
      (inFlight, now) => {
        // The service refuses everything above 20 in flight for 2 s each time it is pushed too far.
        if (inFlight > 20 || now < busyUntil) {
          if (now >= busyUntil) busyUntil = now + 2_000;
          return { latencyMs: 5, outcome: 'throttled', retryAfterMs: 2_000 };
        }
        return { latencyMs: 40 };
      },
      { requests: 20_000 },
    );
    const throttled = changes.filter((change) => change.reason === 'throttled');
    expect(throttled.length).toBeGreaterThan(0);
    for (const change of throttled) expect(change.new).toBeLessThan(change.old);
    expect(controller.range().max).toBeLessThanOrEqual(32);
    expect(controller.range().min).toBeGreaterThanOrEqual(2);
  });

  it('shrinks once per burst of timeouts, not once per timed-out request', () => {
    let now = 0;
    const changes: ConcurrencyChange[] = [];
    const controller = new ConcurrencyController({ initial: 64, max: 128 }, (change) => changes.push(change), () => now);
    now = 60_000;
    // Sixty requests sent at once all time out together.
    for (let i = 0; i < 60; i++) controller.record({ startedAt: 0, endedAt: now, bytes: 8 << 20, outcome: 'timeout', inFlight: 60 - i });
    expect(changes).toEqual([{ old: 64, new: 44, reason: 'timeout' }]);
    // A request sent after that decrease times out too: a second decrease.
    controller.record({ startedAt: 60_001, endedAt: 120_001, bytes: 8 << 20, outcome: 'timeout', inFlight: 1 });
    expect(changes.at(-1)).toEqual({ old: 44, new: 30, reason: 'timeout' });
  });

  it('never goes below its floor of 2', () => {
    let now = 0;
    const controller = new ConcurrencyController({ max: 128 }, undefined, () => now);
    for (let i = 1; i <= 20; i++) {
      now = i * 1000;
      controller.record({ startedAt: now - 1, endedAt: now, bytes: 0, outcome: 'throttled', inFlight: 1 });
    }
    expect(controller.range()).toEqual({ final: 2, min: 2, max: 8 });
  });

  it('does not grow while the engine leaves slots unused', () => {
    // Only 3 requests are ever out (e.g. one large file read from a slow disk): the limit is not what holds it back.
    let now = 0;
    const controller = new ConcurrencyController({ max: 128 }, undefined, () => now);
    for (let i = 0; i < 2_000; i++) {
      now += 10;
      controller.record({ startedAt: now - 30, endedAt: now, bytes: 1000, outcome: 'ok', inFlight: 3 });
    }
    expect(controller.range()).toEqual({ final: 8, min: 8, max: 8 });
  });
});
