import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { KxpError } from '../../src/errors.js';
import { planPayload } from '../../src/operations/plan.js';
import { uploadPayload } from '../../src/operations/upload.js';
import { verifyPayload } from '../../src/operations/verify.js';
import { useAzurite } from '../support/azurite.js';
import { repoRoot, runCli } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';
import { CSPROJ, TEMPLATE_MODULE } from '../layout/projects.js';

const sampleBacpac = path.join(repoRoot, 'examples', 'migration', 'db.bacpac');
const fastRetry = { baseDelayMs: 5, maxDelayMs: 50 };

async function blobNames(url: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of new ContainerClient(url).listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

describe('--project: the storage files where the project keeps them', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let count = 0;
  const containers = async () => {
    count++;
    return { dbSasUrl: await storage.containerSasUrl(`pdb-${count}`), storageSasUrl: await storage.containerSasUrl(`pfiles-${count}`) };
  };

  /** A template project: assets in assets/ and in $StorageAssets/default/assets/media/, plus code and build output that are not storage. */
  async function templateProject(extra: Record<string, string> = {}): Promise<string> {
    const dir = await tempDir();
    await writeTree(dir, {
      'Site.csproj': CSPROJ,
      'StorageInitializationModule.cs': TEMPLATE_MODULE,
      'Views/Home/Index.cshtml': '<h1>hi</h1>',
      'bin/Site.dll': 'MZ',
      'assets/contentitems/ab/Photo.JPG': 'photo',
      'assets/media/lib/same.png': 'same bytes',
      '$StorageAssets/default/assets/media/lib/same.png': 'same bytes',
      '$StorageAssets/default/assets/media/lib/only-dev.png': 'dev',
      ...extra,
    });
    return dir;
  }

  it('uploads exactly the blobs the mapping expects (listed from Azurite): assets/ mapped, $StorageAssets as is, an identical twin once; verify passes; nothing moved', async () => {
    const dir = await templateProject();
    const bacpac = path.join(await tempDir(), 'site.bacpac');
    await copyFile(sampleBacpac, bacpac);
    const source = { project: dir, bacpac };
    const plan = await planPayload(source, { cwd: dir });
    expect(plan.errors).toEqual([]);
    expect(plan.totals.containers).toEqual({ default: { files: 3, bytes: 5 + 10 + 3 } });

    const urls = await containers();
    const result = await uploadPayload(source, { ...urls, cwd: dir, retry: fastRetry });
    expect(result).toMatchObject({ ok: true, files: { total: 4, uploaded: 4 } });
    expect(await blobNames(urls.storageSasUrl)).toEqual(['default/assets/contentitems/ab/photo.jpg', 'default/assets/media/lib/only-dev.png', 'default/assets/media/lib/same.png']);
    expect(await blobNames(urls.dbSasUrl)).toEqual(['db.bacpac']);
    const verified = await verifyPayload(source, { ...urls, cwd: dir, retry: fastRetry });
    expect(verified).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });

    // The project is as it was: no file moved or renamed (the journal sits in .kxp-restore beside it).
    const again = await runCli(['plan', '--project', '.', '--json'], { cwd: dir });
    expect(JSON.parse(again.stdout).totals.containers).toEqual({ default: { files: 3, bytes: 18 } });
    expect(JSON.parse(again.stdout).layout).toMatchObject({ source: 'project', containers: { default: ['assets/'] } });
    const text = await runCli(['plan', '--project', '.'], { cwd: dir });
    expect(text.stdout).toMatch(/Layout {4}project code \.: files checked against it\n {2}default ← assets\/ {2}StorageInitializationModule\.cs:38 \(MapAzureStoragePath\)/);
  });

  it('reports a blob both places supply with different content (DUPLICATE_BLOB, naming both) and files the mapping never reads; nothing is sent', async () => {
    const dir = await templateProject({
      '$StorageAssets/default/assets/contentitems/ab/photo.jpg': 'another photo',
      '$StorageAssets/default/media/forgot-assets.png': 'x',
      '$StorageAssets/media/no-container.png': 'y',
    });
    const result = await runCli(['plan', '--project', '.', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    const errors = JSON.parse(result.stdout).errors as Array<{ code: string; path: string; message: string }>;
    expect(errors.map((error) => [error.code, error.path])).toEqual([
      ['DUPLICATE_BLOB', '$StorageAssets/default/assets/contentitems/ab/photo.jpg'],
      ['UNMAPPED_PATH', '$StorageAssets/default/media/forgot-assets.png'],
      ['UNMAPPED_CONTAINER', '$StorageAssets/media'],
    ]);
    expect(errors[0]?.message).toContain('assets/contentitems/ab/Photo.JPG and $StorageAssets/default/assets/contentitems/ab/photo.jpg both become the blob default/assets/contentitems/ab/photo.jpg');
    expect(errors[1]?.message).toContain('Did you mean default/assets/media/forgot-assets.png?');

    const urls = await containers();
    const upload = await uploadPayload({ project: dir }, { ...urls, cwd: dir }).catch((error: unknown) => error);
    expect(upload).toBeInstanceOf(KxpError);
    expect((upload as KxpError).code).toBe('VALIDATION_FAILED');
    expect(await blobNames(urls.storageSasUrl)).toEqual([]);
  });

  it('a layout file wins over the code: nested prefixes go to their own container, files in the wrong container and an empty container are reported', async () => {
    const dir = await templateProject({
      'kxp-layout.json': JSON.stringify({ containers: { default: ['assets/'], 'media-libraries': ['assets/media/'], documents: ['assets/documents/'] } }),
    });
    const plan = await planPayload({ project: dir, layoutFile: path.join(dir, 'kxp-layout.json') }, { cwd: dir });
    expect(plan.totals.containers).toEqual({ default: { files: 3, bytes: 5 + 3 + 10 }, 'media-libraries': { files: 1, bytes: 10 } });
    // Under this layout the development copies sit in the wrong container folder.
    expect(plan.errors.map((error) => [error.code, error.path])).toEqual([
      ['UNMAPPED_PATH', '$StorageAssets/default/assets/media/lib/only-dev.png'],
      ['UNMAPPED_PATH', '$StorageAssets/default/assets/media/lib/same.png'],
    ]);
    expect(plan.errors[0]?.message).toContain('Did you mean media-libraries/assets/media/lib/only-dev.png?');
    expect(plan.warnings.map((warning) => [warning.code, warning.path])).toEqual([['EMPTY_CONTAINER', 'documents/']]);
  });

  it('an unreadable mapping stops plan with exit 2 and suggests --layout; --layout gets past it', async () => {
    const dir = await templateProject({ 'StorageInitializationModule.cs': TEMPLATE_MODULE.replace('CustomRootPath = CONTAINER_NAME', 'CustomRootPath = Settings.Container()') });
    const stuck = await runCli(['plan', '--project', '.'], { cwd: dir });
    expect(stuck.exitCode).toBe(2);
    expect(stuck.stderr).toContain('StorageInitializationModule.cs:50');
    expect(stuck.stderr).toContain('--layout FILE');
    await writeTree(dir, { 'kxp-layout.json': '{ "containers": { "default": ["assets/"] } }' });
    const pinned = await runCli(['plan', '--project', '.', '--layout', 'kxp-layout.json'], { cwd: dir });
    expect(pinned.exitCode).toBe(0);
  });

  it('--check-layout applies the template layout to a migration folder; without it nothing changes', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.png': 'a', 'storage/default/media/b.png': 'b' });
    expect((await planPayload({ dir, storageOnly: true })).errors).toEqual([]);
    const checked = await planPayload({ dir, checkLayout: true, storageOnly: true }, { cwd: dir });
    expect(checked.errors.map((error) => [error.code, error.path])).toEqual([['UNMAPPED_PATH', 'storage/default/media/b.png']]);
  });

  it('--project cannot be combined with another storage source', async () => {
    const dir = await templateProject();
    const result = await runCli(['plan', '--project', '.', '--storage', '$StorageAssets'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--project supplies the storage files');
  });

  it('rehearse --project --bacpac works end to end against Azurite and the Portal emulator', async () => {
    const dir = await templateProject();
    const bacpac = path.join(await tempDir(), 'site.bacpac');
    await copyFile(sampleBacpac, bacpac);
    const result = await runCli(['rehearse', '--project', '.', '--bacpac', bacpac, '--json', '--no-progress'], { cwd: dir });
    const report = JSON.parse(result.stdout);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.environment).toMatchObject({ ok: true, checked: 4, missing: [], extra: [], mismatched: [] });
  });
});
