import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const food = path.join(repoRoot, 'test', 'fixtures', 'bacpac', 'food-sql2019.bacpac');

describe('kxp-restore plan', () => {
  const tempDir = useTempDirs();

  it('prints the summary and exits 0 for a valid folder', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.png': 'png', 'storage/default/assets/b.txt': 'text' });
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const result = await runCli(['plan', dir], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Database  db.bacpac → db.bacpac');
    expect(result.stdout).toMatch(/default\s+2 files/);
    expect(result.stdout).toContain('under the 2 GB deployment-package limit');
    expect(result.stdout).toContain('at 100 Mbit/s');
    expect(result.stdout).toContain('Ready: no errors. Nothing was sent.');
  });

  it('shows the Xperience version of the bacpac, as inspect does', async () => {
    const result = await runCli(['plan', path.join(repoRoot, 'examples', 'migration'), '--json']);
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as { bacpac: { xperienceVersion?: string | null }; warnings: unknown[] };
    const inspected = JSON.parse((await runCli(['inspect', path.join(repoRoot, 'examples', 'migration', 'db.bacpac'), '--json'])).stdout) as { xperienceVersion: string };
    expect(json.bacpac.xperienceVersion).toBe(inspected.xperienceVersion);
    expect(json.warnings).toEqual([]);
    const text = await runCli(['plan', path.join(repoRoot, 'examples', 'migration')]);
    expect(text.stdout).toContain(`Xperience ${inspected.xperienceVersion}`);
  });

  it('warns NOT_XPERIENCE when the bacpac has no Xperience version', async () => {
    const dir = await tempDir();
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const result = await runCli(['plan', dir, '--database-only'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('not an Xperience database');
    expect(result.stdout).toMatch(/warning +NOT_XPERIENCE +db\.bacpac/);
  });

  it('prints one JSON object in the documented shape and exits 2 on errors', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'DB.bacpac': 'not a zip', 'storage/Default/a.txt': 'a' });
    const result = await runCli(['plan', dir, '--json'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      ok: false,
      totals: { files: 1, bytes: 1, containers: { Default: { files: 1, bytes: 1 } } },
      bacpac: null,
      warnings: [],
    });
    expect(json.errors).toEqual([
      { code: 'BACPAC_NAME', path: 'DB.bacpac', message: expect.stringContaining('--bacpac') },
      { code: 'NOT_LOWERCASE', path: 'storage/Default', message: expect.stringContaining('--lowercase') },
    ]);
  });

  it('says a --bacpac file is uploaded as db.bacpac', async () => {
    const dir = await tempDir();
    await copyFile(food, path.join(dir, 'site.bacpac'));
    const result = await runCli(['plan', '--bacpac', path.join(dir, 'site.bacpac')], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('site.bacpac → db.bacpac (uploaded as db.bacpac)');
  });

  it('exits 2 with a usage error when nothing is named', async () => {
    const result = await runCli(['plan']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE]');
  });

  it('rejects a malformed --storage-limit', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a' });
    const result = await runCli(['plan', dir, '--storage-limit', 'lots']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--storage-limit takes a size');
  });

  it('explains every option with examples in --help', async () => {
    const result = await runCli(['plan', '--help']);
    expect(result.exitCode).toBe(0);
    for (const option of ['--bacpac', '--storage', '--lowercase', '--json', '--bandwidth', '--storage-limit', 'Examples:']) {
      expect(result.stdout).toContain(option);
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('plan [dir]');
  });
});
