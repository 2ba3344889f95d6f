import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBacpac } from '../../src/bacpac/write.js';
import { writeDeploymentPackage, type WriteDeploymentPackageOptions } from '../../src/package/write.js';
import { startPortalEmulator } from '../../src/portal/emulator/start.js';
import { restoreToEnvironment } from '../../src/portal/restore-flow.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';
import { runInteractive } from '../portal/interactive.js';
import { repoRoot, runCli, type CliResult } from '../support/cli.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { useTempDirs } from '../support/tree.js';
import { writeRealSitePackage } from '../support/deps-json.js';

const harness = usePortalEmulator();
const tempDir = useTempDirs();
/** Every output of every run in this file, searched for the token and the GUID at the end. */
const outputs: string[] = [];
const secrets: string[] = [];

async function packageWith(options: WriteDeploymentPackageOptions = {}): Promise<string> {
  const file = path.join(await tempDir(), 'DeploymentPackage.zip');
  await writeDeploymentPackage(file, options);
  return file;
}

/** `package upload` against the emulator as `role`, the token in a file and the GUID in KXP_PROJECT_GUID. */
async function upload(zip: string, env: string, role: 'developer' | 'devops', extra: string[] = [], stdin = ''): Promise<CliResult> {
  const dir = await tempDir();
  const tokenFile = path.join(dir, 'pat');
  const token = harness.running.tokenFor(role);
  secrets.push(token, harness.running.emulator.projectGuid);
  await writeFile(tokenFile, token);
  const result = await runCli(['package', 'upload', zip, '--env', env, '--portal-url', harness.running.url, '--token-file', tokenFile, '--poll-interval', '10', ...extra], {
    env: { KXP_PROJECT_GUID: harness.running.emulator.projectGuid },
    stdin,
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

function environment(env: string) {
  const found = harness.running.emulator.environments().find((candidate) => candidate.name === env);
  if (!found) throw new Error(`no ${env}`);
  return found;
}

describe('kxp-restore package upload (emulator)', () => {
  it('uploads with progress, deploys (version changed, assets added) and lists the deployment in the history', async () => {
    const zip = await packageWith({ xperienceVersion: '31.2.0', applicationVersion: '2.0.0', storageAssets: { 'default/assets/logo.svg': '<svg/>' } });
    const result = await upload(zip, 'qa', 'developer');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('/api/deployment/upload/<PROJECT_GUID>/qa');
    expect(result.stdout).toMatch(/\(100%\)/);
    expect(result.stdout).toContain('now runs KxpRestoreSample 2.0.0 on Xperience 31.2.0');
    expect(environment('qa')).toMatchObject({ version: '31.2.0', deployedVersion: '31.2.0', available: true, application: { assemblyName: 'KxpRestoreSample', version: '2.0.0' } });
    expect(await harness.environmentBlobs('qa')).toEqual({ 'default/assets/logo.svg': 6 });
    const history = await harness.portal('developer').listDeployments();
    expect(history.at(-1)).toMatchObject({ env: 'qa', state: 'succeeded', xperienceVersion: '31.2.0', storageAssets: { mode: 'Create', added: 1 } });
  });

  it('refuses a package older than the environment, which keeps its version', async () => {
    const before = (await harness.portal('developer').listDeployments()).length;
    const result = await upload(await packageWith({ xperienceVersion: '31.1.0' }), 'qa', 'developer');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PACKAGE_INVALID');
    expect(result.stderr).toContain('older than');
    expect(environment('qa').version).toBe('31.2.0');
    expect(await harness.portal('developer').listDeployments()).toHaveLength(before);
  });

  it('adds storage assets by mode: Create never overwrites, CreateUpdate does', async () => {
    const read = async () => (await harness.running.emulator.environmentStorage('uat').getContainerClient('default').getBlobClient('a.txt').downloadToBuffer()).toString();
    expect((await upload(await packageWith({ xperienceVersion: '31.2.0', storageAssets: { 'default/a.txt': 'one' } }), 'uat', 'devops', ['--yes'])).exitCode).toBe(0);
    const kept = await upload(await packageWith({ xperienceVersion: '31.2.0', storageAssets: { 'default/a.txt': 'two', 'default/b.txt': 'b' } }), 'uat', 'devops', ['--yes']);
    expect(kept.stdout).toContain('1 added, 0 overwritten, 1 kept');
    expect(await read()).toBe('one');
    const updated = await upload(await packageWith({ xperienceVersion: '31.2.0', deploymentMode: 'CreateUpdate', storageAssets: { 'default/a.txt': 'three' } }), 'uat', 'devops', ['--yes']);
    expect(updated.stdout).toContain('0 added, 1 overwritten, 0 kept');
    expect(await read()).toBe('three');
  });

  it('refuses a developer for prod (403), and asks for the name typed back first', async () => {
    const zip = await packageWith();
    const before = (await harness.portal('devops').listDeployments()).length;
    const unconfirmed = await upload(zip, 'prod', 'developer');
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr).toContain('NOT_CONFIRMED');
    const refused = await upload(zip, 'prod', 'developer', ['--yes']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('PORTAL_FORBIDDEN');
    expect(refused.stderr).toContain('DevOps');
    expect(await harness.portal('devops').listDeployments()).toHaveLength(before);
    const tokenFile = path.join(await tempDir(), 'pat');
    await writeFile(tokenFile, harness.running.tokenFor('devops'));
    const typed = await runInteractive(['package', 'upload', zip, '--env', 'prod', '--portal-url', harness.running.url, '--token-file', tokenFile, '--poll-interval', '10'], [['Type "prod"', 'prod\r']], {
      env: { KXP_PROJECT_GUID: harness.running.emulator.projectGuid },
    });
    outputs.push(typed.stdout, typed.stderr);
    expect(typed.unanswered).toEqual([]);
    expect(typed.exitCode).toBe(0);
    expect(environment('prod').deployedVersion).toBe('31.1.0');
  });

  it('refuses, before sending, a bacpac of another version than the package', async () => {
    const dir = await tempDir();
    await writeBacpac(path.join(dir, 'db.bacpac'), { xperienceVersion: '30.2.0' });
    const before = (await harness.portal('devops').listDeployments()).length;
    const result = await upload(await packageWith({ xperienceVersion: '31.2.0' }), 'qa', 'developer', ['--bacpac', path.join(dir, 'db.bacpac')]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('VERSION_MISMATCH');
    expect(result.stderr).toContain('nothing was sent');
    expect(await harness.portal('devops').listDeployments()).toHaveLength(before);
  });

  it('says what to do on an unknown project (404) and a wrong token (401)', async () => {
    const zip = await packageWith({ xperienceVersion: '31.2.0' });
    const notFound = await runCli(['package', 'upload', zip, '--env', 'qa', '--portal-url', harness.running.url, '--project-guid', '00000000-0000-4000-8000-000000000000'], { env: { KXP_PORTAL_TOKEN: harness.running.tokenFor('developer') } });
    outputs.push(notFound.stdout, notFound.stderr);
    expect(notFound.exitCode).toBe(1);
    expect(notFound.stderr).toContain('PORTAL_NOT_FOUND');
    expect(notFound.stderr).toContain('Dashboard');
    const unauthorized = await runCli(['package', 'upload', zip, '--env', 'qa', '--portal-url', harness.running.url, '--token', 'kxp-wrong-token-0123456789'], { env: { KXP_PROJECT_GUID: harness.running.emulator.projectGuid } });
    secrets.push('kxp-wrong-token-0123456789');
    outputs.push(unauthorized.stdout, unauthorized.stderr);
    expect(unauthorized.exitCode).toBe(1);
    expect(unauthorized.stderr).toContain('PORTAL_UNAUTHORIZED');
    expect(unauthorized.stderr).toContain('personal access token');
  });

  it('keeps the environment unavailable while deploying; a restore then compares with the deployed version', async () => {
    const { emulator } = harness.running;
    const portal = harness.portal('devops');
    await portal.createSession();
    const zip = await packageWith({ xperienceVersion: '31.3.0', storageAssets: { 'default/x.txt': 'x' } });
    const started = await emulator.deployPackage('devops', emulator.projectGuid, 'stg', zip);
    expect(environment('stg').available).toBe(false);
    await expect(emulator.restore('devops', 'stg')).rejects.toMatchObject({ code: 'PORTAL_CONFLICT' });
    expect((await emulator.whenDeploymentSettled(started.id)).state).toBe('succeeded');
    expect(environment('stg')).toMatchObject({ available: true, version: '31.3.0' });

    const grant = await portal.getAccess();
    await harness.put(grant.databaseSasUrl, { 'db.bacpac': await readFile(path.join(repoRoot, 'examples', 'migration', 'db.bacpac')) });
    await harness.put(grant.storageSasUrl, { 'default/a.txt': 'a' });
    await expect(restoreToEnvironment(portal, { env: 'stg', assumeYes: true, intervalMs: 10 })).rejects.toMatchObject({ code: 'VERSION_MISMATCH', message: expect.stringContaining('31.3.0') });
  });

  it.each(['PowerShell 7', 'Windows PowerShell 5.1'] as const)('deploys a real site package with Kentico integrations (%s shape): product version 31.6.2', async (shape) => {
    const zip = path.join(await tempDir(), 'DeploymentPackage.zip');
    await writeRealSitePackage(zip, shape);
    const result = await upload(zip, 'qa', 'developer');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('now runs DancingGoat 1.0.0 on Xperience 31.6.2');
    expect(environment('qa')).toMatchObject({ version: '31.6.2', deployedVersion: '31.6.2' });
  });
});

describe('kxp-restore package upload when the Portal goes away mid-upload', () => {
  const dirs = useTempDirs();

  it('retries the whole upload a bounded number of times, then reports that nothing was deployed', async () => {
    const running = await startPortalEmulator();
    const proxy = await startTcpProxy(Number(new URL(running.url).port));
    try {
      const zip = path.join(await dirs(), 'DeploymentPackage.zip');
      const { randomBytes } = await import('node:crypto');
      await writeDeploymentPackage(zip, { storageAssets: { 'default/video.bin': randomBytes(1024 * 1024) } });
      const token = running.tokenFor('developer');
      secrets.push(token, running.emulator.projectGuid);
      const stalled = proxy.stallAt(256 * 1024);
      const run = runCli(['package', 'upload', zip, '--env', 'qa', '--portal-url', proxy.url(), '--project-guid', running.emulator.projectGuid, '--retry-delay', '1'], { env: { KXP_PORTAL_TOKEN: token } });
      await stalled;
      await running.stop();
      proxy.release();
      const result = await run;
      outputs.push(result.stdout, result.stderr);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toContain('a POST cannot resume');
      expect(result.stdout).toContain('try 3 of 3');
      expect(result.stderr).toContain('PORTAL_UNAVAILABLE');
      expect(result.stderr).toContain('failed 3 times');
      expect(result.stderr).toContain('Nothing was deployed');
      expect(proxy.connections).toBe(3);
    } finally {
      await proxy.close();
      await running.stop();
    }
  });
});

afterAll(() => {
  // The token and the project GUID appear in no output of any run above.
  const all = outputs.join('\n');
  expect(outputs.length).toBeGreaterThan(10);
  for (const secret of new Set(secrets)) expect(all).not.toContain(secret);
});
