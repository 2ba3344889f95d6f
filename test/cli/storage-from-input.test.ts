/** --storage-from input errors that need no service: each a coded error, exit 2, naming what is wrong. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('--storage-from input', () => {
  it('a malformed % escape in the name prefix is USAGE with the URL (redacted), exit 2, not "URI malformed"', async () => {
    const url = 'https://oldsite.blob.core.windows.net/media/My%ZZSite/?sv=2024-08-04&sp=rl&se=2099-01-01T00:00:00Z&sr=c&sig=c2VjcmV0';
    const result = await runCli(['plan', '--storage-from', url]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE]: The name prefix in the --storage-from URL has a % that is not followed by two hex digits.');
    expect(result.stderr).toContain('path: https://oldsite.blob.core.windows.net/media/My%ZZSite/?');
    expect(result.stderr).toContain('sig=REDACTED');
    expect(result.stderr).not.toContain('c2VjcmV0');
    expect(result.stderr).not.toMatch(/URI malformed|INTERNAL/);
  });
});
