/**
 * `package upload` never waits forever: against real TCP servers on loopback that accept and then stop
 * reading, read everything and never answer, or (as an HTTPS proxy) never answer the CONNECT.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uploadDeploymentPackage } from '../../src/portal/deployment-upload.js';
import { useSilentServers } from '../support/silent-server.js';
import { useTempDirs } from '../support/tree.js';

const tempDir = useTempDirs();
const silentServer = useSilentServers();

/** A sparse file of `bytes` zeros (larger than every socket buffer on the way). */
async function packageOf(bytes: number): Promise<string> {
  const file = path.join(await tempDir(), 'DeploymentPackage.zip');
  const handle = await open(file, 'w');
  await handle.truncate(bytes);
  await handle.close();
  return file;
}

const GUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const base = { projectGuid: GUID, env: 'qa' as const, token: 'pat-secret', retryDelayMs: 10 };

describe('package upload timeouts', () => {
  it('gives up on a try when the Portal stops taking bytes (stall timeout), retries, then says nothing was deployed', async () => {
    const portal = await silentServer((socket) => socket.pause());
    const upload = uploadDeploymentPackage(await packageOf(256 * 1024 ** 2), { ...base, portalUrl: `http://127.0.0.1:${portal.port}`, attempts: 2, stallTimeoutMs: 500 });
    await expect(upload).rejects.toMatchObject({ code: 'PORTAL_UNAVAILABLE', message: expect.stringMatching(/the connection failed 2 times \(no byte was taken for 0\.5 s\)\. Nothing was deployed\./) });
    expect(portal.connections()).toBe(2);
  });

  it('waits a bounded time for the answer once the whole package was sent, and does not send it again', async () => {
    const portal = await silentServer((socket) => socket.resume());
    const upload = uploadDeploymentPackage(await packageOf(1024 ** 2), { ...base, portalUrl: `http://127.0.0.1:${portal.port}`, attempts: 3, answerTimeoutMs: 500 });
    await expect(upload).rejects.toMatchObject({
      code: 'PORTAL_UNAVAILABLE',
      message: expect.stringContaining('the Portal did not answer within 0.5 s'),
      hint: expect.stringContaining('Deployment history'),
    });
    expect(portal.connections()).toBe(1);
  });

  it('gives up on a proxy that accepts the connection and never answers the CONNECT', async () => {
    const proxy = await silentServer((socket) => socket.resume());
    const upload = uploadDeploymentPackage(await packageOf(1024 ** 2), {
      ...base,
      portalUrl: 'https://xperience-portal.com',
      processEnv: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` },
      attempts: 1,
      stallTimeoutMs: 500,
    });
    await expect(upload).rejects.toMatchObject({ code: 'PORTAL_UNAVAILABLE', message: expect.stringContaining('no byte was taken for 0.5 s') });
    expect(proxy.connections()).toBe(1);
    // The tunnel is closed too, so nothing keeps the process alive (the test times out otherwise).
    await proxy.closedByClient;
  });
});

describe('Portal calls (HttpPortal)', () => {
  it('give up after the answer timeout on a Portal that accepts and never answers', async () => {
    const { HttpPortal } = await import('../../src/portal/http-portal.js');
    const portal = await silentServer((socket) => socket.resume());
    const client = new HttpPortal({ url: `http://127.0.0.1:${portal.port}`, token: 'pat-secret', answerTimeoutMs: 500 });
    await expect(client.getSession()).rejects.toMatchObject({ code: 'PORTAL_UNAVAILABLE', message: expect.stringContaining('did not answer: no answer within 0.5 s') });
  });
});
