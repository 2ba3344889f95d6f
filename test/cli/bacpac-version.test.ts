/**
 * Databases the SaaS can never take (Kentico 13 and older, Xperience below 30.1.0) are errors (BACPAC_VERSION) in
 * inspect, plan, upload, rehearse and package check; a bacpac's warnings (not an Xperience database) reach upload's
 * and verify's output and every --json result. Every bacpac here is made with the repository's writer.
 */
import type { Server } from 'node:net';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { afterEach, describe, expect, it } from 'vitest';
import { writeBacpac } from '../../src/bacpac/write.js';
import { writeDeploymentPackage } from '../../src/package/write.js';
import { runCli } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';
import { connectionCounter } from '../support/net.js';

const tempDir = useTempDirs();

/** A migration folder: db.bacpac of `version` (null: not an Xperience database) and one storage file. */
async function migration(version: string | null): Promise<string> {
  const dir = path.join(await tempDir(), 'migration');
  await writeTree(dir, { 'storage/default/assets/a.txt': 'a' });
  await writeBacpac(path.join(dir, 'db.bacpac'), { xperienceVersion: version });
  return dir;
}

type Json = { ok: boolean; errors: Array<{ code: string; message: string }>; warnings: Array<{ code: string; path: string; message: string }> };

describe('a database the SaaS can never take is BACPAC_VERSION', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('inspect: Kentico 13 and Xperience 29.7 are errors (exit 2), 30.1.0 is not', async () => {
    const dir = await tempDir();
    for (const [name, version] of [['k13.bacpac', '13.0'], ['old.bacpac', '29.7.3'], ['min.bacpac', '30.1.0']] as const) await writeBacpac(path.join(dir, name), { xperienceVersion: version });

    const k13 = await runCli(['inspect', 'k13.bacpac', '--json'], { cwd: dir });
    expect(k13.exitCode).toBe(2);
    const json = JSON.parse(k13.stdout) as Json & { xperienceVersion: string };
    expect(json).toMatchObject({ ok: false, xperienceVersion: '13.0' });
    expect(json.errors.map((issue) => issue.code)).toEqual(['BACPAC_VERSION']);
    expect(json.errors[0]?.message).toContain('Kentico Migration Tool');
    const text = await runCli(['inspect', 'k13.bacpac'], { cwd: dir });
    expect(text.exitCode).toBe(2);
    expect(text.stdout + text.stderr).toContain('BACPAC_VERSION');

    const old = JSON.parse((await runCli(['inspect', 'old.bacpac', '--json'], { cwd: dir })).stdout) as Json;
    expect(old.errors.map((issue) => issue.code)).toEqual(['BACPAC_VERSION']);
    expect(old.errors[0]?.message).toContain('need 30.1.0 or later');

    const minimum = await runCli(['inspect', 'min.bacpac', '--json'], { cwd: dir });
    expect(minimum.exitCode).toBe(0);
    expect((JSON.parse(minimum.stdout) as Json).errors).toEqual([]);
  });

  it('plan: exit 2 with BACPAC_VERSION (text and --json)', async () => {
    const dir = await migration('13.0');
    const text = await runCli(['plan', dir]);
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toMatch(/error +BACPAC_VERSION +.*db\.bacpac/);
    const json = JSON.parse((await runCli(['plan', dir, '--json'])).stdout) as Json;
    expect(json.ok).toBe(false);
    expect(json.errors.map((finding) => finding.code)).toEqual(['BACPAC_VERSION']);
  });

  it('upload: refused before anything is sent (exit 2), the code in the text and in --json', async () => {
    const dir = await migration('29.7.3');
    const storage = await connectionCounter();
    servers.push(storage.server);
    const sas = (container: string) => `${storage.url}/devstoreaccount1/${container}?sv=2021-08-06&sr=c&sp=racwl&se=2099-01-01T00%3A00%3A00Z&sig=abc`;
    const args = ['upload', dir, '--db-sas-url', sas('db'), '--storage-sas-url', sas('files'), '--no-progress'];
    const text = await runCli(args, { cwd: await tempDir() });
    expect(text.exitCode).toBe(2);
    expect(text.stderr).toMatch(/error +BACPAC_VERSION +.*db\.bacpac/);
    const json = await runCli([...args, '--json'], { cwd: await tempDir() });
    expect(json.exitCode).toBe(2);
    expect((JSON.parse(json.stdout) as Json).errors.map((finding) => finding.code)).toEqual(['BACPAC_VERSION']);
    expect(storage.count()).toBe(0);
  });

  it('rehearse: stops at the plan step, BACPAC_VERSION among the findings, nothing started', async () => {
    const result = await runCli(['rehearse', await migration('13.0'), '--json', '--no-progress']);
    expect(result.exitCode).toBe(2);
    const report = JSON.parse(result.stdout) as { error: { code: string }; steps: Array<{ name: string }>; findings: Array<{ code: string; severity: string }> };
    expect(report.error.code).toBe('VALIDATION_FAILED');
    expect(report.steps.map((step) => step.name)).toEqual(['plan']);
    expect(report.findings.map((finding) => finding.code)).toEqual(['BACPAC_VERSION']);
  });

  it('package check --bacpac: a Kentico 13 database is BACPAC_VERSION, not a version to "upgrade" to the package\'s', async () => {
    const dir = await tempDir();
    await writeBacpac(path.join(dir, 'db.bacpac'), { xperienceVersion: '13.0' });
    await writeDeploymentPackage(path.join(dir, 'DeploymentPackage.zip'), { xperienceVersion: '31.6.2' });
    const result = await runCli(['package', 'check', 'DeploymentPackage.zip', '--bacpac', 'db.bacpac', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect((JSON.parse(result.stdout) as Json).errors.map((finding) => finding.code)).toEqual(['BACPAC_VERSION']);
    // plan --package reports it once, not once for the bacpac and once for the package.
    const plan = JSON.parse((await runCli(['plan', '.', '--bacpac', 'db.bacpac', '--database-only', '--package', 'DeploymentPackage.zip', '--json'], { cwd: dir })).stdout) as Json;
    expect(plan.errors.map((finding) => finding.code)).toEqual(['BACPAC_VERSION']);
  });
});

describe('the bacpac warnings reach upload and verify', () => {
  const remote = useProxiedAzurite('notxp');

  it('a database that is not Xperience: upload warns on stderr and in --json, verify --json carries it too', async () => {
    const dir = await migration(null);
    const [db, files] = [await remote.containerUrl(), await remote.containerUrl()];
    const env = { KXP_DB_SAS_URL: db, KXP_STORAGE_SAS_URL: files };
    const text = await runCli(['upload', dir, '--no-progress'], { env });
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toMatch(/warning +NOT_XPERIENCE +.*db\.bacpac/);
    expect(text.stdout).toContain('Upload complete');

    const json = await runCli(['upload', dir, '--no-progress', '--json'], { env });
    expect(json.exitCode).toBe(0);
    const result = JSON.parse(json.stdout) as Json;
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'NOT_XPERIENCE', path: expect.stringContaining('db.bacpac') })]);
    expect(await new ContainerClient(db).getBlobClient('db.bacpac').exists()).toBe(true);

    const verify = await runCli(['verify', dir, '--json'], { env });
    expect(verify.exitCode).toBe(0);
    expect((JSON.parse(verify.stdout) as Json).warnings).toEqual([expect.objectContaining({ code: 'NOT_XPERIENCE' })]);
  });
});
