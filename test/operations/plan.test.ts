import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPayload, type PlanReport } from '../../src/operations/plan.js';
import { planJson, renderPlan } from '../../src/report/plan.js';
import type { PayloadSource } from '../../src/source/types.js';
import { repoRoot, spawnCli } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'bacpac');
const food = path.join(fixtures, 'food-sql2019.bacpac');
const started = path.join(fixtures, 'started-sql2017.bacpac');

function codes(report: PlanReport, severity: 'errors' | 'warnings' = 'errors'): string[] {
  return report[severity].map((finding) => finding.code);
}

describe('planPayload', () => {
  const tempDir = useTempDirs();

  async function migration(files: Record<string, string | Buffer>, bacpac: string | null = food): Promise<string> {
    const dir = await tempDir();
    await writeTree(dir, files);
    if (bacpac) await copyFile(bacpac, path.join(dir, 'db.bacpac'));
    return dir;
  }

  async function plan(source: PayloadSource, options: Parameters<typeof planPayload>[1] = {}) {
    return planPayload(source, { cwd: source.dir ?? process.cwd(), ...options });
  }

  it('accepts a well-formed migration folder and totals it per container', async () => {
    const dir = await migration({
      'storage/default/assets/a.png': 'aaaa',
      'storage/default/assets/sub/b.txt': 'bb',
      'storage/media/empty.txt': '',
    });
    const report = await plan({ dir });
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.totals.containers).toEqual({ default: { files: 2, bytes: 6 }, media: { files: 1, bytes: 0 } });
    expect(report.bacpac).toMatchObject({ path: 'db.bacpac', blobName: 'db.bacpac', renamed: false });
    expect(report.totals.files).toBe(4);
    expect(report.largest[0]?.path).toBe('db.bacpac');
  });

  it('accepts both real exports as valid bacpacs', async () => {
    for (const fixture of [food, started]) {
      const report = await plan({ dir: await migration({}, fixture), databaseOnly: true });
      expect(report.errors, fixture).toEqual([]);
      expect(report.bacpac?.bytes).toBeGreaterThan(0);
    }
  });

  it('rejects a file that is not a zip named db.bacpac (BACPAC_INVALID)', async () => {
    const dir = await migration({ 'db.bacpac': 'this is a text file, not an export' }, null);
    const report = await plan({ dir, databaseOnly: true });
    expect(codes(report)).toEqual(['BACPAC_INVALID']);
    expect(report.errors[0]?.path).toBe('db.bacpac');
    expect(report.errors[0]?.message).toMatch(/not a zip/i);
  });

  it.each([
    [['DB.bacpac'], ['BACPAC_NAME']],
    [['site.bacpac'], ['BACPAC_NAME']],
    [['db.bacpac', 'old.bacpac'], ['BACPAC_NAME']],
    [['schema.dacpac'], ['BACPAC_NAME']],
  ])('names the misnamed database file %j (BACPAC_NAME) and points at --bacpac', async (names, expected) => {
    const dir = await tempDir();
    for (const name of names) await copyFile(food, path.join(dir, name));
    const report = await plan({ dir, databaseOnly: true });
    expect(codes(report)).toEqual(expected);
    expect(report.errors[0]?.message).toContain('--bacpac');
    expect(report.errors[0]?.message).toContain('db.bacpac');
  });

  it('uses --bacpac under any name and says it becomes db.bacpac', async () => {
    const dir = await tempDir();
    const exportFile = path.join(dir, 'Site Export 2026.bacpac');
    await copyFile(food, exportFile);
    const report = await plan({ bacpac: exportFile }, { cwd: dir });
    expect(report.ok).toBe(true);
    expect(report.bacpac).toMatchObject({ path: 'Site Export 2026.bacpac', blobName: 'db.bacpac', renamed: true });
  });

  it('keeps the first 100 findings of a code and counts the rest, in the report, its text and its JSON', async () => {
    const files = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`storage/default/F${i}.txt`, 'x']));
    const dir = await migration(files, null);
    const report = await plan({ dir, storageOnly: true });
    expect(report.errors).toHaveLength(100);
    expect(report).toMatchObject({ ok: false, errorCount: 250, warningCount: 0, omitted: [{ code: 'NOT_LOWERCASE', severity: 'error', count: 150 }] });
    const text = renderPlan(report, dir);
    expect(text).toContain('Findings: 250 errors, 0 warnings');
    expect(text).toContain('NOT_LOWERCASE  … and 230 more (--json lists the first 100)');
    expect(text).toContain('fix the 250 errors above');
    const json = planJson(report);
    expect(json.errors).toHaveLength(100);
    expect(json).toMatchObject({ counts: { errors: 250, warnings: 0 }, omitted: [{ code: 'NOT_LOWERCASE', count: 150 }] });
  });

  it('reports uppercase names once at the topmost segment; --lowercase clears them (NOT_LOWERCASE)', async () => {
    const dir = await migration({
      'storage/default/Assets/x.png': 'x',
      'storage/default/Assets/y.png': 'y',
      'storage/default/assets2/Photo.JPG': 'p',
    });
    const report = await plan({ dir });
    expect(codes(report)).toEqual(['NOT_LOWERCASE', 'NOT_LOWERCASE']);
    expect(report.errors.map((finding) => finding.path)).toEqual(['storage/default/Assets', 'storage/default/assets2/Photo.JPG']);
    expect(report.errors[0]?.message).toContain('--lowercase');

    const lowered = await plan({ dir, lowercase: true });
    expect(lowered.errors).toEqual([]);
    expect(lowered.largest.map((file) => file.blobName).sort()).toContain('default/assets2/photo.jpg');
  });

  it('treats an uppercase container folder as NOT_LOWERCASE, fixable with --lowercase', async () => {
    const dir = await migration({ 'storage/Default/a.txt': 'a' }, null);
    expect(codes(await plan({ dir, storageOnly: true }))).toEqual(['NOT_LOWERCASE']);
    const lowered = await plan({ dir, storageOnly: true, lowercase: true });
    expect(lowered.ok).toBe(true);
    expect(Object.keys(lowered.totals.containers)).toEqual(['default']);
  });

  it('finds paths equal once lowercased, even with --lowercase (CASE_COLLISION)', async () => {
    const dir = await migration(
      {
        'storage/Default/assets/logo.png': '1',
        'storage/default/Assets/LOGO.png': '2',
        'storage/default/assets/Other.txt': '3',
        'storage/default/assets/unique.txt': '4',
      },
      null,
    );
    for (const lowercase of [false, true]) {
      const report = await plan({ dir, lowercase });
      const collisions = report.errors.filter((finding) => finding.code === 'CASE_COLLISION');
      expect(collisions).toHaveLength(1);
      expect(collisions[0]?.message).toContain('storage/Default/assets/logo.png');
      expect(collisions[0]?.message).toContain('storage/default/Assets/LOGO.png');
    }
  });

  it('does not call folders that merge without clashing files a collision', async () => {
    const dir = await migration({ 'storage/default/Docs/a.txt': '1', 'storage/default/docs/b.txt': '2' }, null);
    const report = await plan({ dir, storageOnly: true, lowercase: true });
    expect(report.errors).toEqual([]);
    expect(report.totals.containers.default?.files).toBe(2);
  });

  it.each([['ab'], ['my_assets'], ['-media'], ['a--b']])('rejects the container folder %s (CONTAINER_NAME)', async (name) => {
    const dir = await migration({ [`storage/${name}/a.txt`]: 'a' }, null);
    const report = await plan({ dir, storageOnly: true, lowercase: true });
    expect(codes(report)).toEqual(['CONTAINER_NAME']);
    expect(report.errors[0]?.path).toBe(`storage/${name}`);
  });

  it('names the lookalike letter in a container folder and what the name reads as', async () => {
    const name = `d${String.fromCodePoint(0x435)}fault`;
    const dir = await migration({ [`storage/${name}/a.txt`]: 'a' }, null);
    const report = await plan({ dir, storageOnly: true });
    expect(codes(report)).toEqual(['CONTAINER_NAME']);
    expect(report.errors[0]?.message).toContain('U+0435 CYRILLIC SMALL LETTER IE');
    expect(report.errors[0]?.message).toContain('it reads as "default"');
  });

  it('rejects files directly in the storage root (OUTSIDE_CONTAINER)', async () => {
    const dir = await migration({ 'storage/readme.txt': 'x', 'storage/default/a.txt': 'a' }, null);
    const report = await plan({ dir, storageOnly: true });
    expect(codes(report)).toEqual(['OUTSIDE_CONTAINER']);
    expect(report.errors[0]?.path).toBe('storage/readme.txt');
  });

  it.each([
    ['storage/default/back\\slash.txt', 'backslash'],
    ['storage/default/trailing.', 'ends with "."'],
    ['storage/default/dots./inside.txt', 'ends with "."'],
    ['storage/default/ctl\u0007.txt', 'control character'],
  ])('rejects %j (BLOB_NAME)', async (file, reason) => {
    const dir = await migration({ [file]: 'x' }, null);
    const report = await plan({ dir, storageOnly: true });
    expect(codes(report)).toEqual(['BLOB_NAME']);
    expect(report.errors[0]?.message).toContain(reason);
  });

  it('rejects a blob name over 1024 characters (BLOB_NAME)', async () => {
    const deep = Array.from({ length: 6 }, () => 'd'.repeat(200)).join('/');
    const dir = await migration({ [`storage/default/${deep}/file.txt`]: 'x' }, null);
    const report = await plan({ dir, storageOnly: true });
    expect(codes(report)).toEqual(['BLOB_NAME']);
    expect(report.errors[0]?.message).toMatch(/characters long/);
  });

  it('does not follow symbolic links: a warning inside the payload, an error outside (SYMLINK)', async () => {
    const outside = await tempDir();
    await writeFile(path.join(outside, 'secret.txt'), 's');
    const dir = await migration({ 'storage/default/real.txt': 'r' }, null);
    await symlink(path.join(dir, 'storage/default/real.txt'), path.join(dir, 'storage/default/inside-link.txt'));
    await symlink(path.join(outside, 'secret.txt'), path.join(dir, 'storage/default/outside-link.txt'));
    const report = await plan({ dir, storageOnly: true });
    expect(report.errors.map((f) => [f.code, f.path])).toEqual([['SYMLINK', 'storage/default/outside-link.txt']]);
    expect(report.warnings.map((f) => [f.code, f.path])).toEqual([['SYMLINK', 'storage/default/inside-link.txt']]);
    expect(report.totals.files).toBe(1);
  });

  it('names the real folder when <dir>/storage is a symbolic link (SYMLINK), and says when storage is not a folder', async () => {
    const elsewhere = await tempDir();
    await writeTree(elsewhere, { 'default/a.txt': 'a' });
    const dir = await tempDir();
    await symlink(elsewhere, path.join(dir, 'storage'));
    const report = await plan({ dir });
    expect(report.errors.map((f) => f.code)).toEqual(['SYMLINK', 'EMPTY']);
    expect(report.errors[0]?.message).toContain(`--storage ${elsewhere}`);

    const plain = await tempDir();
    await writeTree(plain, { storage: 'not a folder' });
    const asFile = await plan({ dir: plain });
    expect(asFile.errors.map((f) => [f.code, f.path])).toEqual([['UNEXPECTED_ENTRY', 'storage'], ['EMPTY', '.']]);
    expect(asFile.errors[0]?.message).toContain('not a folder');
  });

  it('reports a folder it cannot read (UNREADABLE)', async () => {
    // Root reads everything whatever the mode bits, so as root the check runs without the capabilities that allow it.
    if (process.getuid?.() === 0) return expect(await unreadableWithoutReadOverride()).toBe('UNREADABLE storage/default/locked');
    const dir = await migration({ 'storage/default/locked/a.txt': 'a', 'storage/default/ok.txt': 'o' }, null);
    await chmod(path.join(dir, 'storage/default/locked'), 0o000);
    try {
      const report = await plan({ dir, storageOnly: true });
      expect(report.errors.map((f) => [f.code, f.path])).toEqual([['UNREADABLE', 'storage/default/locked']]);
    } finally {
      await chmod(path.join(dir, 'storage/default/locked'), 0o755);
    }
  });

  it('reports a file its owner may not read (UNREADABLE): the owner read bit is trusted only when it is set', async () => {
    if (process.getuid?.() === 0) return expect(await unreadableWithoutReadOverride('storage/default/locked.txt')).toBe('UNREADABLE storage/default/locked.txt');
    const dir = await migration({ 'storage/default/locked.txt': 'a', 'storage/default/ok.txt': 'o' }, null);
    await chmod(path.join(dir, 'storage/default/locked.txt'), 0o200);
    const report = await plan({ dir });
    expect(report.errors.map((f) => [f.code, f.path])).toEqual([['UNREADABLE', 'storage/default/locked.txt']]);
  });

  it('reports a name that is not valid UTF-8 as BLOB_NAME, not as unreadable', async () => {
    const dir = await migration({ 'storage/default/ok.txt': 'o' }, null);
    // "caf\xe9.txt": Latin-1 bytes, as a copy from an old file system leaves them.
    const folder = Buffer.from(path.join(dir, 'storage/default/'));
    await writeFile(Buffer.concat([folder, Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('.txt')]), 'x');
    const report = await plan({ dir, storageOnly: true });
    expect(report.errors.map((f) => [f.code, f.path])).toEqual([['BLOB_NAME', 'storage/default/caf\uFFFD.txt']]);
    expect(report.errors[0]?.message).toContain('not valid UTF-8');
  });

  it('rejects a named pipe in the payload (SPECIAL_FILE)', async () => {
    const dir = await migration({ 'storage/default/ok.txt': 'o' }, null);
    execFileSync('mkfifo', [path.join(dir, 'storage/default/pipe')]);
    const report = await plan({ dir, storageOnly: true });
    expect(report.errors.map((f) => [f.code, f.path])).toEqual([['SPECIAL_FILE', 'storage/default/pipe']]);
    expect(report.totals.files).toBe(1);
  });

  it('reports an empty payload (EMPTY) and warns about empty folders', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'storage/default/empty'), { recursive: true });
    const report = await plan({ dir });
    expect(codes(report)).toEqual(['EMPTY']);
    expect(codes(report, 'warnings')).toEqual(['EMPTY_FOLDER']);
    expect(report.warnings[0]?.path).toBe('storage/default/empty');
  });

  it('accepts empty files', async () => {
    const dir = await migration({ 'storage/default/zero.bin': '' }, null);
    const report = await plan({ dir, storageOnly: true });
    expect(report.ok).toBe(true);
    expect(report.totals).toMatchObject({ files: 1, bytes: 0 });
  });

  it('refuses anything at the top of a migration folder but db.bacpac, storage/, its state folder and OS clutter (UNEXPECTED_ENTRY), unless --ignore names it', async () => {
    const dir = await migration({ 'notes.txt': 'n', 'db.bacpac.bak': 'b', '.kxp-restore/journal': 'j', '.DS_Store': 'd', 'Thumbs.db': 't', '$RECYCLE.BIN/x': 'x', 'storage/default/a.txt': 'a' });
    const report = await plan({ dir });
    expect(report.ok).toBe(false);
    expect(report.errors.map((f) => [f.code, f.path])).toEqual([['UNEXPECTED_ENTRY', 'db.bacpac.bak'], ['UNEXPECTED_ENTRY', 'notes.txt']]);
    expect(report.errors[1]?.message).toBe(
      'notes.txt is not part of a migration folder, which holds only db.bacpac, storage/ and operating-system files, so it would not be uploaded. Move it out of the migration folder, or leave it out on purpose with --ignore notes.txt.',
    );
    expect(report.errors[0]?.message).toContain('Its name is close to db.bacpac.');
    expect(report.warnings.map((f) => [f.code, f.path])).toEqual([['IGNORED', '$RECYCLE.BIN'], ['IGNORED', '.DS_Store'], ['IGNORED', 'Thumbs.db'], ['NOT_XPERIENCE', 'db.bacpac']]);

    const ignoring = await plan({ dir, ignore: ['notes.txt', 'db.bacpac.bak'] });
    expect(ignoring.ok).toBe(true);
    expect(ignoring.warnings.filter((f) => f.message.includes('--ignore')).map((f) => f.path)).toEqual(['db.bacpac.bak', 'notes.txt']);
  });

  it.each([['db.bacpac '], ['DB.bacpac'], ['db.bacpac.bacpac'], ['db.BACPAC'], [' db.bacpac'], ['db.bacpac.']])(
    'a database file almost named db.bacpac (%j) is an error (BACPAC_NAME) naming it and the fix, also with --lowercase',
    async (name) => {
      const dir = await migration({ 'storage/default/a.txt': 'a' }, null);
      await copyFile(food, path.join(dir, name));
      for (const lowercase of [false, true]) {
        const report = await plan({ dir, lowercase });
        expect(report.ok).toBe(false);
        expect(report.errors.map((f) => [f.code, f.path])).toEqual([['BACPAC_NAME', name]]);
        expect(report.errors[0]?.message).toContain(`found ${/^[\w.-]+$/.test(name) ? name : JSON.stringify(name)}`);
        expect(report.errors[0]?.message).toMatch(/Rename it to db\.bacpac, or pass it with --bacpac/);
        expect(renderPlan(report, dir)).toMatch(/^Not ready/m);
      }
    },
  );

  it.each([['Storage'], ['storage '], ['STORAGE'], [' storage']])(
    'a folder almost named storage (%j) is an error (STORAGE_NAME) naming it and the fix, also with --lowercase',
    async (name) => {
      const dir = await migration({ [`${name}/default/a.txt`]: 'a' });
      for (const lowercase of [false, true]) {
        const report = await plan({ dir, lowercase });
        expect(report.errors.map((f) => [f.code, f.path])).toEqual([['STORAGE_NAME', name]]);
        expect(report.errors[0]?.message).toMatch(/must be named exactly "storage".*Rename it to storage, or pass it with --storage/);
        expect(renderPlan(report, dir)).not.toMatch(/^Ready/m);
      }
      // Beside --storage it is only one more folder that is not uploaded.
      const elsewhere = await tempDir();
      await writeTree(elsewhere, { 'default/b.txt': 'b' });
      const overridden = await plan({ dir, storage: elsewhere });
      expect(overridden.ok).toBe(true);
      expect(overridden.warnings.map((f) => f.code)).toEqual(['IGNORED', 'NOT_XPERIENCE']);
    },
  );

  it('uses --storage instead of <dir>/storage, e.g. a $StorageAssets folder', async () => {
    const project = await tempDir();
    await writeTree(project, { '$StorageAssets/default/assets/x.png': 'x' });
    const report = await plan({ storage: path.join(project, '$StorageAssets') }, { cwd: project });
    expect(report.ok).toBe(true);
    expect(report.largest[0]).toMatchObject({ path: '$StorageAssets/default/assets/x.png', blobName: 'default/assets/x.png' });
  });

  it('enforces the storage limit when given (STORAGE_LIMIT)', async () => {
    const dir = await migration({ 'storage/default/a.bin': Buffer.alloc(2000) }, null);
    expect(codes(await plan({ dir, storageOnly: true }, { storageLimitBytes: 1000 }))).toEqual(['STORAGE_LIMIT']);
    expect((await plan({ dir, storageOnly: true }, { storageLimitBytes: 2000 })).ok).toBe(true);
  });

  it('estimates the time at the given bandwidth and flags the 2 GB package limit', async () => {
    const dir = await migration({ 'storage/default/a.bin': Buffer.alloc(1_000_000) }, null);
    const report = await plan({ dir, storageOnly: true }, { bandwidthMbps: 8 });
    expect(report.estimatedSeconds).toBeCloseTo(1, 5);
    expect(report.exceedsPackageLimit).toBe(false);
  });

  it('fails with NOT_FOUND for a missing folder', async () => {
    await expect(plan({ dir: '/nonexistent/kxp-migration' })).rejects.toMatchObject({ code: 'NOT_FOUND', exitCode: 2 });
  });
});

/** Runs plan as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH on a tree with a folder it may not read; returns the error codes. */
async function unreadableWithoutReadOverride(locked = 'storage/default/locked'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kxp-unreadable-'));
  try {
    await writeTree(dir, { 'storage/default/locked/a.txt': 'a', 'storage/default/ok.txt': 'o', 'storage/default/locked.txt': 'a' });
    await chmod(path.join(dir, locked), locked.endsWith('.txt') ? 0o200 : 0o000);
    const result = await spawnCli(['plan', dir, '--storage-only', '--json'], { cwd: dir, withoutReadOverride: true }).done;
    const parsed = JSON.parse(result.stdout) as { errors: Array<{ code: string; path: string }> };
    return parsed.errors.map((e) => `${e.code} ${e.path}`).join(',');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
