import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContainerClient } from '@azure/storage-blob';
import { writeBacpac } from '../../src/bacpac/index.js';
import { repoRoot, runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { usePortalEmulator } from './emulator-harness.js';

// The emulator here reads the bacpac version with the real reader; qa runs 31.1.0 (the sample's), uat 30.0.0.
describe('emulator with real uploads and bacpacs', () => {
  const emu = usePortalEmulator({ envVersions: { uat: '30.0.0' } });
  const tempDir = useTempDirs();
  const asRole = (role: 'devops' | 'developer') => ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles[role] ?? ''];

  it('a revoked SAS makes upload stop with exit 3; new access resumes it and verify passes', async () => {
    const cwd = await tempDir();
    const dir = path.join(cwd, 'migration');
    await cp(path.join(repoRoot, 'examples', 'migration'), dir, { recursive: true });
    const urls = ['--db-sas-url-file', '.kxp-restore/access/database.sas-url', '--storage-sas-url-file', '.kxp-restore/access/storage.sas-url'];

    expect((await runCli(['session', 'create', ...asRole('devops')], { cwd })).exitCode).toBe(0);
    expect((await runCli(['session', 'access', ...asRole('developer')], { cwd })).exitCode).toBe(0);
    const first = await runCli(['upload', 'migration', ...urls, '--no-progress'], { cwd });
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);

    await writeFile(path.join(dir, 'storage', 'default', 'assets', 'late-addition.txt'), 'added after the first upload');
    // Someone else revokes access in the Portal; this machine still holds the old URLs.
    await emu.portal('devops').revokeAccess();
    const revoked = await runCli(['upload', 'migration', ...urls, '--no-progress'], { cwd });
    expect(revoked.exitCode).toBe(3);
    expect(revoked.stderr).toContain('ACCESS_DENIED');
    expect(revoked.stderr).toContain('Get access');

    expect((await runCli(['session', 'access', ...asRole('developer')], { cwd })).exitCode).toBe(0);
    const resumed = await runCli(['upload', 'migration', ...urls, '--no-progress', '--json'], { cwd });
    expect(resumed.exitCode).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, files: { uploaded: 1 } });
    expect((await runCli(['verify', 'migration', ...urls], { cwd })).exitCode).toBe(0);
  });

  it('refuses a restore whose bacpac version differs from the environment, before touching it', async () => {
    const dir = await tempDir();
    const bacpac = path.join(dir, 'db.bacpac');
    await writeBacpac(bacpac, { xperienceVersion: '31.1.0' });
    const devops = emu.portal('devops');
    await devops.createSession();
    const grant = await devops.getAccess();
    await new ContainerClient(grant.databaseSasUrl).getBlockBlobClient('db.bacpac').uploadFile(bacpac);
    const databaseBefore = await emu.running.emulator.environmentDatabase('uat').getBlobClient('db.bacpac').exists();

    const mismatch = await emu.running.emulator.whenRestoreSettled(await devops.restore({ env: 'uat' }));
    expect(mismatch).toMatchObject({ state: 'failed', reasonCode: 'VERSION_MISMATCH' });
    expect(mismatch.reason).toContain('Xperience version 31.1.0 but the uat environment runs 30.0.0');
    expect(await emu.running.emulator.environmentDatabase('uat').getBlobClient('db.bacpac').exists()).toBe(databaseBefore);

    const match = await emu.running.emulator.whenRestoreSettled(await devops.restore({ env: 'qa' }));
    expect(match).toMatchObject({ state: 'succeeded', databaseVersion: '31.1.0' });

    // A damaged upload: the import would fail, so the restore fails with the reader's reason.
    await new ContainerClient(grant.databaseSasUrl).getBlockBlobClient('db.bacpac').upload('not a zip', 9);
    const damaged = await emu.running.emulator.whenRestoreSettled(await devops.restore({ env: 'qa' }));
    expect(damaged).toMatchObject({ state: 'failed', reasonCode: 'BACPAC_INVALID' });
  });
});
