import { describe, expect, it } from 'vitest';
import { createContainerClient } from '../../src/azure/client.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';

describe('createContainerClient', () => {
  const remote = useProxiedAzurite('client');

  it('sends through one keep-alive agent sized by maxSockets, reusing connections', async () => {
    const client = createContainerClient(parseContainerSasUrl(await remote.containerUrl(), 'storage SAS URL'), { maxSockets: 2 });
    const before = remote.proxy.connections;
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.getBlockBlobClient(`f${i}.txt`).upload('x', 1)));
    const names: string[] = [];
    for await (const blob of client.listBlobsFlat()) names.push(blob.name);
    expect(names).toHaveLength(12);
    expect(remote.proxy.connections - before).toBe(2);
  });

  it('does not retry inside the SDK: one failed try reaches the caller (the pacer owns retries)', async () => {
    const client = createContainerClient(parseContainerSasUrl(await remote.containerUrl(), 'storage SAS URL'));
    remote.proxy.resetEvery(200);
    const before = remote.proxy.connections;
    try {
      await expect(client.getBlockBlobClient('x.txt').upload('y'.repeat(1000), 1000)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|REQUEST_SEND_ERROR/) });
    } finally {
      remote.proxy.resetEvery(null);
    }
    expect(remote.proxy.connections - before).toBe(1);
  });
});
