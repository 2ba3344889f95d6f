import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTransferProgress, progressLine } from '../../src/report/progress.js';
import type { ProgressSnapshot } from '../../src/transfer/events.js';

const MiB = 1024 * 1024;
const snapshot = (done: number): ProgressSnapshot => ({
  filesTotal: 10, filesUploaded: 3, filesSkipped: 1, filesFailed: 0, bytesTotal: 40 * MiB, bytesDone: done, bytesSent: done, rate: 4 * MiB, etaSeconds: (40 * MiB - done) / (4 * MiB), elapsedMs: 3000,
});

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('upload progress rendering', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('formats one line with bytes, percent, files, rate, ETA and retries', () => {
    expect(progressLine(snapshot(12 * MiB), 2)).toBe('12.0 MiB of 40.0 MiB (30%) · 4/10 files · 4.00 MiB/s · ETA 7 s · 2 retries');
  });

  it('off a terminal, prints a plain line every interval and nothing after stop', () => {
    vi.useFakeTimers();
    const out = capture(false);
    const view = createTransferProgress(out.stream, { intervalMs: 5000 });
    view.handle({ type: 'transfer-start', files: 10, bytes: 40 * MiB });
    view.handle({ type: 'progress', progress: snapshot(8 * MiB) });
    view.handle({ type: 'retry', blobName: 'db.bacpac', attempt: 1, delayMs: 10, reason: 'ECONNRESET' });
    vi.advanceTimersByTime(5000);
    view.handle({ type: 'progress', progress: snapshot(20 * MiB) });
    view.handle({ type: 'concurrency', old: 8, new: 16, reason: 'throughput-rising' });
    view.handle({ type: 'concurrency', old: 16, new: 32, reason: 'throughput-rising' });
    vi.advanceTimersByTime(5000);
    view.handle({ type: 'concurrency', old: 32, new: 22, reason: 'throttled' });
    vi.advanceTimersByTime(5000);
    vi.advanceTimersByTime(5000);
    view.stop();
    vi.advanceTimersByTime(20_000);
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      '8.00 MiB of 40.0 MiB (20%) · 4/10 files · 4.00 MiB/s · ETA 8 s · 1 retries',
      // The adaptive concurrency: where it is, and what changed it since the line before.
      '20.0 MiB of 40.0 MiB (50%) · 4/10 files · 4.00 MiB/s · ETA 5 s · 1 retries · 32 in flight (was 8: throughput rising)',
      '20.0 MiB of 40.0 MiB (50%) · 4/10 files · 4.00 MiB/s · ETA 5 s · 1 retries · 22 in flight (was 32: service busy)',
      '20.0 MiB of 40.0 MiB (50%) · 4/10 files · 4.00 MiB/s · ETA 5 s · 1 retries · 22 in flight',
    ]);
  });

  it('on a terminal, draws a bar for the run and one per large file in flight', () => {
    const out = capture(true);
    const view = createTransferProgress(out.stream);
    view.handle({ type: 'transfer-start', files: 2, bytes: 40 * MiB });
    view.handle({ type: 'file-start', blobName: 'db.bacpac', path: 'migration/db.bacpac', size: 32 * MiB, blocks: 4 });
    view.handle({ type: 'file-start', blobName: 'default/a.txt', path: 'a.txt', size: 10, blocks: 1 });
    view.handle({ type: 'file-progress', blobName: 'db.bacpac', bytesDone: 16 * MiB, size: 32 * MiB });
    view.handle({ type: 'progress', progress: snapshot(16 * MiB) });
    view.stop();
    expect(out.text()).toContain('db.bacpac 16.0 MiB of 32.0 MiB');
    expect(out.text()).toContain('total 16.0 MiB of 40.0 MiB (40%)');
    expect(out.text()).not.toContain('default/a.txt');
  });
});
