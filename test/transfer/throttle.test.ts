import { randomBytes } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { verifyPayload } from '../../src/operations/verify.js';
import { useAzurite } from '../support/azurite.js';
import { startBusyFront, type BusyFront } from '../support/busy-front.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;

describe('throttling, server errors and foreign blocks', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let front: BusyFront;
  let frontPort = 0;
  let putCount = 0;
  let refused = 0;
  /** Which PUTs to refuse; by default every third one. */
  let refuse = (_url: string) => ++putCount % 3 === 0;
  /** Every third PUT is answered like a busy storage account: 503 ServerBusy (or 500), with Retry-After. */
  beforeAll(async () => {
    front = await startBusyFront(storage.azurite.port, (req) => {
      if (req.method !== 'PUT' || !refuse(req.url ?? '')) return null;
      refused++;
      const busy = putCount % 2 === 0;
      return { status: busy ? 503 : 500, headers: { 'retry-after': '0', 'x-ms-error-code': busy ? 'ServerBusy' : 'InternalError' } };
    });
    frontPort = front.port;
  });
  afterAll(async () => {
    await front.close();
  });

  it('retries 503 and 500 per request with backoff, without restarting files, and the result verifies', async () => {
    const dir = await tempDir();
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`storage/default/f${i}.bin`, randomBytes(5000)]));
    await writeTree(dir, { ...files, 'storage/default/big.bin': randomBytes(3 * MiB) });
    await storage.containerSasUrl('throttled');
    const url = createContainerSasUrl(storage.azurite, 'throttled', { baseUrl: `http://127.0.0.1:${frontPort}/devstoreaccount1` });
    const retries: Array<{ reason: string; blobName: string }> = [];
    const result = await uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      blockSizeMiB: 0.25,
      concurrency: 3,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      onEvent: (event: UploadEvent) => event.type === 'retry' && retries.push(event),
    });
    expect(result).toMatchObject({ ok: true, files: { uploaded: 13, failed: 0 } });
    // Each refused request was retried alone: bytes acknowledged equal the payload exactly.
    expect(result.bytes.sent).toBe(12 * 5000 + 3 * MiB);
    expect(refused).toBeGreaterThan(5);
    expect(retries.length).toBe(refused);
    expect(new Set(retries.map((retry) => retry.reason))).toEqual(new Set(['HTTP 503 ServerBusy', 'HTTP 500 InternalError']));
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url })).toMatchObject({ ok: true });
  });

  it('gives up on a file after the last attempt and reports it, while the other files still upload', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'bravo' });
    await storage.containerSasUrl('gives-up');
    const url = createContainerSasUrl(storage.azurite, 'gives-up', { baseUrl: `http://127.0.0.1:${frontPort}/devstoreaccount1` });
    refuse = (blobUrl) => blobUrl.includes('/a.txt');
    const result = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, concurrency: 1, retry: { maxAttempts: 3, baseDelayMs: 1 } });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual({ total: 2, uploaded: 1, skipped: 0, failed: 1, copied: 0 });
    expect(result.errors).toEqual([{ code: 'TRANSFER_FAILED', path: expect.stringMatching(/storage\/default\/a\.txt$/), message: expect.stringMatching(/^Gave up after 3 attempts: HTTP 5\d\d \w+\. .*run the same command again/) }]);
  });

  it('replaces blocks another tool staged or committed with IDs of another length', async () => {
    const dir = await tempDir();
    const data = randomBytes(MiB);
    await writeTree(dir, { 'storage/default/big.bin': data });
    const url = await storage.containerSasUrl('foreign');
    const blob = new ContainerClient(url).getBlockBlobClient('default/big.bin');
    await blob.stageBlock(Buffer.from('azcopy-0001').toString('base64'), randomBytes(1000), 1000);
    const result = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, blockSizeMiB: 0.25 });
    expect(result).toMatchObject({ ok: true, files: { uploaded: 1 } });
    expect(Buffer.from(await blob.downloadToBuffer()).equals(data)).toBe(true);

    // A blob committed by the SDK's own chunked upload (its own block IDs) is replaced cleanly too.
    const other = new ContainerClient(url).getBlockBlobClient('default/other.bin');
    await other.uploadData(randomBytes(MiB + 5), { blockSize: 256 * 1024, maxSingleShotSize: 1024 });
    const replacement = randomBytes(MiB);
    await writeTree(dir, { 'storage/default/other.bin': replacement });
    expect(await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, blockSizeMiB: 0.25 })).toMatchObject({ ok: true, files: { uploaded: 1, skipped: 1 } });
    expect(Buffer.from(await other.downloadToBuffer()).equals(replacement)).toBe(true);
  });
});
