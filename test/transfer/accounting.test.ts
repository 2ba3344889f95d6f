import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Accounting } from '../../src/transfer/accounting.js';

const MiB = 1024 * 1024;

describe('Accounting', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('learns the pace from what is sent, not from files found in place (a resumed run)', () => {
    // 2,000 small files (360 MiB) already in the container, then one 1,500 MiB file sent at 100 MiB/s.
    const accounting = new Accounting(2001, 1860 * MiB);
    for (let i = 0; i < 2000; i++) {
      accounting.found(0.18 * MiB);
      accounting.fileDone('skipped');
    }
    vi.setSystemTime(200);
    accounting.snapshot();
    let eta: number | null = null;
    for (let step = 1; step <= 8; step++) {
      vi.setSystemTime(200 + step * 500);
      accounting.sent(50 * MiB);
      eta = accounting.snapshot().etaSeconds;
    }
    // 400 MiB sent, 1,100 MiB left at 100 MiB/s: 11 s. Counting the 360 MiB found in place as progress made it about half.
    expect(eta).not.toBeNull();
    expect(eta as number).toBeGreaterThan(11 * 0.85);
    expect(eta as number).toBeLessThan(11 * 1.15);
  });
});
