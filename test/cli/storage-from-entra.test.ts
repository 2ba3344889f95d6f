/**
 * Needs dist/ built. Entra ID end to end without the internet: Azurite over https with OAuth, a local token
 * endpoint over TLS, and the product's DefaultAzureCredential (environment credential) signing in to list the
 * source, get a user delegation key and have the service copy each blob through a user delegation SAS.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  AnonymousCredential,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  newPipeline,
  Pipeline,
  StorageSharedKeyCredential,
  type RequestPolicyFactory,
} from '@azure/storage-blob';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerSasUrl, startAzurite, type RunningAzurite } from '../../src/azure/azurite.js';
import { repoRoot, spawnCli } from '../support/cli.js';
import { loopbackCertificate, startLocalEntra, type LocalEntra } from '../support/entra.js';
import { useTempDirs } from '../support/tree.js';
import { blobsOf, COPIED, fillXperienceMedia, MEDIA_MAP, SOURCE_ACCOUNT, SOURCE_KEY } from '../support/source-account.js';

/** A service client of this (test) process that trusts the test certificate (an account SAS: shared-key signing does not survive a custom agent policy). */
function trustingService(endpoint: string, credential: StorageSharedKeyCredential, ca: string): BlobServiceClient {
  const agent = new https.Agent({ ca, keepAlive: true });
  const sas = generateAccountSASQueryParameters(
    { permissions: AccountSASPermissions.parse('rwdlac'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString(), expiresOn: new Date(Date.now() + 3600_000) },
    credential,
  ).toString();
  const base = newPipeline(new AnonymousCredential());
  const useAgent: RequestPolicyFactory = { create: (next) => ({ sendRequest: (request) => ((request.agent = agent), next.sendRequest(request)) }) };
  return new BlobServiceClient(`${endpoint}?${sas}`, new Pipeline([...base.factories, useAgent], base.options));
}

describe('--storage-from with Entra ID sign-in (no SAS for the source)', () => {
  const tempDir = useTempDirs();
  let azurite: RunningAzurite;
  let entra: LocalEntra;
  let folder: string;
  let certPath: string;
  let ca: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'kxp-entra-'));
    const certificate = await loopbackCertificate();
    ca = certificate.cert;
    certPath = path.join(folder, 'cert.pem');
    const keyPath = path.join(folder, 'key.pem');
    await writeFile(certPath, certificate.cert);
    await writeFile(keyPath, certificate.key);
    entra = await startLocalEntra(certificate);
    // Azurite checks a copy source by requesting it over https: it must trust its own certificate too.
    azurite = await startAzurite({ accounts: [{ name: SOURCE_ACCOUNT, key: SOURCE_KEY }], https: { certPath, keyPath }, oauth: 'basic', env: { NODE_EXTRA_CA_CERTS: certPath } });
  }, 120_000);
  afterAll(async () => {
    await azurite?.stop();
    await entra?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const signedIn = () => ({
    NODE_EXTRA_CA_CERTS: certPath,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
    AZURE_TENANT_ID: entra.tenantId,
    AZURE_CLIENT_ID: '00000000-0000-0000-0000-00000000c11e',
    AZURE_CLIENT_SECRET: 'test-client-secret-never-printed',
  });

  it('lists the source with a token, gets a user delegation key and has the service copy each blob; nothing secret is printed', async () => {
    const base = `https://127.0.0.1:${azurite.port}`;
    const source = trustingService(`${base}/${SOURCE_ACCOUNT}`, new StorageSharedKeyCredential(SOURCE_ACCOUNT, SOURCE_KEY), ca).getContainerClient('media');
    await fillXperienceMedia(source, 1);
    const restore = trustingService(azurite.blobEndpoint, azurite.credential, ca).getContainerClient('restore');
    await restore.create();
    const restoreUrl = createContainerSasUrl(azurite, 'restore');

    const upload = await spawnCli(['upload', '--storage-from', `${base}/${SOURCE_ACCOUNT}/media`, '--map', MEDIA_MAP, '--lowercase', '--storage-sas-url-file', await urlFile(restoreUrl), '--json', '--state-dir', await tempDir()], { env: signedIn() }).done;
    expect(upload.stderr).not.toContain('error [');
    expect(upload.exitCode).toBe(0);
    expect(JSON.parse(upload.stdout)).toMatchObject({ ok: true, files: { total: 4, copied: 4 } });
    expect(entra.tokenRequests.length).toBeGreaterThan(0);
    expect(entra.tokenRequests[0]?.get('grant_type')).toBe('client_credentials');
    const copied = await blobsOf(restore);
    expect(Object.keys(copied).sort()).toEqual(Object.values(COPIED).sort());
    for (const secret of ['test-client-secret-never-printed', 'sig=', 'skoid', 'eyJ']) expect(upload.stdout + upload.stderr).not.toContain(secret);

    const verify = await spawnCli(['verify', '--storage-from', `${base}/${SOURCE_ACCOUNT}/media`, '--map', MEDIA_MAP, '--lowercase', '--storage-sas-url-file', await urlFile(restoreUrl), '--json'], { env: signedIn() }).done;
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
  }, 120_000);

  it('no sign-in available (no environment credential, no managed identity, no Azure CLI): SOURCE_ACCESS_DENIED, exit 3, naming the source', async () => {
    const base = `https://127.0.0.1:${azurite.port}`;
    const env = { ...signedIn(), AZURE_CLIENT_SECRET: '', AZURE_CLIENT_ID: '', AZURE_TENANT_ID: '', AZURE_AUTHORITY_HOST: '', HOME: folder, PATH: '/nonexistent' };
    const run = await spawnCli(['plan', '--storage-from', `${base}/${SOURCE_ACCOUNT}/media`, '--map', MEDIA_MAP, '--lowercase'], { env }).done;
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('error [SOURCE_ACCESS_DENIED]');
    expect(run.stderr).toContain(`${base}/${SOURCE_ACCOUNT}/media`);
  }, 120_000);

  it('a host that only looks like Azure Storage (contoso.blob.core.windows.net.example.org) gets no token: refused before sign-in, exit 2, the host named in full', async () => {
    const lookalike = 'contoso.blob.core.windows.net.example.org';
    const pems = await selfsigned.generate([{ name: 'commonName', value: lookalike }], { keySize: 2048, algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: lookalike }] }] });
    const seen: Array<string | undefined> = [];
    const server = https.createServer({ cert: pems.cert, key: pems.private }, (request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(403, { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthorizationFailure' }).end('<?xml version="1.0"?><Error><Code>AuthorizationFailure</Code></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const trust = path.join(folder, 'both.pem');
      await writeFile(trust, `${ca}\n${pems.cert}`);
      // The child resolves the look-alike name to this test's server (its own hosts file: test/support/hosts-preload.js).
      const env = { ...signedIn(), NODE_EXTRA_CA_CERTS: trust, KXP_TEST_HOSTS: lookalike, NODE_OPTIONS: `--import=${path.join(repoRoot, 'test/support/hosts-preload.js')}` };
      const url = `https://${lookalike}:${(server.address() as AddressInfo).port}/media`;
      const tokensBefore = entra.tokenRequests.length;
      const refused = await spawnCli(['plan', '--storage-from', url, '--map', MEDIA_MAP, '--lowercase'], { env }).done;
      expect(refused.stderr).toContain('error [SOURCE_HOST_REFUSED]');
      expect(refused.stderr).toContain(`names the host ${lookalike}, which is not an Azure Storage endpoint`);
      expect(refused.exitCode).toBe(2);
      expect(seen).toEqual([]);
      expect(entra.tokenRequests.length).toBe(tokensBefore);

      // The same server named on purpose as a storage endpoint suffix does receive the token: the refusal above is
      // the rule's doing, not a setup that could not reach the server. The host is printed in full first.
      const allowed = await spawnCli(['plan', '--storage-from', url, '--map', MEDIA_MAP, '--lowercase', '--storage-endpoint-suffix', 'core.windows.net.example.org'], { env }).done;
      expect(allowed.stderr).toContain(`Source  ${url}\n        read with your Microsoft Entra ID sign-in; the token goes to ${new URL(url).host} only`);
      expect(allowed.stderr.indexOf('Source  ')).toBeLessThan(allowed.stderr.indexOf('error ['));
      expect(allowed.exitCode).toBe(3);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]).toMatch(/^Bearer /);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 120_000);

  async function urlFile(url: string): Promise<string> {
    const file = path.join(await tempDir(), 'restore.url');
    await writeFile(file, url);
    return file;
  }
});
