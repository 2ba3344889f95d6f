/**
 * The pooled client's proxy tunnel never leaves a socket open on a proxy that accepts and never answers the
 * CONNECT (issue 21 point 5): the socket is closed after the CONNECT timeout (the request fails, for the pacer
 * to retry), or at once when the run's signal is aborted. A real TCP server on loopback plays the proxy.
 */
import { describe, expect, it } from 'vitest';
import { createPooledContainerClient } from '../../src/azure/client.js';
import { proxyFor } from '../../src/azure/proxy.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { useSilentServers } from '../support/silent-server.js';

const silentServer = useSilentServers();

/** A "proxy" that reads every CONNECT and never answers. */
async function silentProxy() {
  const server = await silentServer((socket) => socket.resume());
  return { ...server, url: `http://127.0.0.1:${server.port}` };
}

const SAS_URL = 'https://contoso.blob.core.windows.net/media?sv=2024-11-04&sr=c&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig=c2lnbmF0dXJl';

function clientThrough(proxyUrl: string, options: { signal?: AbortSignal; connectTimeoutMs?: number }) {
  const sas = parseContainerSasUrl(SAS_URL, 'storage SAS URL');
  const proxy = proxyFor(new URL(sas.url), { HTTPS_PROXY: proxyUrl });
  expect(proxy).not.toBeNull();
  return createPooledContainerClient(sas, { concurrency: 1, proxy: proxy ?? undefined, ...options }).client;
}

describe('the pooled client through a proxy that never answers the CONNECT', () => {
  it('gives the CONNECT up after its timeout: the request fails and the socket is closed', { timeout: 20_000 }, async () => {
    const proxy = await silentProxy();
    const client = clientThrough(proxy.url, { connectTimeoutMs: 300 });
    await expect(client.getProperties()).rejects.toThrow(/did not answer the CONNECT within 0\.3 s/);
    await proxy.closedByClient;
    expect(proxy.connections()).toBe(1);
  });

  it("closes the waiting tunnel when the run's signal is aborted (a request aborted alone would leave it open)", { timeout: 20_000 }, async () => {
    const proxy = await silentProxy();
    const run = new AbortController();
    const client = clientThrough(proxy.url, { signal: run.signal, connectTimeoutMs: 600_000 });
    const request = client.getProperties();
    request.catch(() => undefined);
    // The CONNECT has reached the proxy; then the run stops.
    await proxy.connected;
    run.abort(new Error('stopped'));
    await proxy.closedByClient;
    expect(proxy.connections()).toBe(1);
  });
});
