import { describe, expect, it } from 'vitest';
import { spawnCli } from './cli.js';
import { nodeCrash } from './node-crash.js';

describe('spawnCli', () => {
  it('fails at once when the child cannot start', { timeout: 20_000 }, async () => {
    await expect(spawnCli(['--version'], { cwd: '/nonexistent/kxp-no-such-folder' }).done).rejects.toThrow(/could not start/);
  });
});

describe('nodeCrash', () => {
  it('spots an uncaught exception and an unhandled rejection of a real Node child, and passes a clean stderr', { timeout: 20_000 }, async () => {
    const { spawnSync } = await import('node:child_process');
    const run = (code: string) => spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' }).stderr;
    expect(nodeCrash(run('throw new Error("boom")'))).toBe('uncaught exception');
    expect(nodeCrash(run('Promise.reject(new Error("boom"))'))).not.toBeNull();
    expect(nodeCrash(run('Promise.reject("a string")'))).toBe('unhandled rejection');
    expect(nodeCrash(run('process.stderr.write("error [INTERNAL]: boom\\n"); process.exit(1)'))).toBeNull();
  });
});
