import { cp, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, spawnCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

describe('rehearse command', () => {
  const tempDir = useTempDirs();

  it('passes on the bundled sample through the built CLI (the README\'s main command)', async () => {
    const run = spawnCli(['rehearse', 'examples/migration']);
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    for (const step of ['plan', 'start emulator', 'upload', 'verify', 'restore to qa', 'check qa', 'close session', 'stop emulator']) {
      expect(result.stdout).toMatch(new RegExp(`✓ ${step}\\s+\\d`));
    }
    expect(result.stdout).toContain('Rehearsal passed');
  });

  it('prints one JSON report with --json, and exits 2 with the finding on an uppercase folder', async () => {
    const dir = path.join(await tempDir(), 'migration');
    await cp(path.join(repoRoot, 'examples', 'migration'), dir, { recursive: true });
    await rename(path.join(dir, 'storage', 'default'), path.join(dir, 'storage', 'Default'));
    const result = await runCli(['rehearse', dir, '--json']);
    expect(result.exitCode).toBe(2);
    const report = JSON.parse(result.stdout) as { ok: boolean; steps: Array<{ name: string }>; findings: Array<{ code: string; path: string }>; error: { code: string } };
    expect(report).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(report.steps.map((step) => step.name)).toEqual(['plan']);
    expect(report.findings.some((finding) => ['NOT_LOWERCASE', 'CONTAINER_NAME'].includes(finding.code) && finding.path.includes('Default'))).toBe(true);

    const text = await runCli(['rehearse', dir]);
    expect(text.exitCode).toBe(2);
    expect(text.stdout).toContain('Default');
    expect(text.stdout).toContain('Rehearsal failed [VALIDATION_FAILED]');
  });

  it('keeps storage on disk with --data and leaves the folder clean afterwards', async () => {
    const data = await tempDir();
    const result = await runCli(['rehearse', 'examples/migration', '--env', 'stg', '--data', data], { cwd: repoRoot });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`storage in ${data}`);
    expect(result.stdout).toMatch(/✓ restore to stg/);
    expect(await readdir(data)).toEqual([]);
  });

  it('refuses an unknown --env-version', async () => {
    const result = await runCli(['rehearse', 'examples/migration', '--env-version', 'qa=latest'], { cwd: repoRoot });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('is not <env>=<version>');
  });
});
