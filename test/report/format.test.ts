import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, plural } from '../../src/report/format.js';

describe('format', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(2.5 * 1024 ** 3)).toBe('2.50 GiB');
    expect(formatBytes(500 * 1024 ** 3)).toBe('500 GiB');
  });
  it('formats durations for people', () => {
    expect(formatDuration(0.42)).toBe('0.4 s');
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
  });
  it('formats counts and plurals', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(2, 'file')).toBe('2 files');
    expect(plural(1, 'retry')).toBe('1 retry');
    expect(plural(3, 'retry')).toBe('3 retries');
    expect(plural(2, 'day')).toBe('2 days');
    expect(plural(1, 'blob')).toBe('1 blob');
    expect(plural(12345, 'byte', undefined, { digits: 'plain' })).toBe('12345 bytes');
  });

  it('never says "1 retries" or "1 blobs" in progress, listing and rehearse lines', async () => {
    const { progressLine } = await import('../../src/report/progress.js');
    const { listingProgressLine } = await import('../../src/report/listing.js');
    const { stepDetail } = await import('../../src/report/rehearse.js');
    const progress = { bytesDone: 1, bytesTotal: 2, filesUploaded: 1, filesSkipped: 0, filesFailed: 0, filesTotal: 1, rate: 1, etaSeconds: 1 } as Parameters<typeof progressLine>[0];
    expect(progressLine(progress, 1)).toMatch(/ · 1 retry$/);
    expect(listingProgressLine({ type: 'listing-progress', container: 'acct/files', blobs: 1 } as Parameters<typeof listingProgressLine>[0])).toBe('Listing acct/files: 1 blob so far.\n');
    const step = (facts: object) => stepDetail({ name: 'x', ok: true, durationMs: 1, facts } as unknown as Parameters<typeof stepDetail>[0]);
    expect(step({ kind: 'plan', files: 1, bytes: 1 })).toBe('1 file, 1 byte, no errors');
    expect(step({ kind: 'source', blobs: 1, bytes: 5 })).toMatch(/^1 blob, 5 bytes of the --storage-from sources/);
    expect(step({ kind: 'environment', identicalBlobs: 1, xperienceVersion: null })).toBe('1 blob identical to the source');
  });
});
