import { randomBytes } from 'node:crypto';
import { appendFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { access, copyFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { useAzurite } from '../support/azurite.js';
import { repoRoot } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const bacpacFixture = path.join(repoRoot, 'test/fixtures/bacpac/food-sql2019.bacpac');

/** Every blob in the container, name → content. */
async function blobs(url: string): Promise<Map<string, Buffer>> {
  const container = new ContainerClient(url);
  const found = new Map<string, Buffer>();
  for await (const blob of container.listBlobsFlat()) found.set(blob.name, Buffer.from(await container.getBlobClient(blob.name).downloadToBuffer()));
  return found;
}

/** Replaces a folder of the payload with a symbolic link to `target`, at once (synchronously, inside an event). */
function swapForLink(folder: string, target: string): void {
  renameSync(folder, `${folder}-moved-away`);
  symlinkSync(target, folder, 'dir');
}

describe('the payload stays the payload while upload runs', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('refuses a folder swapped for a link to a folder outside before it is walked: nothing from outside is sent', async () => {
    const dir = await tempDir();
    const secret = await tempDir();
    await writeTree(secret, { 'id_rsa': 'PRIVATE KEY', 'photo.jpg': 'not the photo' });
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/sub/photo.jpg': 'the photo' });
    const url = await storage.containerSasUrl('swap-folder');
    // One file at a time: the walk reaches sub/ only after a.txt is done, and a.txt's end is when the link appears.
    const run = uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      concurrency: 1,
      onEvent: (event: UploadEvent) => {
        if (event.type === 'file-done' && event.blobName === 'default/a.txt') swapForLink(path.join(dir, 'storage/default/sub'), secret);
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'SOURCE_CHANGED', exitCode: 1, path: expect.stringMatching(/storage\/default\/sub$/), message: expect.stringMatching(/^The payload changed after the check: This folder now leads to .*outside the payload/) });
    const sent = await blobs(url);
    expect([...sent.keys()]).toEqual(['default/a.txt']);
    expect([...sent.values()].map(String)).not.toContain('PRIVATE KEY');
  });

  it('refuses a file whose folder became a link after the folder was listed (another inode), sending nothing from outside', async () => {
    const dir = await tempDir();
    const secret = await tempDir();
    await writeTree(secret, { 'b.jpg': 'SECRET-B' });
    await writeTree(dir, { 'storage/default/sub/a.jpg': 'photo-a', 'storage/default/sub/b.jpg': 'photo-b' });
    const url = await storage.containerSasUrl('swap-listed');
    // sub/ is listed (a.jpg and b.jpg, same sizes as the secret) before a.jpg is sent; the link appears before b.jpg is opened.
    const result = await uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      concurrency: 1,
      onEvent: (event: UploadEvent) => {
        if (event.type === 'file-done' && event.blobName === 'default/sub/a.jpg') swapForLink(path.join(dir, 'storage/default/sub'), secret);
      },
    });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([{ code: 'SOURCE_CHANGED', path: expect.stringMatching(/sub\/b\.jpg$/), message: expect.stringMatching(/now leads to another file/) }]);
    const sent = await blobs(url);
    expect([...sent.keys()]).toEqual(['default/sub/a.jpg']);
  });

  it('refuses a file that became a symbolic link after the scan (opened without following links)', async () => {
    const dir = await tempDir();
    const secret = await tempDir();
    await writeTree(secret, { 'key': 'SECRET' });
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'bravo!' });
    const url = await storage.containerSasUrl('swap-file');
    const b = path.join(dir, 'storage/default/b.txt');
    const result = await uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      concurrency: 1,
      onEvent: (event: UploadEvent) => {
        // After the walk yielded b.txt (its lstat taken), before the engine opens it.
        if (event.type === 'file-done' && event.blobName === 'default/a.txt') {
          renameSync(b, `${b}.moved`);
          symlinkSync(path.join(secret, 'key'), b);
        }
      },
    });
    expect(result.errors).toEqual([{ code: 'SOURCE_CHANGED', path: expect.stringMatching(/b\.txt$/), message: expect.stringMatching(/symbolic link|another file/) }]);
    expect([...(await blobs(url)).keys()]).toEqual(['default/a.txt']);
  });

  it('applies the plan rules again while walking: a file created after the plan with a bad name stops the run', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const url = await storage.containerSasUrl('created-after');
    const run = uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      onEvent: (event: UploadEvent) => {
        if (event.type === 'planned') writeFileSync(path.join(dir, 'storage/default/Added Later.TXT'), 'late');
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'SOURCE_CHANGED', exitCode: 1, message: expect.stringMatching(/^The payload changed after the check: The file name "Added Later.TXT" has uppercase letters/) });
    expect([...(await blobs(url)).keys()]).not.toContain('default/Added Later.TXT');
  });

  it('reports a file that grew past the largest planned size as changed, not as an internal error', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/log.txt': 'x'.repeat(100) });
    const url = await storage.containerSasUrl('grew');
    const result = await uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      onEvent: (event: UploadEvent) => {
        if (event.type === 'planned') appendFileSync(path.join(dir, 'storage/default/log.txt'), randomBytes(5000));
      },
    });
    expect(result.files).toMatchObject({ uploaded: 1, failed: 1 });
    expect(result.errors).toEqual([{ code: 'SOURCE_CHANGED', path: expect.stringMatching(/log\.txt$/), message: expect.stringMatching(/^The file grew to 5100 bytes after the check/) }]);
  });

  it('still uploads a --bacpac named through a symbolic link (the user chose it; it is opened by its real path)', async () => {
    const dir = await tempDir();
    const exports = await tempDir();
    await copyFile(bacpacFixture, path.join(exports, 'site.bacpac'));
    await symlink(path.join(exports, 'site.bacpac'), path.join(dir, 'latest.bacpac'));
    const dbSasUrl = await storage.containerSasUrl('bacpac-link');
    expect(await uploadPayload({ bacpac: path.join(dir, 'latest.bacpac') }, { dbSasUrl })).toMatchObject({ ok: true, files: { uploaded: 1 } });
    expect([...(await blobs(dbSasUrl)).keys()]).toEqual(['db.bacpac']);
  });

  it('refuses a --state-dir inside the storage files (exit 2, named) before any request', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const url = await storage.containerSasUrl('state-inside');
    let asked = false;
    const run = uploadPayload({ dir, storageOnly: true }, {
      stateDir: path.join(dir, 'storage/default/.kxp'),
      getAccess: async () => {
        asked = true;
        return { storageSasUrl: url };
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringMatching(/^The state folder .*storage\/default\/\.kxp is inside the storage files/) });
    expect(asked).toBe(false);
    await expect(access(path.join(dir, 'storage/default/.kxp'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await blobs(url)).size).toBe(0);
  });
});
