/** Issue 10 point 3: a Portal only when named on the command line, every destination named, no silent mix of local and remote. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDestinations } from '../../src/operations/destinations/prepare.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';
import { repoRoot, runCli } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const REMOTE = 'https://acct.blob.core.windows.net/restore-files?sv=2024-11-04&sr=c&sp=racwdl&se=2099-01-01T00%3A00%3A00Z&sig=remoteSignature';

describe('destinations', () => {
  const emu = usePortalEmulator({ readBacpacVersion: async () => null });
  const tempDir = useTempDirs();
  const payload = async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    return dir;
  };

  it('KXP_PORTAL_URL in the environment alone picks no Portal: no access is asked, nothing is sent, exit 2 with a warning', async () => {
    await emu.portal('devops').createSession();
    const env = { KXP_PORTAL_URL: emu.running.url, KXP_PORTAL_TOKEN: emu.running.tokenFor('devops') };
    const upload = await runCli(['upload', await payload(), '--storage-only'], { env });
    expect(upload.exitCode).toBe(2);
    expect(upload.stderr).toContain('KXP_PORTAL_URL is set but ignored');
    expect(upload.stderr).toContain('storage SAS URL is needed');
    const verify = await runCli(['verify', await payload(), '--storage-only'], { env });
    expect(verify.exitCode).toBe(2);
    expect((await emu.portal('devops').getSession())?.activeGrants).toBe(0);
    expect(await emu.environmentBlobs('qa')).toEqual({});

    const restore = await runCli(['restore', '--env', 'qa'], { env });
    expect(restore.exitCode).toBe(2);
    expect(restore.stderr).toContain(`add --portal-url ${emu.running.url}`);
  });

  it('names each container and the Portal that granted the access before sending', async () => {
    await emu.portal('devops').createSession();
    const dir = await payload();
    const named = ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles.devops ?? ''];
    const upload = await runCli(['upload', dir, '--storage-only', ...named, '--no-progress'], { env: { KXP_PORTAL_URL: 'http://127.0.0.1:9' } });
    expect(upload.exitCode).toBe(0);
    expect(upload.stderr).toMatch(/Uploading to:\n {2}storage {3}\S+\/\S+ \(this computer, 127\.0\.0\.1:\d+\)\n {2}access granted by the Portal at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(upload.stderr).not.toContain('KXP_PORTAL_URL');
    const verify = await runCli(['verify', dir, '--storage-only', ...named]);
    expect(verify.exitCode).toBe(0);
    expect(verify.stderr).toMatch(/Verifying against:\n {2}storage {3}\S+\/\S+ \(this computer/);
  });

  it('reads a token file saved as UTF-16 with a byte-order mark and CRLF (Windows PowerShell)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'devops.token');
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${emu.running.tokenFor('devops')}\r\n`, 'utf16le')]));
    const created = await runCli(['session', 'create', '--portal-url', emu.running.url, '--token-file', file, '--json']);
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    await writeFile(file, `${emu.running.tokenFor('devops')}\n${emu.running.tokenFor('developer')}\n`);
    const two = await runCli(['session', 'status', '--portal-url', emu.running.url, '--token-file', file]);
    expect(two.exitCode).toBe(2);
    expect(two.stderr).toContain('holds 2 non-blank lines');
    expect(two.stderr).not.toContain('kxp-emu-');
  });

  it('refuses one container on loopback and the other elsewhere unless --allow-mixed-destinations', async () => {
    await emu.portal('devops').createSession();
    const grant = await emu.portal('devops').getAccess();
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const bacpac = path.join(repoRoot, 'examples/migration/db.bacpac');
    const source = { dir, bacpac };
    const mixed = await runCli(['upload', dir, '--bacpac', bacpac, '--storage-sas-url', REMOTE], { env: { KXP_DB_SAS_URL: grant.databaseSasUrl } });
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toContain('MIXED_DESTINATIONS');
    expect(mixed.stderr).toContain('--allow-mixed-destinations');
    expect(mixed.stderr).not.toContain('remoteSignature');
    const allowed = await prepareDestinations(source, { dbSasUrl: grant.databaseSasUrl, storageSasUrl: REMOTE, allowMixedDestinations: true }, 'upload');
    expect(allowed.storage?.identity).toBe('acct/restore-files');
    await expect(prepareDestinations(source, { dbSasUrl: grant.databaseSasUrl, storageSasUrl: REMOTE }, 'upload')).rejects.toMatchObject({ code: 'MIXED_DESTINATIONS' });
  });
});
