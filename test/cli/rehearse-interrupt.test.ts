/** rehearse stopped by Ctrl-C (SIGINT to the built CLI): everything it made is removed, so it says there is nothing to resume and exits 130, not 3 ("resumable"). */
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';

describe('rehearse interrupted', () => {
  it('exits 130 saying there is nothing to resume', async () => {
    const run = spawnCli(['rehearse', 'examples/migration']);
    // Stopped once the emulator runs: the steps after it (session, upload…) are what an interruption cuts short.
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (run.stdout.includes('start emulator')) resolve();
      };
      run.child.stdout.on('data', check);
      run.child.once('error', reject);
      run.child.once('exit', () => reject(new Error(`exited before the emulator started: ${run.stdout}${run.stderr}`)));
    });
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.stdout).toContain('Rehearsal failed [ABORTED]: The rehearsal was interrupted; everything it started was stopped and removed, so there is nothing to resume');
    expect(result.stdout + result.stderr).not.toMatch(/To resume|Progress is kept/);
    expect(result.exitCode).toBe(130);
  });
});
