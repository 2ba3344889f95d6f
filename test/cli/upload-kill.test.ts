/** Needs dist/ built (`npm test` builds first; alone: `npx tsc -p tsconfig.build.json`). */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;
const BLOCK_MIB = 0.5;
const CONCURRENCY = 4;

describe('upload killed with SIGKILL mid-file', () => {
  const remote = useProxiedAzurite('kill');
  const tempDir = useTempDirs();
  const container = (name: string) => remote.containerUrl({ name });
  const args = (dir: string) => ['upload', dir, '--storage-only', '--block-size', String(BLOCK_MIB), '--concurrency', String(CONCURRENCY), '--no-progress'];
  // The URL from the environment, the normal way (a flag would warn that the process list shows it).
  const withUrl = (url: string) => ({ env: { KXP_STORAGE_SAS_URL: url } });

  it('resumes after the kill; the bytes sent in total exceed a clean run by no more than one in-flight window', async () => {
    const dir = await tempDir();
    const stateRoot = await tempDir();
    const small = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`storage/default/s/${i}.txt`, randomBytes(10_000)]));
    await writeTree(dir, { 'storage/default/big.bin': randomBytes(24 * MiB), ...small });

    // A clean run of the same payload to another container: payload plus every request's headers.
    const cleanUrl = await container('kill-clean');
    let start = remote.proxy.bytesUp;
    const clean = await spawnCli([...args(dir), '--state-dir', `${stateRoot}/clean`], withUrl(cleanUrl)).done;
    expect(clean.exitCode).toBe(0);
    const cleanBytes = remote.proxy.bytesUp - start;
    expect(cleanBytes).toBeGreaterThan(24 * MiB + 200_000);

    const url = await container('kill-target');
    start = remote.proxy.bytesUp;
    const killed = spawnCli([...args(dir), '--state-dir', `${stateRoot}/state`], withUrl(url));
    await remote.proxy.whenBytes(start + 12 * MiB);
    killed.child.kill('SIGKILL');
    const ended = await killed.done;
    expect(ended.signal).toBe('SIGKILL');

    const rerun = await spawnCli([...args(dir), '--state-dir', `${stateRoot}/state`], withUrl(url)).done;
    // Nothing but the destination line: no error, no retry.
    // The killed run's lock is taken over (its pid is gone), with a note naming it.
    expect(rerun.stderr).toMatch(
      new RegExp(`^Uploading to:\\n {2}storage {3}devstoreaccount1/kill-target \\(this computer, \\S+\\)\\nNote: took over the lock of devstoreaccount1/kill-target from process ${killed.child.pid} on .+, which is no longer running\\.\\n$`),
    );
    expect(rerun.exitCode).toBe(0);
    const totalBytes = remote.proxy.bytesUp - start;
    const window = CONCURRENCY * BLOCK_MIB * MiB;
    // Slack for the re-run's own listing and block-list requests (a few KiB of headers).
    expect(totalBytes).toBeLessThanOrEqual(cleanBytes + window + 64 * 1024);

    const verify = await spawnCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--json']).done;
    expect(verify.exitCode).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
  });
});
