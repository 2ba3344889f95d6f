import { describe, expect, it } from 'vitest';
import { spawnCli } from './cli.js';

describe('spawnCli', () => {
  it('fails at once when the child cannot start', { timeout: 20_000 }, async () => {
    await expect(spawnCli(['--version'], { cwd: '/nonexistent/kxp-no-such-folder' }).done).rejects.toThrow(/could not start/);
  });
});
