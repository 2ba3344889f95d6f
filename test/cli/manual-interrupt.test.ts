/**
 * Ctrl-C at a --manual question, in a real pseudo-terminal (the prompt reads it as a key, no SIGINT): said to
 * be an interruption, with what it leaves as it is, exit 130; never "the input ended … run in a terminal".
 */
import { describe, expect, it } from 'vitest';
import { binPath } from '../support/cli.js';
import { runInPty, screenLines } from '../support/pty.js';

const kxp = (...args: string[]) => runInPty([process.execPath, binPath, ...args], { columns: 120 });

describe('Ctrl-C at a --manual question', () => {
  it('session create: interrupted at that question, exit 130, not "run it in a terminal"', { timeout: 30_000 }, async () => {
    const run = kxp('session', 'create', '--manual');
    await run.waitFor('Is the session created?');
    run.type('\x03');
    const { exitCode, output } = await run.done;
    const text = screenLines(output).join('\n');
    expect(text).toContain('error [ABORTED]: Interrupted (Ctrl-C) at the question "Is the session created?"; kxp-restore did nothing more.');
    expect(text).toMatch(/fix: +Whatever was done in the Portal stays as it is/);
    expect(text).not.toMatch(/input ended|Run the command in a terminal|NOT_CONFIRMED/);
    expect(exitCode, text).toBe(130);
  });

  it('restore: after the restore started, Ctrl-C says the restore goes on in the Portal and how to follow it again', { timeout: 30_000 }, async () => {
    const run = kxp('restore', '--env', 'qa', '--manual', '--no-restore-point');
    await run.waitFor('is a restore listed under Active restores?');
    run.type('\r'); // No
    await run.waitFor('Has the restore started');
    run.type('y\r');
    await run.waitFor('where is the restore to QA now?');
    run.type('\x03');
    const { exitCode, output } = await run.done;
    const text = screenLines(output).join('\n');
    expect(text).toContain('Interrupted (Ctrl-C) at the question');
    expect(text).toMatch(/The restore to qa goes on in the Portal\. Follow it again with: kxp-restore restore --env qa --manual/);
    expect(exitCode, text).toBe(130);
  });
});
