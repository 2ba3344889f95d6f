import { describe, expect, it } from 'vitest';
import { binPath, runCli } from '../support/cli.js';
import { runInPty } from '../support/pty.js';
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

  it('tells a Developer a production restore is not theirs before asking to type the name', async () => {
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage: {} });
    const result = await runCli(['restore', '--env', 'prod', ...portalArgs('developer')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('PORTAL_FORBIDDEN');
    expect(result.stderr).toContain('The Developer role cannot restore to the prod environment');
    expect(result.stderr + result.stdout).not.toContain('Type "prod"');
  });

  it('repeats the Portal options in the next command after a restore', async () => {
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage: {} });
    const result = await runCli(['restore', '--env', 'qa', ...portalArgs('developer')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`kxp-restore session close --portal-url ${emu.running.url} --token-file ${emu.running.tokenFiles.developer ?? ''}`);
  });

  it('in a terminal, shows the restore\'s progress on one line updated in place', async () => {
    const storage = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`default/assets/${index}.txt`, 'x']));
    await sessionWithUpload({ database: { 'db.bacpac': 'db' }, storage });
    const run = runInPty([process.execPath, binPath, 'restore', '--env', 'qa', '--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles.devops ?? '', '--poll-interval', '1'], { columns: 80 });
    const { exitCode, output } = await run.done;
    expect(exitCode, output).toBe(0);
    expect(output).toContain('Restore to qa succeeded');
    // Several statuses were drawn, each over the last: none of them ended a line.
    expect(new Set(output.match(/copying storage: \d+\/60/g)).size, output).toBeGreaterThan(1);
    expect(output.split('\n').filter((line) => line.includes('copying storage')).length, output).toBeLessThanOrEqual(1);
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

describe('restore command, following a restore that is already running (emulator)', () => {
  // The emulator's restore waits at its version check until the test lets it go: a restore that runs as long as needed.
  let entered!: () => void;
  let inCheck = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const emu = usePortalEmulator({
    readBacpacVersion: async () => {
      entered();
      await released;
      return null;
    },
  });
  const portalArgs = (role: 'devops' | 'developer') => ['--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles[role] ?? '', '--poll-interval', '20'];

  it('after Ctrl-C, session status shows the restore and restore --env attaches to it and waits', async () => {
    const devops = emu.portal('devops');
    await devops.createSession();
    const grant = await devops.getAccess();
    await emu.put(grant.databaseSasUrl, { 'db.bacpac': 'db' });
    await emu.put(grant.storageSasUrl, { 'default/a.txt': 'a' });

    const interrupt = new AbortController();
    const first = runCli(['restore', '--env', 'qa', ...portalArgs('devops')], { signal: interrupt.signal });
    await inCheck;
    interrupt.abort(new Error('Ctrl-C'));
    const stopped = await first;
    expect(stopped.exitCode).toBe(3);
    expect(stopped.stderr).toMatch(/The restore r\w+ to qa goes on in the Portal\. Follow it again with: kxp-restore restore --env qa --portal-url/);

    const status = await runCli(['session', 'status', ...portalArgs('developer').slice(0, 4)]);
    const restoreId = /Restore (r\w+) to qa started/.exec(stopped.stdout)?.[1] ?? '';
    expect(restoreId).not.toBe('');
    expect(status.stdout).toMatch(new RegExp(`active restore: +${restoreId} to qa, validating \\(checking the uploaded data\\), started \\d{4}-`));

    const other = await runCli(['restore', '--env', 'uat', ...portalArgs('devops')]);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toContain(`A restore to qa (${restoreId}) is already running`);
    expect(other.stdout).not.toContain('Restore point');

    inCheck = Promise.resolve();
    const again = runCli(['restore', '--env', 'qa', ...portalArgs('devops')]);
    const statusWhileAttached = await runCli(['session', 'status', '--json', ...portalArgs('devops').slice(0, 4)]);
    expect(JSON.parse(statusWhileAttached.stdout)).toMatchObject({ session: { activeRestore: { id: restoreId, env: 'qa' } } });
    release();
    const followed = await again;
    expect(followed.stderr).toBe('');
    expect(followed.exitCode).toBe(0);
    expect(followed.stdout).toContain(`Restore ${restoreId} to qa is already running`);
    expect(followed.stdout).not.toContain('Restore point');
    expect(followed.stdout).toContain('Restore to qa succeeded');
    expect(await emu.environmentBlobs('qa')).toEqual({ 'default/a.txt': 1 });
    const after = await runCli(['session', 'status', ...portalArgs('devops').slice(0, 4)]);
    expect(after.stdout).toContain('active restore:   none');
  });
});
