import { createHash, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { isKxpError } from '../../src/errors.js';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { verifyPayload } from '../../src/operations/verify.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;
const fastRetry = { baseDelayMs: 5, maxDelayMs: 100, timeoutMs: 20_000 };
const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');

describe('transfer under faults (real TCP proxy in front of Azurite)', () => {
  const remote = useProxiedAzurite('faults');
  const tempDir = useTempDirs();
  const container = () => remote.containerUrl();

  it('completes and verifies while the proxy resets connections every 1.5 MiB', async () => {
    const dir = await tempDir();
    const big = randomBytes(12 * MiB + 123);
    const small = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`storage/default/small/f${i}.bin`, randomBytes(20_000 + i)]));
    await writeTree(dir, { 'storage/default/big.bin': big, ...small });
    const url = await container();
    const retries: string[] = [];
    remote.proxy.resetEvery(1.5 * MiB);
    const resetsBefore = remote.proxy.resets;
    try {
      const result = await uploadPayload({ dir, storageOnly: true }, {
        storageSasUrl: url,
        blockSizeMiB: 0.25,
        concurrency: 4,
        retry: fastRetry,
        onEvent: (event: UploadEvent) => {
          if (event.type === 'retry') retries.push(event.reason);
        },
      });
      expect(result).toMatchObject({ ok: true, files: { total: 31, uploaded: 31, failed: 0 } });
    } finally {
      remote.proxy.resetEvery(null);
    }
    expect(remote.proxy.resets - resetsBefore).toBeGreaterThanOrEqual(8);
    expect(retries.length).toBeGreaterThanOrEqual(8);
    const blob = new ContainerClient(url).getBlockBlobClient('default/big.bin');
    expect(Buffer.from((await blob.getProperties()).contentMD5 ?? []).toString('base64')).toBe(md5(big));
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url })).toMatchObject({ ok: true, checked: 31 });
  });

  it('re-sends only the changed block of a modified file, and a file changed after staging is committed in its new version', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'storage/default/data.bin');
    await writeTree(dir, { 'storage/default/data.bin': randomBytes(4 * MiB) });
    const url = await container();
    const options = { storageSasUrl: url, blockSizeMiB: 0.5, concurrency: 2, retry: fastRetry };
    expect(await uploadPayload({ dir, storageOnly: true }, options)).toMatchObject({ ok: true, bytes: { sent: 4 * MiB } });

    // Same size, one byte changed in block 3: detected (mtime), only that block is sent again.
    await patch(file, 3 * 0.5 * MiB + 10, Buffer.from([0xff, 0x00, 0xee]));
    const second = await uploadPayload({ dir, storageOnly: true }, options);
    expect(second).toMatchObject({ ok: true, files: { uploaded: 1 }, bytes: { sent: 0.5 * MiB } });
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url })).toMatchObject({ ok: true });

    // Stopped mid-file, then block 0 (already staged) changes: the re-run must not commit the stale block.
    const controller = new AbortController();
    await patch(file, 100, randomBytes(50));
    await expect(
      uploadPayload({ dir, storageOnly: true }, { ...options, concurrency: 1, signal: controller.signal, onEvent: (event) => event.type === 'file-progress' && event.bytesDone >= MiB && controller.abort() }),
    ).rejects.toMatchObject({ code: 'ABORTED', exitCode: 3 });
    await patch(file, 200, randomBytes(50));
    const third = await uploadPayload({ dir, storageOnly: true }, options);
    expect(third).toMatchObject({ ok: true, bytes: { sent: 0.5 * MiB } });
    const remote = await new ContainerClient(url).getBlockBlobClient('default/data.bin').downloadToBuffer();
    expect(remote.equals(await readFile(file))).toBe(true);
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url })).toMatchObject({ ok: true });
  });

  it('retries a request that stalls past its timeout, on a new connection, without restarting the file', async () => {
    const dir = await tempDir();
    const data = randomBytes(2 * MiB);
    await writeTree(dir, { 'storage/default/stall.bin': data });
    const url = await container();
    let sawTimeout: () => void = () => undefined;
    const timedOut = new Promise<void>((resolve) => (sawTimeout = resolve));
    const stalled = remote.proxy.stallAt(remote.proxy.bytesUp + MiB);
    const run = uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      blockSizeMiB: 0.25,
      concurrency: 2,
      retry: { ...fastRetry, timeoutMs: 300, minBytesPerSecond: 1e12 },
      onEvent: (event) => event.type === 'retry' && event.reason === 'timeout' && sawTimeout(),
    });
    await stalled;
    await timedOut;
    remote.proxy.release();
    expect(await run).toMatchObject({ ok: true, bytes: { sent: data.length } });
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url })).toMatchObject({ ok: true });
  });

  it('verify reports a blob altered behind the tool, a stray DB.bacpac-like extra and a missing blob', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'bravo', 'storage/default/c.txt': 'charlie' });
    const url = await container();
    await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url });
    const client = new ContainerClient(url);
    await client.getBlockBlobClient('default/a.txt').upload('ALPHA', 5);
    await client.getBlockBlobClient('default/b.txt').delete();
    await client.getBlockBlobClient('DEFAULT/c.txt').upload('x', 1);
    const result = await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: url });
    expect(result).toMatchObject({ ok: false, missing: ['default/b.txt'], extra: ['DEFAULT/c.txt'], mismatched: ['default/a.txt'] });
    expect(result.details[0]?.reason).toMatch(/content differs/);
  });

  it('stops with ACCESS_DENIED (exit 3) when the SAS expires mid-run; a fresh SAS for the same container resumes', async () => {
    const dir = await tempDir();
    const data = randomBytes(6 * MiB);
    await writeTree(dir, { 'storage/default/video.mp4': data });
    const expiresOn = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    const name = 'faults-expiring';
    const shortLived = await remote.containerUrl({ name, expiresOn });
    const stalled = remote.proxy.stallAt(remote.proxy.bytesUp + 2 * MiB);
    const run = uploadPayload({ dir, storageOnly: true }, { storageSasUrl: shortLived, blockSizeMiB: 0.5, concurrency: 2, retry: fastRetry }).catch((error: unknown) => error);
    await stalled;
    await untilPast(expiresOn);
    remote.proxy.release();
    const stopped = await run;
    expect(isKxpError(stopped) && stopped.code).toBe('ACCESS_DENIED');
    expect(isKxpError(stopped) && stopped.exitCode).toBe(3);
    expect(isKxpError(stopped) && stopped.hint).toMatch(/Get access/);

    const fresh = await remote.containerUrl({ name });
    const resumed = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: fresh, blockSizeMiB: 0.5, concurrency: 2 });
    expect(resumed.ok).toBe(true);
    expect(resumed.bytes.sent).toBeLessThanOrEqual(data.length - 1.5 * MiB);
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: fresh })).toMatchObject({ ok: true });
  });
});

async function patch(file: string, offset: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
    // Make sure the mtime moves even on file systems with coarse timestamps.
    const stats = await handle.stat();
    await handle.utimes(stats.atime, new Date(stats.mtimeMs + 2000));
  } finally {
    await handle.close();
  }
}

/** Waits until the wall clock is past a moment (the condition under test is the clock itself). */
async function untilPast(moment: Date): Promise<void> {
  while (Date.now() <= moment.getTime() + 1000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
