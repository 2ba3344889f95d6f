import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDeploymentPackage } from '../../src/package/write.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';
import { spawnCli } from '../support/cli.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { useTempDirs } from '../support/tree.js';

// The real Portal's host: only the proxy can reach it here (no DNS, no network); the proxy ends TLS
// like a corporate TLS-inspecting proxy and forwards to the local emulator.
const HOST = 'xperience-portal.com';

describe('kxp-restore package upload through a corporate proxy (HTTPS_PROXY)', () => {
  const harness = usePortalEmulator();
  const tempDir = useTempDirs();
  let proxy: ConnectProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy({ hostname: HOST, targetPort: Number(new URL(harness.running.url).port) });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('reaches the default Portal URL (https://xperience-portal.com) only through the proxy, and says so', async () => {
    const dir = await tempDir();
    const zip = path.join(dir, 'DeploymentPackage.zip');
    await writeDeploymentPackage(zip, { xperienceVersion: '31.2.0' });
    const trust = path.join(dir, 'proxy-ca.pem');
    await writeFile(trust, proxy.certificate);
    const token = harness.running.tokenFor('developer');
    const result = await spawnCli(['package', 'upload', zip, '--env', 'qa', '--poll-interval', '10'], {
      env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: trust, KXP_PORTAL_TOKEN: token, KXP_PROJECT_GUID: harness.running.emulator.projectGuid },
    }).done;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`to https://${HOST}/api/deployment/upload/<PROJECT_GUID>/qa through proxy ${proxy.url} (HTTPS_PROXY)`);
    expect(proxy.tunnels).toContain(`${HOST}:443`);
    expect(harness.running.emulator.environments().find((env) => env.name === 'qa')?.version).toBe('31.2.0');
    expect(result.stdout + result.stderr).not.toContain(token);
  });
});
