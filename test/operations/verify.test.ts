import { copyFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload } from '../../src/operations/upload.js';
import { verifyPayload, type VerifyEvent } from '../../src/operations/verify.js';
import { renderVerifyResult } from '../../src/report/verify.js';
import { useAzurite } from '../support/azurite.js';
import { repoRoot } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const bacpacFixture = path.join(repoRoot, '../shared/fixtures/bacpac/food-sql2019.bacpac');

describe('verifyPayload', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('takes unchanged files MD5 from the journal, reports a stray DB.bacpac as extra, and hashes a touched file again', async () => {
    const dir = await tempDir();
    await copyFile(bacpacFixture, path.join(dir, 'db.bacpac'));
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const urls = { dbSasUrl: await storage.containerSasUrl('verify-db'), storageSasUrl: await storage.containerSasUrl('verify-files') };
    expect(await uploadPayload({ dir }, urls)).toMatchObject({ ok: true, files: { uploaded: 2 } });

    const events: VerifyEvent[] = [];
    const clean = await verifyPayload({ dir }, { ...urls, onEvent: (event) => events.push(event) });
    expect(clean).toMatchObject({ ok: true, checked: 2 });
    expect(events.filter((event) => event.type === 'verify-file').map((event) => event.type === 'verify-file' && event.hashed)).toEqual([false, false]);

    await new ContainerClient(urls.dbSasUrl).getBlockBlobClient('DB.bacpac').upload('stray', 5);
    await utimes(path.join(dir, 'storage/default/a.txt'), new Date(), new Date(Date.now() + 5000));
    events.length = 0;
    const stray = await verifyPayload({ dir }, { ...urls, onEvent: (event) => events.push(event) });
    expect(stray).toMatchObject({ ok: false, missing: [], extra: ['DB.bacpac'], mismatched: [] });
    // Which container holds it: the database one here, so it would be restored in place of nothing.
    expect(stray.extraDetails).toEqual([{ blobName: 'DB.bacpac', container: 'verify-db' }]);
    expect(renderVerifyResult(stray)).toContain('  extra      DB.bacpac  (in container verify-db, not in the source');
    expect(events.find((event) => event.type === 'verify-file' && event.blobName === 'default/a.txt')).toMatchObject({ hashed: true, status: 'ok' });
  });

  it('needs only the URL of the part present, and refuses a URL without list permission', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const storageSasUrl = await storage.containerSasUrl('verify-only-files');
    await uploadPayload({ dir }, { storageSasUrl });
    expect(await verifyPayload({ dir }, { storageSasUrl })).toMatchObject({ ok: true, checked: 1 });
    await expect(verifyPayload({ dir }, { storageSasUrl: await storage.containerSasUrl('verify-only-files', { permissions: 'w' }) })).rejects.toMatchObject({
      code: 'SAS_PERMISSION',
      exitCode: 2,
    });
  });
});
