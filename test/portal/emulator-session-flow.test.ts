import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ContainerClient } from '@azure/storage-blob';
import { sasSignature } from '../../src/azure/sas.js';
import { writeBacpac } from '../../src/bacpac/index.js';
import type { AccessGrant } from '../../src/portal/types.js';
import { repoRoot, runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { usePortalEmulator } from './emulator-harness.js';
import { runInteractive } from './interactive.js';

// The emulator here reads the bacpac version with the real reader; qa runs 31.1.0 (the sample's), uat 30.0.0.
describe('emulator with real uploads and bacpacs', () => {
  const emu = usePortalEmulator({ envVersions: { uat: '30.0.0' } });
  const tempDir = useTempDirs();
  const asRole = (role: 'devops' | 'developer') => ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles[role] ?? ''];

  /** Every file under `root` whose bytes contain one of `secrets`, as `file: secret…` (empty when none). */
  async function filesHolding(root: string, secrets: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const bytes = await readFile(file);
      for (const secret of secrets) if (bytes.includes(secret)) found.push(`${path.relative(root, file)}: ${secret.slice(0, 6)}…`);
    }
    return found;
  }

  function signature(url: string): string {
    const sig = sasSignature(url);
    if (!sig) throw new Error(`no signature in an issued URL`);
    return sig;
  }

  /** Passes every Get access through, keeping the grants for the test; `revokeNext` makes someone revoke right after the next one. */
  function watchGrants() {
    const emulator = emu.running.emulator;
    const getAccess = emulator.getAccess.bind(emulator);
    const watched = { issued: [] as AccessGrant[], revokeNext: false };
    const spy = vi.spyOn(emulator, 'getAccess').mockImplementation(async (role, options) => {
      const grant = await getAccess(role, options);
      watched.issued.push(grant);
      if (watched.revokeNext) {
        watched.revokeNext = false;
        await emulator.revokeAccess('devops');
      }
      return grant;
    });
    onTestFinished(() => spy.mockRestore());
    return watched;
  }

  async function copyExample(): Promise<string> {
    const cwd = await tempDir();
    await cp(path.join(repoRoot, 'examples', 'migration'), path.join(cwd, 'migration'), { recursive: true });
    return cwd;
  }

  it('upload and verify get access from the Portal themselves; a revoke stops upload with exit 3 and re-running resumes', async () => {
    const cwd = await copyExample();
    const grants = watchGrants();
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const result = await runCli(args, { cwd });
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    const portal = asRole('developer');

    expect((await run(['session', 'create', ...asRole('devops')])).exitCode).toBe(0);
    expect((await run(['session', 'access', ...portal])).exitCode).toBe(0);
    const first = await run(['upload', 'migration', ...portal, '--no-progress']);
    expect(first.stderr).toContain('Got access from the Portal');
    expect(first.exitCode).toBe(0);

    await writeFile(path.join(cwd, 'migration', 'storage', 'default', 'assets', 'late-addition.txt'), 'added after the first upload');
    // Someone revokes access in the Portal just after this run got its URLs.
    grants.revokeNext = true;
    const revoked = await run(['upload', 'migration', ...portal, '--no-progress']);
    expect(revoked.exitCode).toBe(3);
    expect(revoked.stderr).toContain('ACCESS_DENIED');
    expect(revoked.stderr).toContain('Get access');
    // The resume command names the Portal again, never a URL.
    expect(revoked.stderr).toContain(`kxp-restore upload migration --portal-url ${emu.running.url} --token-file ${emu.running.tokenFiles.developer ?? ''}`);
    expect(revoked.stderr.split('To resume, run:')[1]).not.toMatch(/sig=|https?:\/\/[^ ]*\?/);
    expect(revoked.stderr).not.toMatch(/sig=(?!REDACTED)/);

    const resumed = await run(['upload', 'migration', ...portal, '--no-progress', '--json']);
    expect(resumed.exitCode).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, files: { uploaded: 1 } });
    expect((await run(['verify', 'migration', ...portal])).exitCode).toBe(0);
    expect((await run(['session', 'revoke', ...asRole('devops')])).exitCode).toBe(0);
    expect((await run(['session', 'close', ...asRole('devops')])).exitCode).toBe(0);

    // session access, three uploads and verify: five grants, none of them written anywhere.
    expect(grants.issued).toHaveLength(5);
    const signatures = grants.issued.flatMap((grant) => [signature(grant.databaseSasUrl), signature(grant.storageSasUrl)]);
    expect(new Set(signatures).size).toBe(10);
    const secrets = [...signatures, emu.running.tokenFor('developer'), emu.running.tokenFor('devops')];
    expect(await filesHolding(cwd, secrets)).toEqual([]);
    for (const output of outputs) for (const secret of secrets) expect(output).not.toContain(secret);
    expect(await readdir(path.join(cwd, 'migration', '.kxp-restore'))).not.toHaveLength(0);
  });

  it('upload --manual takes the pasted SAS URLs without echoing or storing them', async () => {
    const cwd = await copyExample();
    await emu.portal('devops').createSession();
    const grant = await emu.portal('developer').getAccess();
    const result = await runInteractive(['upload', 'migration', '--manual', '--no-progress'], [
      ['Paste the database container SAS URL', grant.databaseSasUrl + '\r'],
      ['Paste the storage container SAS URL', grant.storageSasUrl + '\r'],
    ], { cwd });
    expect(result.unanswered).toEqual([]);
    expect(result.stderr).toContain('Under Current session, select Get access.');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Upload complete');
    const secrets = [signature(grant.databaseSasUrl), signature(grant.storageSasUrl)];
    for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);
    expect(await filesHolding(cwd, secrets)).toEqual([]);
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
