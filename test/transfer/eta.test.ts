import { describe, expect, it } from 'vitest';
import { EtaEstimator } from '../../src/transfer/eta.js';

const MiB = 1024 * 1024;

type Step = [seconds: number, mib: number, files: number];

/** An estimator fed steps of [seconds, MiB, files] from t = 0. No clock: the times are data. */
class Feed {
  readonly estimator = new EtaEstimator();
  private ms = 0;
  private bytes = 0;
  private files = 0;

  constructor(steps: Step[] = []) {
    this.estimator.start(0);
    this.feed(steps);
  }

  feed(steps: Step[]): this {
    for (const [seconds, mib, files] of steps) {
      this.ms += seconds * 1000;
      this.bytes += mib * MiB;
      this.files += files;
      this.estimator.observe(this.ms, this.bytes, this.files);
    }
    return this;
  }

  estimate(bytesLeft: number, filesLeft: number): number | null {
    return this.estimator.estimate(bytesLeft, filesLeft);
  }
}

const repeat = (times: number, step: Step): Step[] => Array.from({ length: times }, () => step);

describe('EtaEstimator', () => {
  it('knows nothing before a second of progress, and says 0 when nothing is left', () => {
    const estimator = new Feed([[0.6, 5, 0]]);
    expect(estimator.estimate(100 * MiB, 1)).toBeNull();
    expect(estimator.estimate(0, 0)).toBe(0);
    estimator.feed([[0.6, 5, 0]]);
    expect(estimator.estimate(100 * MiB, 1)).toBeCloseTo(12, 0);
  });

  it('one large file: time left follows the byte rate', () => {
    const estimator = new Feed(repeat(10, [1, 10, 0]));
    expect(estimator.estimate(200 * MiB, 1)).toBeCloseTo(20, 1);
  });

  it('many small files: time left follows the files left, not their few bytes', () => {
    // 100 files of 1 KiB a second: the cost is the requests, not the bytes.
    const estimator = new Feed(repeat(10, [1, 100 / 1024, 100]));
    expect(estimator.estimate(500 * 1024, 500)).toBeCloseTo(5, 1);
  });

  it('a mixed payload: learns a cost per MiB and a cost per file, and prices the rest by its own mix', () => {
    // Blocks of a large file (10 MiB/s) and batches of small files (50 files/s, 20 ms each), interleaved as a run does.
    const estimator = new Feed(repeat(10, [1, 10, 0]).flatMap((block): Step[] => [block, [1, 0.05, 50]]));
    const costs = estimator.estimator.costs();
    expect(costs?.secondsPerMiB).toBeCloseTo(0.1, 2);
    expect(costs?.secondsPerFile).toBeCloseTo(0.02, 3);
    // The trial's "0.1 s with 11 s to go": 500 small files left and almost no bytes: about 10 s, not a blink.
    expect(estimator.estimate(0.25 * MiB, 500)).toBeCloseTo(10, 0);
    // The trial's "1 min 35 s for a 22 s upload": one 200 MiB file left, 20 s at the link's rate.
    expect(estimator.estimate(200 * MiB, 1)).toBeCloseTo(20, 0);
  });

  // Issue 21: one large file among many small ones, whichever comes first. The link moves 10 MiB/s; a small
  // file (4 KiB) costs 1/150 s at the run's concurrency. The cost the run has not shown yet is the prior's, not 0.
  it('a mixed payload, small files first: one large file left is priced at a link rate, not as free', () => {
    // 10 s of small files only: 75 files (0.29 MiB) every half second.
    const estimator = new Feed(repeat(20, [0.5, (75 * 4) / 1024, 75]));
    // Left: 1,500 small files (10 s) and one file of 200 MiB (20 s at 10 MiB/s): 30 s.
    const left = estimator.estimate(1500 * 4096 + 200 * MiB, 1501) ?? 0;
    // Without a byte rate the old fit said about 10 s (3× too low).
    expect(left / 30).toBeGreaterThan(0.75);
    expect(left / 30).toBeLessThan(1.5);
  });

  it('a mixed payload, the large file first: thousands of small files left are not priced as free', () => {
    // 4 s of the large file's blocks only: 5 MiB every half second, no file finished.
    const estimator = new Feed(repeat(8, [0.5, 5, 0]));
    // Left: 160 MiB of it (16 s) and 3,000 small files (20 s): 36 s.
    const left = estimator.estimate(160 * MiB + 3000 * 4096, 3001) ?? 0;
    // Without a cost per file the old fit said about 17 s (2× too low).
    expect(left / 36).toBeGreaterThan(0.7);
    expect(left / 36).toBeLessThan(1.5);
  });

  it('a stall is folded into the next sample instead of being dropped', () => {
    const estimator = new Feed([...repeat(10, [1, 10, 0]), [4, 0, 0], [1, 10, 0]]);
    // 110 MiB in 15 s: the stall counts, so the rate is below 10 MiB/s.
    expect(estimator.estimate(100 * MiB, 1)).toBeGreaterThan(10.5);
  });

  it('is smoothed: one slow interval moves it a little; a lasting change moves it all the way', () => {
    const estimator = new Feed(repeat(30, [1, 10, 0]));
    estimator.feed([[2, 10, 0]]);
    const afterOne = estimator.estimate(100 * MiB, 1) ?? 0;
    expect(afterOne).toBeGreaterThan(10);
    expect(afterOne).toBeLessThan(11);
    estimator.feed(repeat(90, [1, 5, 0]));
    expect(estimator.estimate(100 * MiB, 1)).toBeCloseTo(20, 0);
  });

  it('ignores samples closer together than half a second, so request bursts do not weigh more', () => {
    const bursty = new Feed(repeat(100, [0.1, 1, 0]));
    const even = new Feed(repeat(10, [1, 10, 0]));
    expect(bursty.estimate(100 * MiB, 0)).toBeCloseTo(even.estimate(100 * MiB, 0) ?? 0, 1);
  });
});
