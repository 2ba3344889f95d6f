import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';

/** Resolves with stdout once it contains `text` (reacts to output; no timers). */
function outputContaining(run: ReturnType<typeof spawnCli>, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (run.stdout.includes(text)) {
        run.child.stdout.off('data', check);
        resolve(run.stdout);
      }
    };
    run.child.stdout.on('data', check);
    run.child.once('exit', () => reject(new Error(`exited before printing "${text}": ${run.stderr}`)));
    check();
  });
}

describe('portal-emulator command', () => {
  it('serves the API with token files (never printing a token) until interrupted', async () => {
    const run = spawnCli(['portal-emulator', '--port', '0', '--env-version', 'prod=30.2.0']);
    const banner = await outputContaining(run, 'Press Ctrl-C to stop.');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
    const devopsTokenFile = /DevOps\s+(\S+\.token)/.exec(banner)?.[1] ?? '';
    expect(url).not.toBe('');
    expect(banner).toMatch(/prod\s+Xperience 30\.2\.0/);
    expect(banner).toMatch(/qa\s+Xperience 31\.1\.0/);

    const created = await runCli(['session', 'create', '--portal-url', url, '--token-file', devopsTokenFile]);
    expect(created.exitCode).toBe(0);
    const { readFile } = await import('node:fs/promises');
    const token = (await readFile(devopsTokenFile, 'utf8')).trim();

    const logged = new Promise<void>((resolve) => {
      const onData = () => {
        if (run.stderr.includes('POST /api/session → 201 (DevOps)')) resolve();
      };
      run.child.stderr.on('data', onData);
      onData();
    });
    await logged;
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Portal emulator stopped.');
    expect(result.stdout + result.stderr).not.toContain(token);
  });

  it('names the port taken and --port when another program listens there', async () => {
    const other = createServer();
    await new Promise<void>((resolve, reject) => {
      other.once('error', reject);
      other.listen(0, '127.0.0.1', resolve);
    });
    const { port } = other.address() as AddressInfo;
    try {
      const result = await runCli(['portal-emulator', '--port', String(port)]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('--port');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('refuses a --port that is not a number before starting anything', async () => {
    const result = await runCli(['portal-emulator', '--port', 'abc']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--port takes a whole number from 0 to 65535; what was given is not a number.');
  });
});
