import { randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_HEADROOM } from '../../src/azure/client.js';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { verifyPayload } from '../../src/operations/verify.js';
import type { PayloadFile } from '../../src/source/types.js';
import { runTransfer, type TransferItem } from '../../src/transfer/engine.js';
import type { TransferEvent } from '../../src/transfer/events.js';
import { openTarget } from '../../src/operations/destinations/targets.js';
import { startBusyFront, type BusyFront } from '../support/busy-front.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const KiB = 1024;
const fastRetry = { baseDelayMs: 5, maxDelayMs: 20 };
type ConcurrencyEvent = Extract<TransferEvent, { type: 'concurrency' }>;

/** `count` small files under storage/default, each a few hundred bytes. */
function smallFiles(count: number): Record<string, Buffer> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`storage/default/d${i % 10}/f${i}.txt`, randomBytes(200 + (i % 50))]));
}

describe('adaptive concurrency against Azurite', () => {
  const remote = useProxiedAzurite('adaptive');
  const tempDir = useTempDirs();

  it('grows on a link with round-trip latency only, and the connection pool grows with it', async () => {
    const dir = await tempDir();
    await writeTree(dir, smallFiles(600));
    const url = await remote.containerUrl();
    remote.proxy.setLatency(20);
    const opened = remote.proxy.connections;
    const events: ConcurrencyEvent[] = [];
    try {
      const result = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, onEvent: (event) => event.type === 'concurrency' && events.push(event) });
      expect(result).toMatchObject({ ok: true, files: { uploaded: 600, failed: 0 } });
      expect(events[0]).toEqual({ type: 'concurrency', old: 8, new: 16, reason: 'throughput-rising' });
      expect(result.concurrency?.max).toBeGreaterThanOrEqual(16);
      expect(result.concurrency?.min).toBeGreaterThanOrEqual(2);
      // Connections followed: more than the starting pool of 8 + headroom, never more than the most requests allowed + headroom.
      expect(remote.proxy.connections - opened).toBeGreaterThan(8 + SOCKET_HEADROOM);
      expect(remote.proxy.peakOpen).toBeLessThanOrEqual((result.concurrency?.max ?? 0) + SOCKET_HEADROOM);
    } finally {
      remote.proxy.setLatency(0);
    }
  });

  it('never changes a fixed --concurrency, and never opens more connections than it allows', async () => {
    const dir = await tempDir();
    await writeTree(dir, smallFiles(100));
    const url = await remote.containerUrl();
    remote.proxy.setLatency(20);
    const events: UploadEvent[] = [];
    try {
      const result = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, concurrency: 3, onEvent: (event) => events.push(event) });
      expect(result).toMatchObject({ ok: true, files: { uploaded: 100 }, concurrency: { final: 3, min: 3, max: 3 } });
      expect(events.filter((event) => event.type === 'concurrency')).toEqual([]);
    } finally {
      remote.proxy.setLatency(0);
    }
  });

  it('shrinks when requests time out', async () => {
    const dir = await tempDir();
    await writeTree(dir, smallFiles(100));
    const url = await remote.containerUrl();
    let sawShrink: () => void = () => undefined;
    const shrunk = new Promise<void>((resolve) => (sawShrink = resolve));
    const events: ConcurrencyEvent[] = [];
    const stalled = remote.proxy.stallAt(remote.proxy.bytesUp + 20 * KiB);
    const run = uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      // Short enough to time out while stalled; attempts to spare, since a loaded machine may time out a few more.
      retry: { ...fastRetry, timeoutMs: 1000, minBytesPerSecond: 1e12, maxAttempts: 30 },
      onEvent: (event) => {
        if (event.type !== 'concurrency') return;
        events.push(event);
        if (event.reason === 'timeout') sawShrink();
      },
    });
    await stalled;
    await shrunk;
    remote.proxy.release();
    const finished = await run;
    expect(finished.errors).toEqual([]);
    expect(finished).toMatchObject({ ok: true, files: { uploaded: 100 } });
    const timeouts = events.filter((event) => event.reason === 'timeout');
    expect(timeouts.length).toBeGreaterThanOrEqual(1);
    for (const event of timeouts) expect(event.new).toBeLessThan(event.old);
  });

  it('keeps request buffers within the memory budget while the concurrency grows', async () => {
    const dir = await tempDir();
    const files = smallFiles(300);
    const big = { 'storage/default/big1.bin': randomBytes(1536 * KiB), 'storage/default/big2.bin': randomBytes(1536 * KiB) };
    await writeTree(dir, { ...files, ...big });
    const url = await remote.containerUrl();
    const target = await openTarget(parseContainerSasUrl(url, 'storage SAS URL'), { stateDir: path.join(dir, 'state') });
    const items: TransferItem[] = await Promise.all(Object.entries({ ...files, ...big }).map(async ([name, data]) => ({ file: await payloadFile(dir, name, data.length), target })));
    const budget = 1024 * KiB;
    remote.proxy.setLatency(20);
    try {
      const result = await runTransfer(items, {
        totals: { files: items.length, bytes: items.reduce((sum, item) => sum + item.file.size, 0) },
        largestFile: 1536 * KiB,
        blockSize: 256 * KiB,
        memoryBudgetBytes: budget,
        onEvent: (event) => event.type === 'concurrency' && target.pool.resize(event.new),
      });
      expect(result.errors).toEqual([]);
      expect(result.concurrency.max).toBeGreaterThan(8);
      // More requests were allowed than 256 KiB blocks fit in the budget; the buffers still never exceeded it.
      expect(result.concurrency.max * 256 * KiB).toBeGreaterThan(budget);
      expect(result.buffers).toEqual({ budgetBytes: budget, peakBytes: expect.any(Number) });
      expect(result.buffers.peakBytes).toBeLessThanOrEqual(budget);
      expect(result.buffers.peakBytes).toBeGreaterThanOrEqual(512 * KiB);
    } finally {
      remote.proxy.setLatency(0);
      await target.journal.close();
    }
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url })).toMatchObject({ ok: true });
  });
});

describe('adaptive concurrency when the service is busy', () => {
  const remote = useProxiedAzurite('busy');
  const tempDir = useTempDirs();
  let front: BusyFront;
  let puts = 0;
  /** Answers PUTs number 41 to 43 with 503 ServerBusy and Retry-After, as a busy storage account does. */
  beforeAll(async () => {
    front = await startBusyFront(remote.proxy.port, (req) =>
      req.method === 'PUT' && ++puts > 40 && puts <= 43 ? { status: 503, headers: { 'retry-after': '1', 'x-ms-error-code': 'ServerBusy' } } : null,
    );
  });
  afterAll(async () => {
    await front.close();
  });

  it('shrinks on 503 with Retry-After, waits as asked, and finishes', async () => {
    const dir = await tempDir();
    await writeTree(dir, smallFiles(120));
    await remote.storage.containerSasUrl('busy');
    const url = createContainerSasUrl(remote.storage.azurite, 'busy', { baseUrl: `http://127.0.0.1:${front.port}/devstoreaccount1` });
    const events: UploadEvent[] = [];
    const result = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, retry: fastRetry, onEvent: (event) => events.push(event) });
    expect(result).toMatchObject({ ok: true, files: { uploaded: 120 } });
    const throttled = events.filter((event): event is ConcurrencyEvent => event.type === 'concurrency' && event.reason === 'throttled');
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    for (const event of throttled) expect(event.new).toBeLessThan(event.old);
    const retries = events.filter((event) => event.type === 'retry');
    expect(retries.map((event) => event.type === 'retry' && event.delayMs >= 1000)).toEqual([true, true, true]);
  });
});

/** A file as a scan saw it: the engine checks that the file it opens is this one (device and inode). */
async function payloadFile(dir: string, name: string, size: number): Promise<PayloadFile> {
  const stats = await lstat(path.join(dir, name));
  return {
    kind: 'storage',
    absolutePath: path.join(dir, name),
    displayPath: name,
    sourceName: name.replace(/^storage\//, ''),
    blobName: name.replace(/^storage\//, ''),
    container: 'default',
    size,
    mtimeMs: stats.mtimeMs,
    dev: stats.dev,
    ino: stats.ino,
  };
}
