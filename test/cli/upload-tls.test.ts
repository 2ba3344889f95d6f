/**
 * A certificate this computer does not trust (a TLS-inspecting proxy whose root certificate is missing) is
 * not a network hiccup: the run stops at the first request, says how to trust it, and keeps what it has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { startUntrustedTlsFront, type TlsFront } from '../support/tls-front.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('an untrusted TLS certificate', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let front: TlsFront;
  beforeAll(async () => {
    front = await startUntrustedTlsFront(storage.azurite.port);
  });
  afterAll(async () => {
    await front?.close();
  });

  it('stops upload at once with TLS_UNTRUSTED and the NODE_EXTRA_CA_CERTS fix, never retrying, nothing sent', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    await storage.azurite.serviceClient.getContainerClient('untrusted').createIfNotExists();
    const url = createContainerSasUrl(storage.azurite, 'untrusted', { baseUrl: `${front.url}/devstoreaccount1` });
    const result = await runCli(['upload', dir, '--storage-only', '--state-dir', await tempDir(), '--no-progress'], { env: { KXP_STORAGE_SAS_URL: url } });
    expect(result.stderr).toMatch(/error \[TLS_UNTRUSTED\]: The TLS certificate presented for Azure Storage is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(result.stderr).toContain('set NODE_EXTRA_CA_CERTS');
    expect(result.stderr).not.toMatch(/trying again|Gave up after/);
    expect(result.stderr).not.toMatch(/sig=(?!REDACTED)/);
    expect(result.exitCode).toBe(3);
    expect(front.handshakes).toBeGreaterThan(0);
    expect(await storage.blobNames('untrusted')).toEqual([]);
  });
});
