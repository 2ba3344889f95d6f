import { createHash, randomBytes } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;
const fastRetry = { baseDelayMs: 5, maxDelayMs: 50 };
const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');

/**
 * Every request body carries a transactional MD5, so a byte damaged on the way is refused by the service
 * (400 Md5Mismatch) and sent again, and the blob that lands is the file. Without the MD5 the damaged byte
 * would be stored silently, and these tests would fail on the retry count and the content.
 */
describe('transactional MD5 against damage in transit (real proxy flipping one byte)', () => {
  const remote = useProxiedAzurite('integrity');
  const tempDir = useTempDirs();

  async function uploadWithOneFlippedByte(files: Record<string, Buffer>, options: { blockSizeMiB?: number }) {
    const dir = await tempDir();
    await writeTree(dir, files);
    const url = await remote.containerUrl();
    const retries: string[] = [];
    // Half a MiB into the traffic from here: inside a request body (bodies dwarf the headers).
    remote.proxy.corruptAt(remote.proxy.bytesUp + MiB / 2);
    const result = await uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      concurrency: 1,
      retry: fastRetry,
      ...options,
      onEvent: (event: UploadEvent) => {
        if (event.type === 'retry') retries.push(event.reason);
      },
    });
    return { result, retries, container: new ContainerClient(url) };
  }

  it('Put Block: the damaged block is refused and resent; the committed blob equals the file', async () => {
    const data = randomBytes(3 * MiB + 5);
    const { result, retries, container } = await uploadWithOneFlippedByte({ 'storage/default/big.bin': data }, { blockSizeMiB: 1 });
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ ok: true, files: { uploaded: 1, failed: 0 } });
    expect(retries).toEqual([expect.stringContaining('MD5 mismatch')]);
    expect((await container.getBlobClient('default/big.bin').downloadToBuffer()).equals(data)).toBe(true);
  });

  it('Put Blob: a damaged small file is refused and resent; the stored blob equals the file', async () => {
    const data = randomBytes(2 * MiB);
    const { result, retries, container } = await uploadWithOneFlippedByte({ 'storage/default/photo.jpg': data }, {});
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ ok: true, files: { uploaded: 1, failed: 0 } });
    expect(retries).toEqual([expect.stringContaining('MD5 mismatch')]);
    const blob = container.getBlobClient('default/photo.jpg');
    expect((await blob.downloadToBuffer()).equals(data)).toBe(true);
    expect(Buffer.from((await blob.getProperties()).contentMD5 ?? []).toString('base64')).toBe(md5(data));
  });
});
