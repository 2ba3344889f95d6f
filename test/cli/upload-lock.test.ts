/** One run at a time per container. Needs dist/ built (`npm test` builds first). */
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { containerLockFile, userLockDir } from '../../src/transfer/container-lock.js';
import { journalLockFile } from '../../src/transfer/lock.js';
import { runCli, spawnCli } from '../support/cli.js';
import { deadPid } from '../support/dead-pid.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;
const locks = async (stateDir: string) => (await readdir(stateDir)).filter((name) => name.includes('.lock'));

describe('upload: one run at a time per container', () => {
  const remote = useProxiedAzurite('lock');
  const tempDir = useTempDirs();
  const payload = async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/big.bin': randomBytes(4 * MiB), 'storage/default/a.txt': 'alpha' });
    return dir;
  };
  const args = (dir: string, url: string, stateDir: string) => ['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir, '--block-size', '0.5', '--concurrency', '2', '--no-progress'];
  /** A real run of the built CLI, holding its lock and paused mid-upload: the proxy holds its traffic after 1 MiB. */
  const pausedRun = async (container: string, env: NodeJS.ProcessEnv = {}) => {
    const dir = await payload();
    const stateDir = await tempDir();
    const url = await remote.containerUrl({ name: container });
    const start = remote.proxy.bytesUp;
    const run = spawnCli(args(dir, url, stateDir), { env });
    run.child.on('error', (error) => expect.unreachable(String(error)));
    await remote.proxy.stallAt(start + MiB);
    return { dir, stateDir, url, run, sent: start + MiB };
  };

  it('a second run while the first is sending exits 2 (LOCKED) naming its pid, host and start time, and sends nothing; verify needs no lock', async () => {
    const { dir, stateDir, url, run: first, sent } = await pausedRun('lock-busy');
    try {
      const second = await runCli(args(dir, url, stateDir));
      expect(second.exitCode).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`error \\[LOCKED\\]: Another run is using the journal of devstoreaccount1/lock-busy in .*: process ${first.child.pid} on ${hostname()}, started \\d{4}-\\d\\d-\\d\\dT`));
      expect(remote.proxy.bytesUp).toBe(sent);

      // verify takes no lock: it runs (here straight to Azurite, the proxy is holding traffic) and finds the upload incomplete.
      const direct = createContainerSasUrl(remote.storage.azurite, 'lock-busy');
      const verify = await runCli(['verify', dir, '--storage-only', '--storage-sas-url', direct, '--state-dir', stateDir]);
      expect(verify.stderr).not.toContain('LOCKED');
      expect(verify.exitCode).toBe(1);
    } finally {
      remote.proxy.release();
    }
    const ended = await first.done;
    expect(ended.stderr).not.toMatch(/error|LOCKED/);
    expect(ended.exitCode).toBe(0);
    expect(await locks(stateDir)).toEqual([]);
  });

  it('takes over the lock of a run that died (same host, pid gone), with a note; the lock is gone afterwards', async () => {
    const dir = await payload();
    const stateDir = await tempDir();
    const url = await remote.containerUrl({ name: 'lock-stale' });
    const pid = await deadPid();
    const file = journalLockFile(stateDir, parseContainerSasUrl(url, 'storage SAS URL').identity);
    await writeFile(file, JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', token: '0123456789abcdef' }));
    const result = await runCli(args(dir, url, stateDir));
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`Note: took over the lock of devstoreaccount1/lock-stale from process ${pid} on ${hostname()} (started 2026-01-02T03:04:05.000Z), which is no longer running.`);
    expect(await locks(stateDir)).toEqual([]);
  });

  it('releases the lock when the run is interrupted (Ctrl-C) and when it stops on an error', async () => {
    const { dir, stateDir, url, run } = await pausedRun('lock-interrupted');
    expect(await locks(stateDir)).toHaveLength(1);
    run.child.kill('SIGINT');
    remote.proxy.release();
    const ended = await run.done;
    expect(ended.exitCode).toBe(3);
    expect(await locks(stateDir)).toEqual([]);

    // An access error stops the run: the lock goes with it, and the next run is not refused.
    const forged = url.replace(/sig=[^&]+/, 'sig=' + encodeURIComponent(Buffer.alloc(32).toString('base64')));
    const refused = await runCli(args(dir, forged, stateDir));
    expect(refused.stderr).toContain('ACCESS_DENIED');
    expect(refused.exitCode).toBe(3);
    expect(await locks(stateDir)).toEqual([]);
    const resumed = await runCli(args(dir, url, stateDir));
    expect(resumed.exitCode).toBe(0);
  });

  it('two runs into one container with different state folders: the second is refused by the per-user container lock (two real processes)', async () => {
    const lockDir = await tempDir();
    const env = { KXP_RESTORE_LOCK_DIR: lockDir };
    const { dir, url, run: first, sent } = await pausedRun('lock-two-dirs', env);
    const identity = parseContainerSasUrl(url, 'storage SAS URL');
    expect(await readdir(lockDir)).toEqual([path.basename(containerLockFile(lockDir, identity))]);
    const otherStateDir = await tempDir();
    try {
      const second = await spawnCli(args(dir, url, otherStateDir), { env }).done;
      expect(second.exitCode).toBe(2);
      expect(second.stderr).toMatch(
        new RegExp(`error \\[LOCKED\\]: Another run is using the container devstoreaccount1/lock-two-dirs \\(http://127\\.0\\.0\\.1:\\d+/devstoreaccount1\\) from this computer: process ${first.child.pid} on ${hostname()}, started \\d{4}-`),
      );
      expect(second.stderr).toContain('whatever their state folders, would leave a mix of two payloads');
      expect(remote.proxy.bytesUp).toBe(sent);
      // The second run released what it took (its journal lock), and left the first run's lock alone.
      expect(await locks(otherStateDir)).toEqual([]);
      expect(await readdir(lockDir)).toHaveLength(1);
    } finally {
      remote.proxy.release();
    }
    expect((await first.done).exitCode).toBe(0);
    expect(await readdir(lockDir)).toEqual([]);
  });

  it('takes over the per-user container lock of a run that died, with a note', async () => {
    const dir = await payload();
    const lockDir = await tempDir();
    const url = await remote.containerUrl({ name: 'lock-user-stale' });
    const pid = await deadPid();
    await writeFile(containerLockFile(lockDir, parseContainerSasUrl(url, 'storage SAS URL')), JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-02T03:04:05.000Z', token: '0123456789abcdef' }));
    const result = await runCli(args(dir, url, await tempDir()), { env: { KXP_RESTORE_LOCK_DIR: lockDir } });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`Note: took over the lock of devstoreaccount1/lock-user-stale from process ${pid} on ${hostname()} (started 2026-01-02T03:04:05.000Z), which is no longer running.`);
    expect(await readdir(lockDir)).toEqual([]);
  });

  it('the per-user lock folder: KXP_RESTORE_LOCK_DIR, else XDG_STATE_HOME, else ~/.local/state; one that cannot be made stops the run with exit 2 naming it', async () => {
    expect(userLockDir({ KXP_RESTORE_LOCK_DIR: '/x/locks', XDG_STATE_HOME: '/s', HOME: '/h' })).toBe('/x/locks');
    expect(userLockDir({ XDG_STATE_HOME: '/s', HOME: '/h' })).toBe('/s/kxp-restore/locks');
    expect(userLockDir({ XDG_STATE_HOME: 'relative', HOME: '/h' })).toBe('/h/.local/state/kxp-restore/locks');
    const dir = await payload();
    const blocker = path.join(await tempDir(), 'a-file');
    await writeFile(blocker, 'in the way');
    const url = await remote.containerUrl({ name: 'lock-no-dir' });
    const result = await runCli(args(dir, url, await tempDir()), { env: { KXP_RESTORE_LOCK_DIR: path.join(blocker, 'locks') } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error [STATE_DIR_UNWRITABLE]: Cannot keep the lock of devstoreaccount1/lock-no-dir in ${path.join(blocker, 'locks')}`);
    expect(result.stderr).toContain('KXP_RESTORE_LOCK_DIR');
  });
});
