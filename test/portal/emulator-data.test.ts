import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { startPortalEmulator } from '../../src/portal/emulator/start.js';
import { HttpPortal } from '../../src/portal/http-portal.js';
import { useTempDirs } from '../support/tree.js';

describe('portal emulator with --data', () => {
  const tempDir = useTempDirs();

  it('keeps the session, its access generation, the uploaded blobs and the environments across a restart', async () => {
    const dataDir = await tempDir();
    const first = await startPortalEmulator({ dataDir, envVersions: { stg: '30.1.0' }, readBacpacVersion: async () => null });
    let grantUrl: string;
    let sessionId: string;
    try {
      const devops = new HttpPortal({ url: first.url, token: first.tokenFor('devops') });
      sessionId = (await devops.createSession()).id;
      grantUrl = (await devops.getAccess()).storageSasUrl;
      await new ContainerClient(grantUrl).getBlockBlobClient('default/kept.txt').upload('kept', 4);
    } finally {
      await first.stop();
    }

    const second = await startPortalEmulator({ dataDir, readBacpacVersion: async () => null });
    try {
      const devops = new HttpPortal({ url: second.url, token: second.tokenFor('devops') });
      await expect(devops.getSession()).resolves.toMatchObject({ id: sessionId, activeGrants: 1 });
      expect(second.emulator.environments().find((env) => env.name === 'stg')?.version).toBe('30.1.0');
      // Same account, same container, same policy: the URL issued before the restart still works.
      const container = new ContainerClient(grantUrl.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${second.azurite.port}`));
      expect((await container.getBlobClient('default/kept.txt').downloadToBuffer()).toString()).toBe('kept');
      // The access generation carries on: a new grant is bound to the same policy, and a revoke ends both.
      const later = await devops.getAccess();
      expect(new URL(later.storageSasUrl).searchParams.get('si')).toBe(new URL(grantUrl).searchParams.get('si'));
      expect(later.storageSasUrl).not.toBe(grantUrl.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${second.azurite.port}`));
      await expect(devops.getSession()).resolves.toMatchObject({ activeGrants: 2 });
      await devops.revokeAccess();
      for (const url of [container.url, later.storageSasUrl]) {
        await expect(new ContainerClient(url).getBlobClient('default/kept.txt').downloadToBuffer()).rejects.toMatchObject({ statusCode: 403 });
      }
      await devops.closeSession();
    } finally {
      await second.stop();
    }
  });
});
