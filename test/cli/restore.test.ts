import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';
import { runInteractive } from '../portal/interactive.js';

describe('restore command (emulator)', () => {
  const emu = usePortalEmulator({ readBacpacVersion: async () => null });
  const portalArgs = (role: 'devops' | 'developer') => ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles[role] ?? '', '--poll-interval', '20'];

  async function sessionWithUpload(blobs: { database: Record<string, string>; storage: Record<string, string> }) {
    const devops = emu.portal('devops');
    await devops.createSession();
    const grant = await devops.getAccess();
    await emu.put(grant.databaseSasUrl, blobs.database);
    await emu.put(grant.storageSasUrl, blobs.storage);
  }

  it('restores to qa after a restore point, shows progress, and exits 0', async () => {
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage: { 'default/assets/a.txt': 'a', 'default/assets/b.txt': 'bb' } });
    const result = await runCli(['restore', '--env', 'qa', ...portalArgs('developer')]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Restore point rp-\w+ of qa created/);
    expect(result.stdout).toContain('Restore to qa succeeded');
    expect(await emu.environmentBlobs('qa')).toEqual({ 'default/assets/a.txt': 1, 'default/assets/b.txt': 2 });
  });

  it('exits 1 with the reason when the restore fails, and --json says so', async () => {
    await sessionWithUpload({ database: { 'export.bacpac': 'db' }, storage: {} });
    const result = await runCli(['restore', '--env', 'uat', '--no-restore-point', '--json', ...portalArgs('devops')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no restore point of uat was created');
    expect(result.stderr).toContain('no blob named db.bacpac');
    const json = JSON.parse(result.stdout) as { ok: boolean; error: { code: string } };
    expect(json).toMatchObject({ ok: false, error: { code: 'RESTORE_FAILED' } });
  });

  it('refuses a Developer a production restore', async () => {
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage: {} });
    const result = await runCli(['restore', '--env', 'prod', '--yes', ...portalArgs('developer')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PORTAL_FORBIDDEN');
  });

  it('needs production confirmed: no typed name, nothing happens', async () => {
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage: { 'default/a.txt': 'a' } });
    const before = await emu.environmentBlobs('prod');
    const result = await runCli(['restore', '--env', 'prod', ...portalArgs('devops')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('NOT_CONFIRMED');
    expect(result.stdout).not.toContain('Restore point');
    expect(await emu.environmentBlobs('prod')).toEqual(before);
  });

  it('restores production once its name is typed back', async () => {
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage: { 'default/a.txt': 'a' } });
    const result = await runInteractive(['restore', '--env', 'prod', ...portalArgs('devops')], [['Type "prod" to continue', 'prod\r']]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Restore to prod succeeded');
    expect(await emu.environmentBlobs('prod')).toEqual({ 'default/a.txt': 1 });
  });
});
