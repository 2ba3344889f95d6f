import type { Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { writeBacpac } from '../../src/bacpac/write.js';
import { writeDeploymentPackage } from '../../src/package/write.js';
import { writeRealSitePackage } from '../support/deps-json.js';
import { repoRoot, runCli, spawnCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { connectionCounter } from '../support/net.js';

const sample = path.join(repoRoot, 'examples', 'migration');

describe('the whole initial deployment: --package', () => {
  const tempDir = useTempDirs();
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('rehearse passes on the sample with the sample package (what npm start runs)', async () => {
    const result = await spawnCli(['rehearse', 'examples/migration', '--package', 'examples/DeploymentPackage.zip', '--no-progress']).done;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    for (const step of [
      /✓ check package +[\d.]+ s {2}KxpRestoreSample 1\.0\.0 on Xperience 31\.1\.0 = database 31\.1\.0/,
      /✓ deploy to qa +[\d.]+ s {2}deployment d\w+ succeeded, qa now on Xperience 31\.1\.0/,
      /✓ restore to qa +[\d.]+ s {2}restore r\w+ succeeded/,
      /✓ check qa +[\d.]+ s {2}34 blobs identical to the source, Xperience 31\.1\.0/,
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^${step.source}$`, 'm'));
    }
    expect(result.stdout).toContain("qa runs the package's version and holds the restored database and exactly the source files");
  });

  it('rehearse, plan and upload refuse a package of another version than the bacpac: exit 2, nothing sent', async () => {
    const zip = path.join(await tempDir(), 'Newer.zip');
    await writeDeploymentPackage(zip, { xperienceVersion: '31.2.0' });

    const rehearsal = await runCli(['rehearse', sample, '--package', zip, '--json']);
    expect(rehearsal.exitCode).toBe(2);
    const report = JSON.parse(rehearsal.stdout) as { error: { code: string; message: string }; steps: Array<{ name: string; ok: boolean }> };
    expect(report.error.code).toBe('VERSION_MISMATCH');
    expect(report.error.message).toContain('Nothing was sent');
    expect(report.steps.map((step) => step.name)).toEqual(['plan', 'check package']);

    const plan = await runCli(['plan', sample, '--package', zip]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('VERSION_MISMATCH');
    expect(plan.stdout).toMatch(/Package {3}.*Newer\.zip: KxpRestoreSample 1\.0\.0 on Xperience 31\.2\.0/);

    const storage = await connectionCounter();
    servers.push(storage.server);
    const sas = (container: string) => `${storage.url}/devstoreaccount1/${container}?sv=2021-08-06&sr=c&sp=racwl&se=2099-01-01T00%3A00%3A00Z&sig=abc`;
    const upload = await runCli(['upload', sample, '--package', zip, '--db-sas-url', sas('db'), '--storage-sas-url', sas('files'), '--no-progress'], { cwd: await tempDir() });
    expect(upload.exitCode).toBe(2);
    expect(upload.stdout + upload.stderr).toContain('VERSION_MISMATCH');
    expect(storage.count()).toBe(0);
  });

  it('rehearse --package passes with a real site package (Kentico integrations beside Core 31.6.2) and a 31.6.2 database', async () => {
    const dir = await tempDir();
    const migration = path.join(dir, 'migration');
    await mkdir(path.join(migration, 'storage', 'default', 'assets'), { recursive: true });
    await writeBacpac(path.join(migration, 'db.bacpac'), { xperienceVersion: '31.6.2' });
    await writeFile(path.join(migration, 'storage', 'default', 'assets', 'a.txt'), 'a');
    const zip = path.join(dir, 'DeploymentPackage.zip');
    await writeRealSitePackage(zip, 'Windows PowerShell 5.1');
    const result = await runCli(['rehearse', migration, '--package', zip, '--no-progress']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/✓ check package +[\d.]+ s {2}DancingGoat 1\.0\.0 on Xperience 31\.6\.2 = database 31\.6\.2/);
    expect(result.stdout).toMatch(/✓ check qa +[\d.]+ s {2}.*Xperience 31\.6\.2/);
  });

  it('plan --package passes with the sample package and lists it', async () => {
    const plan = await runCli(['plan', sample, '--package', path.join(repoRoot, 'examples', 'DeploymentPackage.zip'), '--json']);
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ ok: true, package: { ok: true, xperienceVersion: '31.1.0', bacpac: { version: '31.1.0' } } });
  });
});
