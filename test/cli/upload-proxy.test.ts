import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { useAzurite } from '../support/azurite.js';
import { runCli, spawnCli } from '../support/cli.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

// A production-style host: only the proxy can reach it here (no DNS, no network), so any request that
// skipped the proxy would fail.
const HOST = 'devstoreaccount1.blob.core.windows.net';

describe('kxp-restore upload / verify through an HTTPS proxy (HTTPS_PROXY)', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let proxy: ConnectProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy({ hostname: HOST, targetPort: storage.azurite.port, requireAuthorization: `Basic ${Buffer.from('kxp:s3cret-word').toString('base64')}` });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  /** The proxy's certificate in a file of its own, for NODE_EXTRA_CA_CERTS (outside the payload). */
  const trustFile = async () => {
    const file = path.join(await tempDir(), 'proxy-ca.pem');
    await writeFile(file, proxy.certificate);
    return file;
  };

  it('sends every request through the proxy with its credentials, over a few reused tunnels, and never prints the password', async () => {
    const dir = await tempDir();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) files[`storage/default/f${i}.bin`] = randomBytes(2000 + i);
    files['storage/default/big.bin'] = randomBytes(600 * 1024);
    await writeTree(dir, files);
    await storage.containerSasUrl('proxied');
    const url = createContainerSasUrl(storage.azurite, 'proxied', { baseUrl: `https://${HOST}` });
    const proxyUrl = proxy.url.replace('http://', 'http://kxp:s3cret-word@');
    const env = { HTTPS_PROXY: proxyUrl, NODE_EXTRA_CA_CERTS: await trustFile() };

    const upload = await spawnCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--concurrency', '2', '--block-size', '0.25'], { env }).done;
    expect(upload.stderr).toContain(`through proxy ${proxy.url} (HTTPS_PROXY)`);
    expect(upload.exitCode).toBe(0);
    // Keep-alive through the proxy: at most concurrency + 1 tunnels for the whole upload, not one per request.
    expect(proxy.tunnels.length).toBeLessThanOrEqual(3);
    const verify = await spawnCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--json'], { env }).done;
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
    expect(verify.stderr).toContain(`Container devstoreaccount1/proxied: through proxy ${proxy.url} (HTTPS_PROXY).`);

    const landed: string[] = [];
    for await (const blob of storage.azurite.serviceClient.getContainerClient('proxied').listBlobsFlat()) landed.push(blob.name);
    expect(landed).toHaveLength(13);
    expect(new Set(proxy.tunnels)).toEqual(new Set([`${HOST}:443`]));
    expect(new Set(proxy.authorizations)).toEqual(new Set([`Basic ${Buffer.from('kxp:s3cret-word').toString('base64')}`]));
    expect(upload.stdout + upload.stderr + verify.stdout + verify.stderr).not.toContain('s3cret');
  });

  it('refuses a proxy it cannot use with exit 2, naming the variable, before any request', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a' });
    const url = createContainerSasUrl(storage.azurite, 'proxied', { baseUrl: `https://${HOST}` });
    const before = proxy.tunnels.length;
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress'], { env: { https_proxy: 'socks5://user:pw@10.0.0.1:1080' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/USAGE.*https_proxy uses socks5/);
    expect(result.stderr).not.toContain('pw@');
    expect(proxy.tunnels.length).toBe(before);
  });

  it('stops with exit 3 and says to check the proxy credentials when the proxy answers 407', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a' });
    const url = createContainerSasUrl(storage.azurite, 'proxied', { baseUrl: `https://${HOST}` });
    const env = { HTTPS_PROXY: proxy.url.replace('http://', 'http://kxp:wrong-word@'), NODE_EXTRA_CA_CERTS: await trustFile() };
    const result = await spawnCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress'], { env }).done;
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/PROXY_REFUSED.*The proxy refused to connect to Azure Storage \(HTTP 407 Proxy Authentication Required\)/);
    expect(result.stderr).toMatch(/Check the user name and password in the proxy variable \(HTTPS_PROXY/);
    expect(result.stderr).toMatch(/To resume, run:/);
    expect(result.stderr).not.toContain('wrong-word');
  });

  it('tells a proxy that blocks the storage host (403 to CONNECT) from an expired SAS', async () => {
    const blocking = createServer();
    blocking.on('connect', (_request, client: Socket) => client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => blocking.listen(0, '127.0.0.1', resolve));
    try {
      const dir = await tempDir();
      await writeTree(dir, { 'storage/default/a.txt': 'a' });
      const url = createContainerSasUrl(storage.azurite, 'proxied', { baseUrl: `https://${HOST}` });
      const env = { HTTPS_PROXY: `http://127.0.0.1:${(blocking.address() as AddressInfo).port}` };
      const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress'], { env });
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toMatch(/PROXY_REFUSED.*HTTP 403 from a proxy or firewall, not from Azure Storage/);
      expect(result.stderr).toMatch(/allowed through the proxy/);
      expect(result.stderr).not.toMatch(/ACCESS_DENIED|Get new SAS URLs/);
    } finally {
      blocking.close();
    }
  });
});
