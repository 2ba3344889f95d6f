import { createHash } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { listRemoteBlobs, listUnclaimed } from '../../src/azure/listing.js';
import { useAzurite } from '../support/azurite.js';

describe('remote listing', () => {
  const storage = useAzurite();

  it('indexes every blob with its size and Content-MD5 (or none), and finds the unclaimed ones by listing again', async () => {
    const container = new ContainerClient(await storage.containerSasUrl('listing'));
    const md5 = createHash('md5').update('hello').digest();
    await container.getBlockBlobClient('default/a.txt').upload('hello', 5, { blobHTTPHeaders: { blobContentMD5: md5 } });
    await container.getBlockBlobClient('default/no-md5.bin').stageBlock(Buffer.from('AAAA').toString('base64'), 'xyz', 3);
    await container.getBlockBlobClient('default/no-md5.bin').commitBlockList([Buffer.from('AAAA').toString('base64')]);
    // More than one 5,000-blob page would take long in a test; the SDK pages by continuation token either way.
    await Promise.all(Array.from({ length: 40 }, (_, i) => container.getBlockBlobClient(`default/many/f${i}.txt`).upload('x', 1)));

    const index = await listRemoteBlobs(container);
    expect(index.size).toBe(42);
    expect(index.get('default/a.txt')).toEqual({ size: 5, md5: md5.toString('base64'), sourceEtag: null, copyUnfinished: false });
    expect(index.get('default/no-md5.bin')).toEqual({ size: 3, md5: null, sourceEtag: null, copyUnfinished: false });
    expect(index.get('Default/a.txt')).toBeUndefined();

    // verify claims every name the source has, present or not; the rest are "extra".
    expect(index.claim('default/a.txt')).toEqual({ size: 5, md5: md5.toString('base64'), sourceEtag: null, copyUnfinished: false });
    expect(index.claim('default/only-local.txt')).toBeUndefined();
    for (let i = 0; i < 40; i++) index.claim(`default/many/f${i}.txt`);
    expect(index.size).toBe(42);
    await container.getBlockBlobClient('DB.bacpac').upload('stray', 5);
    const extra: string[] = ['from another container'];
    await listUnclaimed(container, index, extra);
    expect(extra).toEqual(['from another container', 'DB.bacpac', 'default/no-md5.bin']);
  });
});
