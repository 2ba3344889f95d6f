import { ContainerClient } from '@azure/storage-blob';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startPortalEmulator, type RunningPortalEmulator, type StartPortalEmulatorOptions } from '../../src/portal/emulator/start.js';
import { HttpPortal } from '../../src/portal/http-portal.js';
import type { Role } from '../../src/portal/types.js';

export interface EmulatorHarness {
  readonly running: RunningPortalEmulator;
  /** An HTTP driver holding the token of `role`. */
  portal(role: Role): HttpPortal;
  /** Writes blobs through a SAS URL, as an uploader would. */
  put(sasUrl: string, blobs: Record<string, string | Buffer>): Promise<void>;
  /** Blob names (and sizes) of every container of an environment's storage account: `container/blob`. */
  environmentBlobs(env: 'qa' | 'uat' | 'stg' | 'prod'): Promise<Record<string, number>>;
}

/** One in-process emulator (HTTP API + Azurite) for the file; the session is closed after each test. */
export function usePortalEmulator(options: StartPortalEmulatorOptions = {}): EmulatorHarness {
  let running: RunningPortalEmulator | undefined;
  beforeAll(async () => {
    running = await startPortalEmulator(options);
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });
  afterEach(async () => {
    const admin = harness.portal('tenant-administrator');
    if (await admin.getSession()) await admin.closeSession();
  });
  const harness: EmulatorHarness = {
    get running() {
      if (!running) throw new Error('The emulator is not running yet');
      return running;
    },
    portal(role) {
      return new HttpPortal({ url: harness.running.url, token: harness.running.tokenFor(role) });
    },
    async put(sasUrl, blobs) {
      const container = new ContainerClient(sasUrl);
      for (const [name, body] of Object.entries(blobs)) {
        const data = typeof body === 'string' ? Buffer.from(body) : body;
        await container.getBlockBlobClient(name).upload(data, data.length);
      }
    },
    async environmentBlobs(env) {
      const service = harness.running.emulator.environmentStorage(env);
      const found: Record<string, number> = {};
      for await (const container of service.listContainers()) {
        for await (const blob of service.getContainerClient(container.name).listBlobsFlat()) {
          found[`${container.name}/${blob.name}`] = blob.properties.contentLength ?? -1;
        }
      }
      return found;
    },
  };
  return harness;
}
