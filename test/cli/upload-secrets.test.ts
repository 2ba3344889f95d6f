/** Needs dist/ built (`npm test` builds first). Greps every output and state file for the real SAS signature. */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli, type CliResult } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;

describe('SAS signatures never leak', () => {
  const remote = useProxiedAzurite('secrets');
  const tempDir = useTempDirs();

  it('appear in no output, log, journal or report file, whatever happens, and stopping prints a redacted resume command', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/big.bin': randomBytes(8 * MiB), 'storage/default/a.txt': 'alpha' });
    const url = await remote.containerUrl();
    const signature = new URL(url).searchParams.get('sig') ?? '';
    expect(signature.length).toBeGreaterThan(20);
    const state = path.join(await tempDir(), 'state');
    const common = ['--storage-sas-url', url, '--state-dir', state, '--block-size', '0.25', '--concurrency', '2'];
    const outputs: CliResult[] = [];

    // Stopped by SIGTERM while requests are held by the remote.proxy.
    const stalled = remote.proxy.stallAt(remote.proxy.bytesUp + 2 * MiB);
    const stopped = spawnCli(['upload', dir, '--storage-only', ...common]);
    await stalled;
    stopped.child.kill('SIGTERM');
    const stoppedResult = await stopped.done;
    remote.proxy.release();
    outputs.push(stoppedResult);
    expect(stoppedResult.exitCode).toBe(3);
    expect(stoppedResult.stderr).toMatch(/ABORTED/);
    expect(stoppedResult.stderr).toMatch(/To resume, run:\n {2}kxp-restore upload \S+ --storage-only --concurrency 2 --block-size 0\.25 --state-dir \S+\n/);
    expect(stoppedResult.stderr.slice(stoppedResult.stderr.indexOf('To resume'))).not.toContain('--storage-sas-url ');
    expect(stoppedResult.stderr).toContain('read -rs KXP_STORAGE_SAS_URL && export KXP_STORAGE_SAS_URL');

    // A tampered signature: refused by the service (exit 3, "Get access"), the URL still redacted.
    const tampered = url.replace(/sig=[^&]+/, `sig=${encodeURIComponent(signature.slice(0, -4) + 'AAA=')}`);
    const denied = await spawnCli(['upload', dir, '--storage-only', '--storage-sas-url', tampered, '--state-dir', state, '--json']).done;
    outputs.push(denied);
    expect(denied.exitCode).toBe(3);
    expect(denied.stderr).toMatch(/ACCESS_DENIED[\s\S]*Get access/);
    expect(JSON.parse(denied.stdout)).toMatchObject({ ok: false, errors: [{ code: 'ACCESS_DENIED' }] });

    // Refused before sending (plain http to a remote host), then a full run (text and JSON), then verify.
    const insecure = await spawnCli(['upload', dir, '--storage-only', '--storage-sas-url', url.replace('127.0.0.1', 'example.com'), '--state-dir', state]).done;
    expect(insecure.exitCode).toBe(2);
    expect(insecure.stderr).toContain('SAS_INSECURE');
    outputs.push(insecure);
    const done = await spawnCli(['upload', dir, '--storage-only', ...common]).done;
    expect(done.exitCode).toBe(0);
    outputs.push(done);
    outputs.push(await spawnCli(['upload', dir, '--storage-only', ...common, '--json']).done);
    outputs.push(await spawnCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', state, '--json']).done);
    outputs.push(await spawnCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', state]).done);

    const texts = outputs.flatMap((result) => [result.stdout, result.stderr]);
    for (const file of await readdir(state)) texts.push(await readFile(path.join(state, file), 'utf8'));
    expect(texts.join('\n')).toContain('sig=REDACTED');
    for (const form of new Set([signature, encodeURIComponent(signature), signature.slice(0, 16)])) {
      for (const text of texts) expect(text).not.toContain(form);
    }
  });
});
