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

describe('the launcher (re-running itself under the pinned Node)', () => {
  it('stops its child when it is killed with SIGKILL', { skip: oldNode === undefined, timeout: 90_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    // The portal emulator runs until stopped: under the launcher it is the launcher's child.
    const launcher = spawn(oldNode as string, [binPath, 'portal-emulator', '--port', '0', '--quiet'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      launcher.on('error', reject);
      launcher.on('exit', (code) => reject(new Error(`the launcher exited (${code}) before the emulator listened:\n${output}`)));
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Portal emulator listening on')) resolve();
      };
      launcher.stdout.on('data', collect);
      launcher.stderr.on('data', collect);
    });
    // The child holds the write ends of both pipes: they end only once it (and all it started) has exited.
    const pipesClosed = Promise.all([new Promise((resolve) => launcher.stdout.on('end', resolve)), new Promise((resolve) => launcher.stderr.on('end', resolve))]);
    await ready;
    const childPid = Number(readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    expect(childPid).toBeGreaterThan(0);
    try {
      launcher.kill('SIGKILL');
      await pipesClosed;
      // Gone, or a zombie waiting for whoever inherited it to reap it: either way it runs no more.
      const state = (() => {
        try {
          return readFileSync(`/proc/${childPid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
        } catch {
          return 'gone';
        }
      })();
      expect(['gone', 'Z', 'X']).toContain(state);
      expect(output).toContain('Portal emulator listening on');
    } finally {
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
  });
});
