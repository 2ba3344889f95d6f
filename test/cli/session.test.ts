import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sasSignature } from '../../src/azure/sas.js';
import { runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';

describe('session command (emulator)', () => {
  const emu = usePortalEmulator({ readBacpacVersion: async () => null });
  const tempDir = useTempDirs();
  const portalArgs = (role: 'devops' | 'developer' | 'tenant-administrator') => ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles[role] ?? ''];

  it('creates, grants access into owner-only files without printing the signature, revokes and closes', async () => {
    const cwd = await tempDir();
    const created = await runCli(['session', 'create', ...portalArgs('devops')], { cwd });
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toContain('Session created');

    const again = await runCli(['session', 'create', ...portalArgs('devops')], { cwd });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('PORTAL_CONFLICT');

    const access = await runCli(['session', 'access', ...portalArgs('developer'), '--json'], { cwd });
    expect(access.exitCode).toBe(0);
    const summary = JSON.parse(access.stdout) as { databaseSasUrl: string; files: { database: string; storage: string } };
    expect(summary.databaseSasUrl).toContain('sig=REDACTED');
    const saved = (await readFile(summary.files.database, 'utf8')).trim();
    const signature = sasSignature(saved);
    expect(signature).toBeTruthy();
    expect(access.stdout + access.stderr).not.toContain(signature);
    expect((await stat(summary.files.storage)).mode & 0o777).toBe(0o600);
    expect(path.dirname(summary.files.database)).toBe(path.join(cwd, '.kxp-restore', 'access'));

    const status = await runCli(['session', 'status', ...portalArgs('developer')], { cwd });
    expect(status.stdout).toMatch(/open for uploads[\s\S]*valid access grants: 1/);

    const revokeByDeveloper = await runCli(['session', 'revoke', ...portalArgs('developer')], { cwd });
    expect(revokeByDeveloper.exitCode).toBe(1);
    expect(revokeByDeveloper.stderr).toContain('Developer role cannot revoke');

    expect((await runCli(['session', 'revoke', ...portalArgs('devops')], { cwd })).exitCode).toBe(0);
    // The saved URLs are worthless after a revoke: the files holding them are gone too.
    await expect(stat(summary.files.database)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await runCli(['session', 'close', ...portalArgs('tenant-administrator')], { cwd })).stdout).toContain('Session closed');
    expect((await runCli(['session', 'status', ...portalArgs('devops')], { cwd })).stdout).toContain('No custom restore session is open');
  });

  it('takes the token from KXP_PORTAL_TOKEN, and warns when it comes from a plain --token flag', async () => {
    const token = emu.running.tokenFor('devops');
    const fromEnv = await runCli(['session', 'status', '--portal-url', emu.running.url], { env: { KXP_PORTAL_TOKEN: token } });
    expect(fromEnv.exitCode).toBe(0);
    expect(fromEnv.stderr).toBe('');
    const fromFlag = await runCli(['session', 'status', '--portal-url', emu.running.url, '--token', token]);
    expect(fromFlag.exitCode).toBe(0);
    expect(fromFlag.stderr).toContain('shell history');
    expect(fromFlag.stderr + fromFlag.stdout).not.toContain(token);
  });

  it('needs a Portal and a token', async () => {
    const none = await runCli(['session', 'status']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--portal-url URL for the emulator, or --manual');
    const noToken = await runCli(['session', 'status', '--portal-url', emu.running.url]);
    expect(noToken.exitCode).toBe(2);
    expect(noToken.stderr).toContain('--token-file');
  });
});
