/**
 * One part missing is a decision, not an accident (issue 18 points 3 and 7): a payload without db.bacpac or
 * without storage files is MISSING_PART in plan (exit 2), upload (exit 2, nothing sent to Azurite) and rehearse
 * (refused), unless --storage-only / --database-only or naming only one part says it is meant.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const food = path.join(repoRoot, 'test', 'fixtures', 'bacpac', 'food-sql2019.bacpac');

interface Finding {
  code: string;
  path: string;
  message: string;
}

describe('a payload missing one part', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let next = 0;

  const blobs = (container: string) => storage.blobNames(container);

  /** Two fresh containers and the environment that names them. */
  async function containers() {
    next++;
    const [db, files] = [`part-db-${next}`, `part-files-${next}`];
    return { db, files, env: { KXP_DB_SAS_URL: await storage.containerSasUrl(db), KXP_STORAGE_SAS_URL: await storage.containerSasUrl(files) } };
  }

  async function upload(args: string[], env: Record<string, string>) {
    return runCli(['upload', ...args, '--no-progress', '--state-dir', path.join(await tempDir(), 'state')], { env });
  }

  /** plan, upload and rehearse each refuse with MISSING_PART; upload sends nothing. Returns plan's finding. */
  async function refusedEverywhere(args: string[]): Promise<Finding> {
    const plan = await runCli(['plan', ...args, '--json']);
    expect(plan.exitCode).toBe(2);
    const errors = (JSON.parse(plan.stdout) as { errors: Finding[] }).errors;
    expect(errors.map((found) => found.code)).toEqual(['MISSING_PART']);

    const { db, files, env } = await containers();
    const sent = await upload(args, env);
    expect(sent.exitCode).toBe(2);
    expect(sent.stderr).toMatch(/error +MISSING_PART/);
    expect(await blobs(db)).toEqual([]);
    expect(await blobs(files)).toEqual([]);

    const rehearse = await runCli(['rehearse', ...args, '--json', '--no-progress']);
    expect(rehearse.exitCode).toBe(2);
    expect(JSON.parse(rehearse.stdout)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' }, findings: expect.arrayContaining([expect.objectContaining({ code: 'MISSING_PART' })]) });
    return errors[0] as Finding;
  }

  it('storage files and no db.bacpac: refused unless --storage-only (or only --storage) says so', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.png': 'a' });
    const missing = await refusedEverywhere([dir]);
    expect(missing.path).toBe(dir);
    expect(missing.message).toMatch(/^No db\.bacpac: the payload has storage files only\. The restore replaces the environment's database with the db\.bacpac of the database container, so without one it fails/);
    expect(missing.message).toContain('say so with --storage-only (or name only --storage)');

    for (const args of [[dir, '--storage-only'], ['--storage', path.join(dir, 'storage')]]) {
      expect((await runCli(['plan', ...args])).exitCode).toBe(0);
      const { files, env } = await containers();
      const sent = await upload(args, { KXP_STORAGE_SAS_URL: env.KXP_STORAGE_SAS_URL });
      expect(sent.exitCode).toBe(0);
      expect(await blobs(files)).toEqual(['default/assets/a.png']);
    }
  });

  it('db.bacpac and no storage files: refused unless --database-only (or only --bacpac), saying the storage is recreated empty', async () => {
    const dir = await tempDir();
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const missing = await refusedEverywhere([dir]);
    expect(missing.message).toMatch(/^No storage files: the payload has db\.bacpac only\. The restore deletes every storage container of the environment and recreates it from the storage container, so the environment's storage is recreated from an empty container/);
    expect(missing.message).toContain('say so with --database-only (or name only --bacpac)');

    for (const args of [[dir, '--database-only'], ['--bacpac', path.join(dir, 'db.bacpac')]]) {
      expect((await runCli(['plan', ...args])).exitCode).toBe(0);
      const { db, env } = await containers();
      const sent = await upload(args, { KXP_DB_SAS_URL: env.KXP_DB_SAS_URL });
      expect(sent.exitCode).toBe(0);
      expect(await blobs(db)).toEqual(['db.bacpac']);
    }
  });

  it('an empty storage folder is no storage files either', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'storage/default/empty'), { recursive: true });
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const plan = await runCli(['plan', path.join(dir), '--json']);
    expect((JSON.parse(plan.stdout) as { errors: Finding[] }).errors.map((found) => found.code)).toEqual(['MISSING_PART']);
  });

  it('--database-only beside a storage folder sends the database alone; --storage-only leaves db.bacpac out', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a' });
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const { db, files, env } = await containers();
    const databaseOnly = await upload([dir, '--database-only', '--json'], { KXP_DB_SAS_URL: env.KXP_DB_SAS_URL });
    expect(databaseOnly.exitCode).toBe(0);
    expect(JSON.parse(databaseOnly.stdout).notUploaded).toEqual([{ code: 'IGNORED', path: path.join(dir, 'storage') }]);
    expect(await blobs(db)).toEqual(['db.bacpac']);

    const storageOnly = await upload([dir, '--storage-only'], { KXP_STORAGE_SAS_URL: env.KXP_STORAGE_SAS_URL });
    expect(storageOnly.exitCode).toBe(0);
    expect(storageOnly.stdout + storageOnly.stderr).toContain('--storage-only leaves the database out');
    expect(await blobs(files)).toEqual(['default/a.txt']);
  });

  it('contradictions are usage errors: both flags, --database-only with --storage, --storage-only with --bacpac', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'a' });
    await copyFile(food, path.join(dir, 'db.bacpac'));
    for (const [args, says] of [
      [[dir, '--database-only', '--storage-only'], '--database-only and --storage-only exclude each other.'],
      [['--database-only', '--storage', path.join(dir, 'storage')], '--database-only sends no storage files'],
      [['--storage-only', '--bacpac', path.join(dir, 'db.bacpac')], '--storage-only sends no database'],
    ] as const) {
      const result = await runCli(['plan', ...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`error [USAGE]: ${says}`);
    }
  });

  it('--storage-from counts as storage files beside a db.bacpac', async () => {
    const dir = await tempDir();
    await copyFile(food, path.join(dir, 'db.bacpac'));
    const source = await storage.containerSasUrl('part-source');
    await storage.azurite.serviceClient.getContainerClient('part-source').getBlockBlobClient('media/a.png').upload('a', 1);
    const plan = await runCli(['plan', dir, '--storage-from', source, '--map', 'media/=default/assets/media/', '--json']);
    expect(JSON.parse(plan.stdout)).toMatchObject({ ok: true, errors: [] });
    expect(plan.exitCode).toBe(0);
  });
});
