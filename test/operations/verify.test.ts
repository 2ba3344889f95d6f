import { createHash, randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { copyFile, open, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload } from '../../src/operations/upload.js';
import { KEPT_PER_LIST, verifyPayload, type VerifyEvent } from '../../src/operations/verify.js';
import { renderVerifyResult, verifyJson } from '../../src/report/verify.js';
import { useAzurite } from '../support/azurite.js';
import { repoRoot } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;
const bacpacFixture = path.join(repoRoot, 'test/fixtures/bacpac/food-sql2019.bacpac');

describe('verifyPayload', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('reads every file by default: an edit that keeps size and mtime is caught, and upload sends it again', async () => {
    const dir = await tempDir();
    await copyFile(bacpacFixture, path.join(dir, 'db.bacpac'));
    const big = path.join(dir, 'storage/default/big.bin');
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/big.bin': randomBytes(MiB) });
    // Whole seconds, so setting the time back restores it exactly.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(big, mtime, mtime);
    const urls = { dbSasUrl: await storage.containerSasUrl('verify-db'), storageSasUrl: await storage.containerSasUrl('verify-files') };
    const blocks = { blockSizeMiB: 0.25 };
    expect(await uploadPayload({ dir }, { ...urls, ...blocks })).toMatchObject({ ok: true, files: { uploaded: 3 } });

    const events: VerifyEvent[] = [];
    const clean = await verifyPayload({ dir }, { ...urls, onEvent: (event) => events.push(event) });
    expect(clean).toMatchObject({ ok: true, checked: 3, proof: { local: 'read', remote: 'content-md5', filesFromJournal: 0 } });
    expect(events.filter((event) => event.type === 'verify-file').map((event) => event.type === 'verify-file' && event.hashed)).toEqual([true, true, true]);

    // Rewrite a few bytes in place and put the modification time back (cp -p, rsync -t, image optimisers do this).
    const before = await stat(big, { bigint: true });
    const handle = await open(big, 'r+');
    await handle.write(Buffer.from('changed'), 0, 7, 1000);
    await handle.close();
    await utimes(big, mtime, mtime);
    const after = await stat(big, { bigint: true });
    expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);

    const caught = await verifyPayload({ dir }, urls);
    expect(caught).toMatchObject({ ok: false, missing: [], extra: [], mismatched: ['default/big.bin'] });
    expect(caught.details[0]?.reason).toMatch(/^content differs: local MD5 \S+, remote Content-MD5 \S+$/);
    // Trusting the journal does not hide it either: its fingerprint has the ctime, which utimes cannot set back.
    expect(await verifyPayload({ dir }, { ...urls, trustJournal: true })).toMatchObject({ ok: false, mismatched: ['default/big.bin'], proof: { local: 'journal' } });
    // And upload does not skip it as "already in place".
    expect(await uploadPayload({ dir }, { ...urls, ...blocks })).toMatchObject({ ok: true, files: { uploaded: 1, skipped: 2 } });
    expect(await verifyPayload({ dir }, urls)).toMatchObject({ ok: true });

    await new ContainerClient(urls.dbSasUrl).getBlockBlobClient('DB.bacpac').upload('stray', 5);
    const stray = await verifyPayload({ dir }, urls);
    expect(stray).toMatchObject({ ok: false, missing: [], extra: ['DB.bacpac'], mismatched: [] });
    // Which container holds it: the database one here, so it would be restored in place of nothing.
    expect(stray.extraDetails).toEqual([{ blobName: 'DB.bacpac', container: 'verify-db' }]);
    expect(renderVerifyResult(stray)).toContain('  extra      DB.bacpac  (in container verify-db, not in the source');
  });

  it('a comparison that fails while the scan is still walking folders ends verify with its error, never an unhandled rejection', async () => {
    const dir = await tempDir();
    const tree: Record<string, string> = { 'storage/default/0-missing.txt': 'gone remotely', 'storage/default/1-victim.txt': 'deleted locally' };
    for (let i = 0; i < 40; i++) tree[`storage/default/sub-${String(i).padStart(2, '0')}/file.txt`] = `file ${i}`;
    await writeTree(dir, tree);
    const storageSasUrl = await storage.containerSasUrl('verify-race');
    expect(await uploadPayload({ dir, storageOnly: true }, { storageSasUrl })).toMatchObject({ ok: true });
    await new ContainerClient(storageSasUrl).getBlockBlobClient('default/0-missing.txt').delete();
    // Both files of the folder were seen by the scan; the victim is deleted before its comparison opens it,
    // so that comparison fails while the scan goes on reading the 40 folders after it.
    const onEvent = (event: VerifyEvent) => {
      if (event.type === 'verify-file' && event.status === 'missing') unlinkSync(path.join(dir, 'storage/default/1-victim.txt'));
    };
    await expect(verifyPayload({ dir, storageOnly: true }, { storageSasUrl, onEvent })).rejects.toMatchObject({ code: 'SOURCE_CHANGED', path: expect.stringContaining('1-victim.txt') });
  });

  it('--deep downloads and hashes the blobs, catching bytes that differ under a matching Content-MD5', async () => {
    const dir = await tempDir();
    const content = randomBytes(300 * 1024);
    await writeTree(dir, { 'storage/default/photo.jpg': content, 'storage/default/ok.txt': 'fine' });
    const storageSasUrl = await storage.containerSasUrl('verify-deep');
    await uploadPayload({ dir, storageOnly: true }, { storageSasUrl });
    // Another writer replaced the blob's bytes and set the old MD5 as its Content-MD5: only the header matches.
    const md5 = createHash('md5').update(content).digest();
    const other = randomBytes(content.length);
    // (Put Block List stores whatever Content-MD5 the client sends; no one checks it against the blocks.)
    const blob = new ContainerClient(storageSasUrl).getBlockBlobClient('default/photo.jpg');
    const blockId = Buffer.from('block-0').toString('base64');
    await blob.stageBlock(blockId, other, other.length);
    await blob.commitBlockList([blockId], { blobHTTPHeaders: { blobContentMD5: md5 } });

    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl })).toMatchObject({ ok: true, proof: { remote: 'content-md5' } });
    const events: VerifyEvent[] = [];
    const deep = await verifyPayload({ dir, storageOnly: true }, { storageSasUrl, deep: true, onEvent: (event) => events.push(event) });
    expect(deep).toMatchObject({ ok: false, mismatched: ['default/photo.jpg'], proof: { local: 'read', remote: 'downloaded' } });
    expect(deep.details[0]?.reason).toBe(`content differs: local MD5 ${md5.toString('base64')}, the blob's bytes hash to ${createHash('md5').update(other).digest('base64')}`);
    expect(events.filter((event) => event.type === 'verify-file').every((event) => event.type === 'verify-file' && event.downloaded)).toBe(true);
  });

  it('needs only the URL of the part present, and refuses a URL without list permission', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const storageSasUrl = await storage.containerSasUrl('verify-only-files');
    await uploadPayload({ dir, storageOnly: true }, { storageSasUrl });
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl })).toMatchObject({ ok: true, checked: 1 });
    await expect(verifyPayload({ dir, storageOnly: true }, { storageSasUrl: await storage.containerSasUrl('verify-only-files', { permissions: 'w' }) })).rejects.toMatchObject({
      code: 'SAS_PERMISSION',
      exitCode: 2,
    });
  });

  it('keeps the first KEPT_PER_LIST missing and extra names and counts them all, and says so in text and JSON', async () => {
    const over = KEPT_PER_LIST + 5;
    const dir = await tempDir();
    await writeTree(dir, Object.fromEntries(Array.from({ length: over }, (_, i) => [`storage/default/local-${String(i).padStart(4, '0')}.txt`, 'x'])));
    const storageSasUrl = await storage.containerSasUrl('verify-kept');
    const container = new ContainerClient(storageSasUrl);
    for (let i = 0; i < over; i += 50) await Promise.all(Array.from({ length: Math.min(50, over - i) }, (_, j) => container.getBlockBlobClient(`default/stray-${String(i + j).padStart(4, '0')}.txt`).upload('y', 1)));

    const result = await verifyPayload({ dir, storageOnly: true }, { storageSasUrl });
    expect(result).toMatchObject({ ok: false, checked: over, counts: { missing: over, extra: over, mismatched: 0 } });
    expect(result.missing).toHaveLength(KEPT_PER_LIST);
    expect(result.extra).toHaveLength(KEPT_PER_LIST);
    expect(result.missing).toEqual([...result.missing].sort());
    expect(result.missing[0]).toBe('default/local-0000.txt');
    const text = renderVerifyResult(result);
    expect(text).toContain(`Different: ${over.toLocaleString('en-US')} missing, ${over.toLocaleString('en-US')} extra, 0 mismatched`);
    expect(text).toContain(`… and ${(over - 20).toLocaleString('en-US')} more (--json lists the first ${KEPT_PER_LIST.toLocaleString('en-US')} found)`);
    expect(verifyJson(result)).toMatchObject({ ok: false, counts: { missing: over, extra: over, mismatched: 0 } });
  });
});
