import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { verifyPayload } from '../../src/operations/verify.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';
import { repoRoot } from '../support/cli.js';

const bacpacFixture = path.join(repoRoot, 'test/fixtures/bacpac/started-sql2017.bacpac');
const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');
const fastRetry = { baseDelayMs: 5, maxDelayMs: 50 };

describe('uploadPayload and verifyPayload against Azurite', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let containerCount = 0;
  const containers = async () => {
    containerCount++;
    return {
      dbSasUrl: await storage.containerSasUrl(`db-${containerCount}`),
      storageSasUrl: await storage.containerSasUrl(`files-${containerCount}`),
    };
  };

  it('uploads a multi-block bacpac and a tree of small files, with MD5s and content types; verify passes', async () => {
    const dir = await tempDir();
    await copyFile(bacpacFixture, path.join(dir, 'db.bacpac'));
    const big = randomBytes(300 * 1024 + 17);
    await writeTree(dir, {
      'storage/default/assets/logo.png': randomBytes(2000),
      'storage/default/assets/readme.txt': 'hello\n',
      'storage/default/assets/empty.css': '',
      'storage/media/big/video.mp4': big,
    });
    const urls = await containers();
    const events: UploadEvent[] = [];
    const result = await uploadPayload({ dir }, { ...urls, blockSizeMiB: 1 / 16, concurrency: 3, retry: fastRetry, onEvent: (event) => events.push(event) });
    expect(result).toMatchObject({ ok: true, files: { total: 5, uploaded: 5, skipped: 0, failed: 0 }, errors: [] });
    const bacpac = await readFile(bacpacFixture);
    expect(result.bytes.total).toBe(bacpac.length + 2000 + 6 + big.length);
    expect(result.bytes.sent).toBe(result.bytes.total);

    const db = new ContainerClient(urls.dbSasUrl);
    const dbBlob = db.getBlockBlobClient('db.bacpac');
    const properties = await dbBlob.getProperties();
    expect(Buffer.from(properties.contentMD5 ?? []).toString('base64')).toBe(md5(bacpac));
    expect(properties.contentType).toBe('application/octet-stream');
    const blocks = await dbBlob.getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBe(Math.ceil(bacpac.length / 65536));
    expect(Buffer.from(await dbBlob.downloadToBuffer()).equals(bacpac)).toBe(true);

    const files = new ContainerClient(urls.storageSasUrl);
    const names: string[] = [];
    for await (const blob of files.listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual(['default/assets/empty.css', 'default/assets/logo.png', 'default/assets/readme.txt', 'media/big/video.mp4']);
    const logo = await files.getBlobClient('default/assets/logo.png').getProperties();
    expect(logo.contentType).toBe('image/png');
    const video = files.getBlockBlobClient('media/big/video.mp4');
    expect((await video.getProperties()).contentType).toBe('video/mp4');
    expect(Buffer.from(await video.downloadToBuffer()).equals(big)).toBe(true);
    expect(events.filter((event) => event.type === 'file-progress' && event.blobName === 'media/big/video.mp4').length).toBe(5);

    const verified = await verifyPayload({ dir }, urls);
    expect(verified).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [], checked: 5 });

    // The journal sits in <dir>/.kxp-restore and a second run skips everything without sending a byte.
    expect((await readdir(path.join(dir, '.kxp-restore'))).length).toBe(2);
    const again = await uploadPayload({ dir }, { ...urls, blockSizeMiB: 1 / 16 });
    expect(again).toMatchObject({ ok: true, files: { total: 5, uploaded: 0, skipped: 5, failed: 0 }, bytes: { sent: 0 } });
  });

  it('without the journal, the remote state still decides: nothing is sent again, and half-staged blocks are reused', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/big.bin': randomBytes(2 * 1024 * 1024), 'storage/default/small.txt': 'small' });
    const urls = await containers();
    const options = { storageSasUrl: urls.storageSasUrl, blockSizeMiB: 0.25, stateDir: path.join(dir, '.kxp-restore', 'elsewhere') };
    expect(await uploadPayload({ dir, storageOnly: true }, options)).toMatchObject({ ok: true, bytes: { sent: 2 * 1024 * 1024 + 5 } });
    await rm(path.join(dir, '.kxp-restore', 'elsewhere'), { recursive: true });
    expect(await uploadPayload({ dir, storageOnly: true }, options)).toMatchObject({ ok: true, files: { skipped: 2, uploaded: 0 }, bytes: { sent: 0 } });

    // Blocks staged but never committed (a run stopped before Put Block List), journal lost: only the rest is sent.
    const client = new ContainerClient(urls.storageSasUrl);
    await client.getBlockBlobClient('default/big.bin').delete();
    const controller = new AbortController();
    await rm(path.join(dir, '.kxp-restore', 'elsewhere'), { recursive: true });
    await expect(
      uploadPayload({ dir, storageOnly: true }, { ...options, concurrency: 1, signal: controller.signal, onEvent: (event) => event.type === 'file-progress' && event.bytesDone >= 1024 * 1024 && controller.abort() }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    await rm(path.join(dir, '.kxp-restore', 'elsewhere'), { recursive: true });
    const resumed = await uploadPayload({ dir, storageOnly: true }, options);
    expect(resumed).toMatchObject({ ok: true, files: { uploaded: 1, skipped: 1 } });
    expect(resumed.bytes.sent).toBeLessThanOrEqual(1024 * 1024);
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl: urls.storageSasUrl })).toMatchObject({ ok: true });
  });
});
