import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../src/azure/azurite.js';
import { useAzurite } from '../support/azurite.js';
import { tryConnect } from '../support/net.js';

describe('Azurite harness', () => {
  const storage = useAzurite();

  it('listens on a free loopback port and accepts writes through a container SAS URL', async () => {
    expect(storage.azurite.host).toBe('127.0.0.1');
    expect(storage.azurite.port).toBeGreaterThan(0);
    const sasUrl = await storage.containerSasUrl('harness');
    const container = new ContainerClient(sasUrl);
    await container.getBlockBlobClient('hello/world.txt').upload('hi there', 8);
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names).toEqual(['hello/world.txt']);
    const body = await container.getBlobClient('hello/world.txt').downloadToBuffer();
    expect(body.toString()).toBe('hi there');
  });

  it('refuses a SAS URL without write permission', async () => {
    const readOnly = new ContainerClient(await storage.containerSasUrl('harness', { permissions: 'rl' }));
    await expect(readOnly.getBlockBlobClient('nope.txt').upload('x', 1)).rejects.toMatchObject({ statusCode: 403 });
  });

  it('stops the emulator process', async () => {
    const second = await startAzurite();
    await second.stop();
    expect(second.process.exitCode !== null || second.process.signalCode !== null).toBe(true);
    const refused = await tryConnect(second.port, second.host);
    expect(refused).toBe('ECONNREFUSED');
  });
});
