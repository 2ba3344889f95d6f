/**
 * The accept-list of a migration folder (issue 18 points 2 and 7): a storage folder or database file whose name
 * only looks right, storage one level off, and anything else at the top of the folder is UNEXPECTED_ENTRY in
 * plan (exit 2), upload (exit 2, nothing sent to Azurite) and rehearse (refused). Every lookalike name is built
 * from code points here, never pasted.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const food = path.join(repoRoot, 'test', 'fixtures', 'bacpac', 'food-sql2019.bacpac');
const cp = (...points: number[]) => String.fromCodePoint(...points);
const fullwidth = (text: string) => [...text].map((character) => cp((character.codePointAt(0) ?? 0) + 0xfee0)).join('');

/** Storage folders that are not `storage`, each with what the message must say about it. */
const storageLookalikes: Array<[string, string, RegExp]> = [
  ['Cyrillic dze', `${cp(0x0455)}torage`, /It looks like storage\/ but is another name: the '\u0455' is U\+0455 CYRILLIC SMALL LETTER DZE, which looks like 's'\./],
  ['zero-width space', `stor${cp(0x200b)}age`, /It looks like storage\/ but is another name: it holds U\+200B ZERO WIDTH SPACE, an invisible character\./],
  ['fullwidth letters', fullwidth('storage'), /It looks like storage\/ but is another name: the '\uff53' is U\+FF53 FULLWIDTH LATIN SMALL LETTER S, which looks like 's'; .*; 4 more such characters\./],
  ['combining mark', `storage${cp(0x0301)}`, /It looks like storage\/ but is another name: U\+0301 COMBINING ACUTE ACCENT is a combining mark on 'e'\./],
  ['typo stroage', 'stroage', /Its name is close to storage\/\./],
  ['typo storages', 'storages', /Its name is close to storage\/\./],
];

/** Database files that are not `db.bacpac` (each a readable BACPAC). */
const databaseLookalikes: Array<[string, string, RegExp]> = [
  ['Cyrillic a', `db.b${cp(0x0430)}cpac`, /It looks like db\.bacpac but is another name: the '\u0430' is U\+0430 CYRILLIC SMALL LETTER A, which looks like 'a'\./],
  ['.zip added', 'db.bacpac.zip', /Its name is close to db\.bacpac\./],
  ['typo bacpak', 'db.bacpak', /Its name is close to db\.bacpac\./],
  ['underscore', 'db_bacpac', /Its name is close to db\.bacpac\./],
  ['backup tilde', 'db.bacpac~', /Its name is close to db\.bacpac\./],
];

interface PlanJson {
  ok: boolean;
  errors: Array<{ code: string; path: string; message: string }>;
}

describe('unexpected entries in a migration folder', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let next = 0;

  const blobs = (container: string) => storage.blobNames(container);

  /** Plan (--json), upload into two fresh Azurite containers, and rehearse: each must refuse, upload sending nothing. */
  async function refusedEverywhere(args: string[], cwd: string): Promise<PlanJson['errors']> {
    const plan = await runCli(['plan', ...args, '--json'], { cwd });
    expect(plan.exitCode).toBe(2);
    const report = JSON.parse(plan.stdout) as PlanJson;
    expect(report.ok).toBe(false);

    next++;
    const [db, files] = [`unexpected-db-${next}`, `unexpected-files-${next}`];
    const env = { KXP_DB_SAS_URL: await storage.containerSasUrl(db), KXP_STORAGE_SAS_URL: await storage.containerSasUrl(files) };
    const upload = await runCli(['upload', ...args, '--no-progress', '--state-dir', path.join(await tempDir(), 'state')], { cwd, env });
    expect(upload.exitCode).toBe(2);
    expect(upload.stderr).toMatch(/UNEXPECTED_ENTRY/);
    expect(await blobs(db)).toEqual([]);
    expect(await blobs(files)).toEqual([]);

    const rehearse = await runCli(['rehearse', ...args, '--json', '--no-progress'], { cwd });
    expect(rehearse.exitCode).toBe(2);
    const rehearsal = JSON.parse(rehearse.stdout) as { ok: boolean; error: { code: string }; findings: Array<{ code: string; path: string }> };
    expect(rehearsal).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(rehearsal.findings.filter((found) => found.code === 'UNEXPECTED_ENTRY').map((found) => found.path)).toEqual(
      report.errors.filter((found) => found.code === 'UNEXPECTED_ENTRY').map((found) => found.path),
    );
    return report.errors;
  }

  it.each(storageLookalikes)('a storage folder with a %s is UNEXPECTED_ENTRY, named as such, and nothing is sent', async (_what, name, says) => {
    const dir = await tempDir();
    await writeTree(dir, { [`${name}/default/assets/a.png`]: 'a' });
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const errors = await refusedEverywhere([dir], dir);
    const found = errors.find((error) => error.code === 'UNEXPECTED_ENTRY');
    expect(found?.path).toBe(name);
    expect(found?.message).toMatch(says);
    expect(found?.message).toContain('It holds a tree shaped like storage/<container>/… (default).');
    expect(found?.message).toMatch(/Rename it to storage, or pass it with --storage \S+, or leave it out on purpose with --ignore \S+\.$/);
  });

  it.each(databaseLookalikes)('a database file with a %s is UNEXPECTED_ENTRY, a readable BACPAC, and nothing is sent', async (_what, name, says) => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.png': 'a' });
    await copyFile(food, path.join(dir, name));
    const errors = await refusedEverywhere([dir], dir);
    const found = errors.find((error) => error.code === 'UNEXPECTED_ENTRY');
    expect(found?.path).toBe(name);
    expect(found?.message).toMatch(says);
    expect(found?.message).toContain('It is a readable BACPAC (its zip holds model.xml and Origin.xml).');
    expect(found?.message).toMatch(/Rename it to db\.bacpac, or pass it with --bacpac \S+, or leave it out on purpose with --ignore \S+\.$/);
  });

  it('a name holding an invisible character is given back in a form the shell reads ($\'…\')', async () => {
    const dir = await tempDir();
    const name = `stor${cp(0x200b)}age`;
    await writeTree(dir, { [`${name}/default/a.txt`]: 'a' });
    const plan = await runCli(['plan', dir, '--json'], { cwd: dir });
    const message = (JSON.parse(plan.stdout) as PlanJson).errors[0]?.message ?? '';
    expect(message).toContain("--ignore $'stor\\u200bage'");
    expect(message.startsWith('"stor\\u200bage" is not part of a migration folder')).toBe(true);
  });

  it('storage/assets (the container level forgotten) is UNEXPECTED_ENTRY unless a --layout maps a container assets', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/assets/media/a.png': 'a' });
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const errors = await refusedEverywhere([dir], dir);
    expect(errors.map((error) => [error.code, error.path])).toEqual([['UNEXPECTED_ENTRY', 'storage/assets']]);
    expect(errors[0]?.message).toMatch(/named like a folder inside a container.*serves assets\/ from container default.*Move it down one level, to default\/assets\/…, or.*--layout FILE/);

    const layout = path.join(await tempDir(), 'layout.json');
    await writeFile(layout, JSON.stringify({ containers: { assets: ['media/'] } }));
    const mapped = await runCli(['plan', dir, '--layout', layout, '--json'], { cwd: dir });
    expect(mapped.exitCode).toBe(0);
  });

  it('--storage one level too deep (storage/default) is UNEXPECTED_ENTRY naming the folder to pass', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/media/a.png': 'a' });
    const errors = await refusedEverywhere(['--storage', 'storage/default'], dir);
    expect(errors.map((error) => [error.code, error.path])).toEqual([
      ['UNEXPECTED_ENTRY', 'storage/default'],
      ['UNEXPECTED_ENTRY', 'storage/default/assets'],
    ]);
    expect(errors[0]?.message).toContain('one level too deep');
    expect(errors[0]?.message).toContain('Pass the storage folder itself: --storage storage.');
  });

  it('anything else is refused; --ignore leaves it out on purpose, and a file the command reads (a SAS URL file) is not part of the payload', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a', 'notes.txt': 'n', 'old/default/b.txt': 'b' });
    const errors = await refusedEverywhere([dir, '--storage-only'], dir);
    expect(errors.map((error) => [error.code, error.path])).toEqual([
      ['UNEXPECTED_ENTRY', 'notes.txt'],
      ['UNEXPECTED_ENTRY', 'old'],
    ]);
    expect(errors[1]?.message).toContain('It holds a tree shaped like storage/<container>/… (default).');

    const urlFile = path.join(dir, 'files.url');
    await writeFile(urlFile, `${await storage.containerSasUrl('unexpected-ignored')}\n`);
    const upload = await runCli(['upload', dir, '--storage-only', '--ignore', 'notes.txt', '--ignore', 'old', '--storage-sas-url-file', urlFile, '--no-progress', '--json'], { cwd: dir });
    expect(upload.exitCode).toBe(0);
    expect(JSON.parse(upload.stdout).notUploaded).toEqual([
      { code: 'IGNORED', path: 'files.url' },
      { code: 'IGNORED', path: 'notes.txt' },
      { code: 'IGNORED', path: 'old' },
    ]);
    expect(await blobs('unexpected-ignored')).toEqual(['default/a.txt']);
  });
});
