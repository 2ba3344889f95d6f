import { cp, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, spawnCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('rehearse command', () => {
  const tempDir = useTempDirs();

  it('passes on the bundled sample through the built CLI (the README\'s main command)', async () => {
    const run = spawnCli(['rehearse', 'examples/migration']);
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    // The lines of the README's sample (docs/session.md, "Rehearsal"), with what varies from run to run (times, ids) as patterns.
    for (const step of [
      /✓ plan +[\d.]+ s {2}34 files, 49318 bytes, no errors/,
      /✓ check version +[\d.]+ s {2}Xperience 31\.1\.0 = qa/,
      /✓ start emulator +[\d.]+ s {2}http:\/\/127\.0\.0\.1:\d+, qa on Xperience 31\.1\.0, storage in memory/,
      /✓ create session +[\d.]+ s {2}s\w+/,
      /✓ get access +[\d.]+ s {2}valid until \d{4}-\d\d-\d\dT[\d:.]+Z/,
      /✓ upload +[\d.]+ s {2}34 files uploaded, 49318 bytes sent/,
      /✓ verify +[\d.]+ s {2}34 files identical/,
      /✓ restore to qa +[\d.]+ s {2}restore r\w+ succeeded/,
      /✓ check qa +[\d.]+ s {2}34 blobs identical to the source/,
      /✓ close session +[\d.]+ s/,
      /✓ stop emulator +[\d.]+ s/,
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^${step.source}$`, 'm'));
    }
    expect(result.stdout).toContain('Rehearsal passed');
    expect(result.stdout).toContain('Not uploaded: nothing was left out of the payload.');
  });

  it('prints one JSON report with --json, and exits 2 with the finding on an uppercase folder', async () => {
    const dir = path.join(await tempDir(), 'migration');
    await cp(path.join(repoRoot, 'examples', 'migration'), dir, { recursive: true });
    await rename(path.join(dir, 'storage', 'default'), path.join(dir, 'storage', 'Default'));
    const result = await runCli(['rehearse', dir, '--json']);
    expect(result.exitCode).toBe(2);
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: Array<{ name: string }>; findings: Array<{ code: string; path: string }>; error: { code: string } };
    expect(report).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const stepError = { code: 'VALIDATION_FAILED', message: expect.stringMatching(/^The payload has \d+ problems? that would make the custom restore fail; nothing was sent\.$/) };
    expect(report.steps).toEqual([{ name: 'plan', ok: false, durationMs: expect.any(Number), detail: stepError.message, error: stepError }]);
    expect(result.stderr).toMatch(/^✗ plan\s+[\d.]+ s {2}The payload has \d+ problems? that would make/m);
    expect(report.findings.some((finding) => ['NOT_LOWERCASE', 'CONTAINER_NAME'].includes(finding.code) && finding.path.includes('Default'))).toBe(true);

    const text = await runCli(['rehearse', dir]);
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toContain('Default');
    expect(text.stdout).toContain('Rehearsal failed [VALIDATION_FAILED]');
  });

  it('keeps storage on disk with --data and leaves the folder clean afterwards (step lines on stderr with --json)', async () => {
    const data = await tempDir();
    const result = await runCli(['rehearse', 'examples/migration', '--env', 'stg', '--data', data, '--json', '--no-progress'], { cwd: repoRoot });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: Array<{ name: string; detail?: string; facts: { kind: string; storageDir?: string } | null }> };
    const emulator = report.steps.find((step) => step.name === 'start emulator');
    expect(emulator?.facts).toMatchObject({ kind: 'emulator', env: 'stg', storageDir: expect.stringContaining(path.join(data, 'kxp-rehearse-')) });
    expect(emulator?.detail).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+, stg on Xperience 31\\.1\\.0, storage in ${escapeRegExp(emulator?.facts?.storageDir ?? '?')}$`));
    expect(result.stderr).toContain(`  ${emulator?.detail}\n`);
    expect(result.stderr).toMatch(/^✓ restore to stg\s+[\d.]+ s {2}restore r\w+ succeeded$/m);
    expect(await readdir(data)).toEqual([]);
  });

  it('refuses an unknown --env-version', async () => {
    const result = await runCli(['rehearse', 'examples/migration', '--env-version', 'qa=latest'], { cwd: repoRoot });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('is not <env>=<version>');
  });

  it('says --concurrency abc is not a number before it starts the emulator', async () => {
    const result = await runCli(['rehearse', 'examples/migration', '--concurrency', 'abc'], { cwd: repoRoot });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--concurrency takes a whole number from 1 to 256; what was given is not a number.');
    // No step line: neither Azurite nor the emulator was started.
    expect(result.stdout).toBe('');
  });
});
