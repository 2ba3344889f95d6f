/** Needs dist/ built (`npm test` builds first). What plan and upload print on an 80-column terminal. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath } from '../support/cli.js';
import { runInPty, screenLines } from '../support/pty.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('findings and errors on an 80-column terminal', () => {
  const tempDir = useTempDirs();

  it('plan and upload break long findings and errors at spaces: no line wider than the terminal, no word cut', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.txt': 'a' });
    const token = path.join(dir, 'token');
    await writeTree(dir, { token: 'not-a-real-token\n' });
    for (const args of [['plan', dir], ['upload', dir, '--portal-url', 'http://127.0.0.1:9', '--token-file', token]]) {
      const run = runInPty([process.execPath, binPath, ...args], { columns: 80, cwd: dir });
      const { exitCode, output } = await run.done;
      expect(exitCode).toBe(2);
      const lines = screenLines(output);
      expect(lines.some((line) => line.includes('MISSING_PART'))).toBe(true);
      for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(80);
      // The message reads whole once its line breaks are joined: "without one it fails" was cut mid-word before.
      expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('so without one it fails');
    }
  }, 60_000);
});
