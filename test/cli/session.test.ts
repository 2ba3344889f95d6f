import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';

describe('session command (emulator)', () => {
  const emu = usePortalEmulator({ readBacpacVersion: async () => null });
  const tempDir = useTempDirs();
  const portalArgs = (role: 'devops' | 'developer' | 'tenant-administrator') => ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles[role] ?? ''];

  it('creates, grants access without printing or storing the signature, revokes and closes', async () => {
    const cwd = await tempDir();
    const created = await runCli(['session', 'create', ...portalArgs('devops')], { cwd });
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toContain('Session created');

    const again = await runCli(['session', 'create', ...portalArgs('devops')], { cwd });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('PORTAL_CONFLICT');

    const access = await runCli(['session', 'access', ...portalArgs('developer'), '--json'], { cwd });
    expect(access.exitCode).toBe(0);
    const summary = JSON.parse(access.stdout) as Record<string, string>;
    expect(Object.keys(summary).sort()).toEqual(['databaseSasUrl', 'expiresOn', 'storageSasUrl']);
    expect(summary.databaseSasUrl).toContain('sig=REDACTED');
    expect(summary.storageSasUrl).toContain('sig=REDACTED');
    const text = await runCli(['session', 'access', ...portalArgs('developer')], { cwd });
    expect(text.stdout).toContain('sig=REDACTED');
    // How to upload: the same Portal options, no URL and no file.
    expect(text.stdout).toContain(`kxp-restore upload <dir> --portal-url ${emu.running.url} --token-file ${emu.running.tokenFiles.developer ?? ''}`);
    for (const output of [access.stdout, access.stderr, text.stdout, text.stderr]) expect(output).not.toMatch(/sig=(?!REDACTED)/);
    // Nothing was written: no access files, no state folder.
    expect(await readdir(cwd)).toEqual([]);

    const status = await runCli(['session', 'status', ...portalArgs('developer')], { cwd });
    expect(status.stdout).toMatch(/open for uploads[\s\S]*valid access grants: 2/);

    const revokeByDeveloper = await runCli(['session', 'revoke', ...portalArgs('developer')], { cwd });
    expect(revokeByDeveloper.exitCode).toBe(1);
    expect(revokeByDeveloper.stderr).toContain('Developer role cannot revoke');

    expect((await runCli(['session', 'revoke', ...portalArgs('devops')], { cwd })).exitCode).toBe(0);
    expect((await runCli(['session', 'status', ...portalArgs('developer')], { cwd })).stdout).toContain('valid access grants: 0');
    expect((await runCli(['session', 'close', ...portalArgs('tenant-administrator')], { cwd })).stdout).toContain('Session closed');
    expect((await runCli(['session', 'status', ...portalArgs('devops')], { cwd })).stdout).toContain('No custom restore session is open');
    expect(await readdir(cwd)).toEqual([]);
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

  it('session create --manual --json invents nothing: the Portal alone knows the session, so the JSON says it was confirmed and holds no id or dates', async () => {
    const cwd = await tempDir();
    const created = await runCli(['session', 'create', '--manual', '--json'], { cwd, stdin: 'y\n' });
    expect(created.exitCode).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({ created: true, session: null });
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
