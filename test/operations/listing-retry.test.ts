import { PassThrough } from 'node:stream';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT, AZURITE_KEY, createContainerSasUrl } from '../../src/azure/azurite.js';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { createTransferProgress } from '../../src/report/progress.js';
import { useTempDirs, writeTree } from '../support/tree.js';
import { closedPort } from '../support/net.js';

describe('an unreachable storage host', () => {
  const tempDir = useTempDirs();

  it('says why nothing moves at each retry of the first listing, then fails with the reason', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a' });
    const endpoint = `http://127.0.0.1:${await closedPort()}/${AZURITE_ACCOUNT}`;
    const url = createContainerSasUrl({ blobEndpoint: endpoint, credential: new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY) }, 'files');
    const events: UploadEvent[] = [];
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const view = createTransferProgress(output, { intervalMs: 60_000 });
    const upload = uploadPayload({ dir, storageOnly: true }, {
      storageSasUrl: url,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      onEvent: (event) => {
        events.push(event);
        view.handle(event);
      },
    });
    await expect(upload).rejects.toMatchObject({ code: 'TRANSFER_FAILED', message: expect.stringContaining('ECONNREFUSED') });
    view.stop();
    expect(events.filter((event) => event.type === 'listing-retry').map((event) => event.type === 'listing-retry' && event.attempt)).toEqual([1, 2]);
    expect(text).toContain('Cannot list devstoreaccount1/files yet (ECONNREFUSED); trying again in');
    expect(text).not.toMatch(/sig=(?!REDACTED)/);
  });
});
