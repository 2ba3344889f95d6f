import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { writeBacpac } from '../../src/bacpac/index.js';
import { runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { fixtures, rewriteZip } from '../bacpac/damage.js';

describe('kxp-restore inspect', () => {
  const tempDir = useTempDirs();

  it('prints a summary of a sound real export and exits 0', async () => {
    const result = await runCli(['inspect', fixtures.food.file, '--rows']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^food-sql2019\.bacpac: sound\n/);
    expect(result.stdout).toContain('SHA-256 matches Origin.xml');
    expect(result.stdout).toContain('40 counted, 40 in Origin.xml');
    expect(result.stdout).toMatch(/\[dbo\]\.\[carts\]\s+234 B\s+18/);
    expect(result.stdout).toContain('is not an Xperience database');
  });

  it('prints the JSON shape of issue 5 with --json', async () => {
    const result = await runCli(['inspect', fixtures.started.file, '--rows', '--json']);
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['ok', 'errors', 'warnings', 'checksumOk', 'containsData', 'schemaProvider', 'tables', 'rows', 'xperienceVersion']));
    expect(json).toMatchObject({ ok: true, errors: [], checksumOk: true, containsData: true, rows: { total: 56983, expected: 56983 }, xperienceVersion: null, productVersion: '14.0.3953.4' });
  });

  it('reports the version of an Xperience-shaped bacpac, relative to the working directory', async () => {
    const dir = await tempDir();
    await writeBacpac(path.join(dir, 'db.bacpac'), { xperienceVersion: '31.1.0', hotfix: '31.1.0.7' });
    const result = await runCli(['inspect', 'db.bacpac', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, xperienceVersion: '31.1.0', xperienceHotfix: '31.1.0.7', rows: { total: null, expected: 5 } });
    const text = await runCli(['inspect', 'db.bacpac'], { cwd: dir });
    expect(text.stdout).toMatch(/Xperience\s+31\.1\.0 \(hotfix 31\.1\.0\.7\)/);
  });

  it('exits 2 with the reason for a damaged bacpac', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await rewriteZip(fixtures.food.file, file, (name, data) => (name === 'Origin.xml' ? null : data));
    const result = await runCli(['inspect', file]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/^db\.bacpac: NOT sound \(1 error\)/);
    expect(result.stdout).toContain('error   BACPAC_INVALID');
    expect(result.stdout).toContain('has no Origin.xml part');
  });

  it('exits 2 for a file that is not a zip, and for a missing file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'db.bacpac'), 'not a zip');
    const notZip = await runCli(['inspect', 'db.bacpac', '--json'], { cwd: dir });
    expect(notZip.exitCode).toBe(2);
    expect(JSON.parse(notZip.stdout).errors).toEqual([{ code: 'BACPAC_INVALID', path: path.join(dir, 'db.bacpac'), message: expect.stringContaining('is not a zip archive') }]);
    const missing = await runCli(['inspect', 'nowhere.bacpac'], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stdout).toContain('nowhere.bacpac does not exist');
  });

  it('explains every option with an example in --help', async () => {
    const result = await runCli(['inspect', '--help']);
    expect(result.exitCode).toBe(0);
    for (const text of ['--rows', '--json', 'Examples:', 'inspect db.bacpac --rows', 'Exit status: 0']) expect(result.stdout).toContain(text);
  });
});
