import { afterAll, beforeAll } from 'vitest';
import { createContainerSasUrl, startAzurite, type ContainerSasOptions, type RunningAzurite } from '../../src/azure/azurite.js';

export interface AzuriteHarness {
  /** The running emulator; valid inside tests (after beforeAll). */
  readonly azurite: RunningAzurite;
  /** Creates the container if needed and returns a container SAS URL for it. */
  containerSasUrl(container: string, options?: ContainerSasOptions): Promise<string>;
  /** The names of the blobs a container holds, in listing order: what a run sent (nothing, when it refused). */
  blobNames(container: string): Promise<string[]>;
}

/**
 * Starts one in-memory Azurite on a free loopback port for the current test file and stops it after.
 * Usage: `const storage = useAzurite();` at the top of a describe block or file.
 */
export function useAzurite(): AzuriteHarness {
  let running: RunningAzurite | undefined;
  beforeAll(async () => {
    running = await startAzurite({ memoryLimitMiB: 4096 });
  });
  afterAll(async () => {
    await running?.stop();
  });
  const harness: AzuriteHarness = {
    get azurite() {
      if (!running) throw new Error('Azurite is not running yet: use it inside a test or hook');
      return running;
    },
    async containerSasUrl(container, options) {
      await harness.azurite.serviceClient.getContainerClient(container).createIfNotExists();
      return createContainerSasUrl(harness.azurite, container, options);
    },
    async blobNames(container) {
      const names: string[] = [];
      for await (const blob of harness.azurite.serviceClient.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
      return names;
    },
  };
  return harness;
}
