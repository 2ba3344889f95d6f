import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, repoRoot } from '../support/cli.js';

const run = promisify(execFile);
const version = (JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))) as { version: string }).version;

/** The machine's own `node` when it is older than 22 (these machines have 20): the case the launcher must bridge. */
async function oldSystemNode(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const { stdout } = await run(candidate, ['-p', 'process.versions.node']);
      if (Number(stdout.split('.')[0]) < 22) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}
const oldNode = await oldSystemNode();

describe('the kxp-restore command', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('runs under the pinned Node when started by a Node older than 22', { skip: oldNode === undefined }, async () => {
    const { stdout } = await run(oldNode as string, [binPath, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('is on the PATH after `npm link` and works from another folder', async () => {
    const prefix = await mkdtemp(path.join(tmpdir(), 'kxp-link-'));
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'kxp-elsewhere-'));
    dirs.push(prefix, elsewhere);
    // A global prefix of the test's own, so the machine's global folder is left alone.
    await run('npm', ['link', '--no-audit', '--no-fund', '--offline', '--ignore-scripts'], {
      cwd: repoRoot,
      env: { ...process.env, npm_config_prefix: prefix },
    });
    // Only the linked bin folder and the system folders: the machine's own node comes first, as in a new shell.
    const PATH = [path.join(prefix, 'bin'), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter);
    const { stdout } = await run('kxp-restore', ['plan', path.join(repoRoot, 'examples', 'migration')], { cwd: elsewhere, env: { PATH, HOME: elsewhere } });
    expect(stdout).toMatch(/Ready: no errors\. Nothing was sent\./);
  });
});
