import { open, stat } from 'node:fs/promises';
import yauzl from 'yauzl';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBacpac } from '../../src/bacpac/write.js';
import { checkPackage, PACKAGE_MAX_BYTES } from '../../src/package/check.js';
import { writeDeploymentPackage, type WriteDeploymentPackageOptions } from '../../src/package/write.js';
import { checkDeploymentPackage } from '../../src/operations/package-check.js';
import { runCli } from '../support/cli.js';
import { readZipEntries, writeSparseZip64 } from '../support/sparse-zip.js';
import { useTempDirs } from '../support/tree.js';

const tempDir = useTempDirs();

async function packageWith(options: WriteDeploymentPackageOptions = {}): Promise<string> {
  const file = path.join(await tempDir(), 'DeploymentPackage.zip');
  await writeDeploymentPackage(file, options);
  return file;
}

async function codes(options: WriteDeploymentPackageOptions, checkOptions: { environmentVersion?: string } = {}) {
  const report = await checkPackage(await packageWith(options), checkOptions);
  return { report, errors: report.errors.map((finding) => finding.code), warnings: report.warnings.map((finding) => finding.code) };
}

describe('checkPackage', () => {
  it('accepts a valid package (deflated, ZIP64 records) and reports what it holds', async () => {
    const { report, errors } = await codes({
      compress: true,
      zip64: true,
      zeroDowntime: true,
      deploymentMode: 'CreateUpdate',
      storageAssets: { 'default/assets/logo.svg': '<svg/>', 'default/assets/site/readme.txt': 'hello', 'media-01/a.txt': 'abc' },
    });
    expect(errors).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      assemblyName: 'KxpRestoreSample',
      applicationVersion: '1.0.0',
      xperienceVersion: '31.1.0',
      zeroDowntime: true,
      deploymentMode: 'CreateUpdate',
      storageAssets: { files: 3, bytes: 14, containers: { default: { files: 2, bytes: 11 }, 'media-01': { files: 1, bytes: 3 } } },
      cdRepository: { files: 2 },
    });
    expect(report.warnings).toEqual([]);
  });

  it('refuses a package over 2 GB (a sparse ZIP64 file around a hole) with PACKAGE_SIZE, and reads the rest', async () => {
    const small = await packageWith({ storageAssets: { 'default/assets/logo.svg': '<svg/>' } });
    const file = path.join(await tempDir(), 'Big.zip');
    const hole = PACKAGE_MAX_BYTES + 64 * 1024 ** 2;
    await writeSparseZip64(file, [...(await readZipEntries(small)), { name: '$StorageAssets/default/assets/video.mp4', holeBytes: hole }]);
    const onDisk = await stat(file);
    expect(onDisk.size).toBeGreaterThan(PACKAGE_MAX_BYTES);
    const report = await checkPackage(file);
    expect(report.errors.map((finding) => finding.code)).toEqual(['PACKAGE_SIZE']);
    expect(report.errors[0]?.message).toContain(`${onDisk.size} bytes`);
    expect(report.errors[0]?.message).toContain('custom restore');
    expect(report.xperienceVersion).toBe('31.1.0');
    expect(report.storageAssets).toMatchObject({ files: 2, bytes: hole + 6 });
  });

  it.each([
    ['no cloud-metadata.json', { omit: ['metadata'] }, 'PACKAGE_METADATA'],
    ['malformed JSON', { metadata: '{ "AssemblyName": ' }, 'PACKAGE_METADATA'],
    ['not an object', { metadata: '[1, 2]' }, 'PACKAGE_METADATA'],
    ['no AssemblyName', { metadata: { Version: '1.0.0', SupportsZeroDowntimeDeployment: false } }, 'PACKAGE_METADATA'],
    ['Version of the wrong type', { metadata: { AssemblyName: 'KxpRestoreSample', Version: 1, SupportsZeroDowntimeDeployment: false } }, 'PACKAGE_METADATA'],
    ['SupportsZeroDowntimeDeployment not a boolean', { metadata: { AssemblyName: 'KxpRestoreSample', Version: '1.0.0', SupportsZeroDowntimeDeployment: 'yes' } }, 'PACKAGE_METADATA'],
    ['an unknown deployment mode', { storageAssets: { 'default/a.txt': 'a' }, deploymentMode: 'Overwrite' }, 'PACKAGE_METADATA'],
    ['storage assets the metadata does not name', { storageAssets: { 'default/a.txt': 'a' }, metadata: { AssemblyName: 'KxpRestoreSample', Version: '1.0.0', SupportsZeroDowntimeDeployment: false } }, 'PACKAGE_METADATA'],
    ['no <AssemblyName>.dll', { omit: ['dll'] }, 'PACKAGE_ASSEMBLY'],
    ['no <AssemblyName>.deps.json', { omit: ['deps'] }, 'PACKAGE_ASSEMBLY'],
    ['no $CDRepository', { omit: ['cd-repository'] }, 'PACKAGE_CD_REPOSITORY'],
    ['no repository.config', { omit: ['repository.config'] }, 'PACKAGE_CD_REPOSITORY'],
    ['an empty CD repository', { omit: ['cd-objects'] }, 'PACKAGE_CD_REPOSITORY'],
    ['an uppercase storage name', { storageAssets: { 'default/assets/Logo.svg': 'x' } }, 'NOT_LOWERCASE'],
    ['an invalid container folder', { storageAssets: { 'my--media/a.txt': 'x' } }, 'CONTAINER_NAME'],
    ['an invalid blob name', { storageAssets: { 'default/assets/name./a.txt': 'x' } }, 'BLOB_NAME'],
    ['a file outside any container folder', { storageAssets: { 'a.txt': 'x' } }, 'OUTSIDE_CONTAINER'],
    ['mixed Kentico.Xperience.* versions', { xperiencePackages: { 'Kentico.Xperience.Core': '31.1.0', 'Kentico.Xperience.WebApp': '31.1.0', 'Kentico.Xperience.Admin': '31.0.0' } }, 'PACKAGE_VERSION'],
    ['no Kentico.Xperience.* package', { xperiencePackages: { 'Newtonsoft.Json': '13.0.3' } }, 'PACKAGE_VERSION'],
    ['a version under 30.1.0', { xperienceVersion: '30.0.3' }, 'PACKAGE_VERSION'],
    ['zero-downtime under 31.0.2', { xperienceVersion: '31.0.1', zeroDowntime: true }, 'PACKAGE_VERSION'],
  ] as Array<[string, WriteDeploymentPackageOptions, string]>)('refuses %s', async (_label, options, code) => {
    const { report, errors } = await codes(options);
    expect(report.ok).toBe(false);
    expect(errors).toContain(code);
    for (const finding of report.errors) expect(finding.message.length).toBeGreaterThan(40);
  });

  it('names both names of a case collision in $StorageAssets', async () => {
    const { report } = await codes({ storageAssets: { 'default/a.png': 'x', 'default/A.png': 'y' } });
    const collision = report.errors.find((finding) => finding.code === 'CASE_COLLISION');
    expect(collision?.message).toContain('$StorageAssets/default/a.png');
    expect(collision?.message).toContain('$StorageAssets/default/A.png');
  });

  it('says so when the zip wraps everything in a folder', async () => {
    const inner = await readZipEntries(await packageWith());
    const file = path.join(await tempDir(), 'Wrapped.zip');
    await writeSparseZip64(file, inner.map((entry) => ({ name: `CloudDeployment/${entry.name}`, data: entry.data })));
    const report = await checkPackage(file);
    expect(report.errors.find((finding) => finding.path.endsWith('cloud-metadata.json'))?.message).toContain('CloudDeployment/cloud-metadata.json');
  });

  it('reads entry names with Windows backslashes (Compress-Archive on Windows PowerShell 5.1 writes them)', async () => {
    const inner = await readZipEntries(await packageWith({ storageAssets: { 'default/assets/logo.svg': '<svg/>' } }));
    const file = path.join(await tempDir(), 'Windows.zip');
    await writeSparseZip64(file, inner.map((entry) => ({ name: entry.name.replace(/\//g, '\\'), data: entry.data })));
    const report = await checkPackage(file);
    expect(report.errors).toEqual([]);
    expect(report.storageAssets).toMatchObject({ files: 1, containers: { default: { files: 1 } } });
    expect(report.cdRepository).toEqual({ files: 2 });
  });

  it('names the mixed versions and warns when the metadata predates zero-downtime', async () => {
    const mixed = await codes({ xperiencePackages: { 'Kentico.Xperience.Core': '31.1.0', 'Kentico.Xperience.Admin': '31.0.0' } });
    expect(mixed.report.errors[0]?.message).toContain('Kentico.Xperience.Admin 31.0.0');
    expect(mixed.report.xperienceVersion).toBeNull();
    const old = await codes({ metadata: { AssemblyName: 'KxpRestoreSample', Version: '1.0.0' } });
    expect(old.errors).toEqual([]);
    expect(old.warnings).toEqual(['PACKAGE_METADATA']);
  });

  it('refuses a package older than the environment', async () => {
    const { errors, report } = await codes({ xperienceVersion: '31.0.0' }, { environmentVersion: '31.1.0' });
    expect(errors).toEqual(['PACKAGE_VERSION']);
    expect(report.errors[0]?.message).toContain('older than');
    expect((await codes({ xperienceVersion: '31.2.0' }, { environmentVersion: '31.1.0' })).errors).toEqual([]);
  });
});

describe('checkDeploymentPackage with a bacpac', () => {
  it('accepts a database of the same version and refuses one of another with VERSION_MISMATCH', async () => {
    const dir = await tempDir();
    const zip = await packageWith({ xperienceVersion: '31.1.0' });
    await writeBacpac(path.join(dir, 'same.bacpac'), { xperienceVersion: '31.1.0' });
    await writeBacpac(path.join(dir, 'older.bacpac'), { xperienceVersion: '30.2.0' });
    expect((await checkDeploymentPackage(zip, { bacpac: path.join(dir, 'same.bacpac') })).ok).toBe(true);
    const report = await checkDeploymentPackage(zip, { bacpac: 'older.bacpac', cwd: dir });
    expect(report.ok).toBe(false);
    expect(report.errors.map((finding) => finding.code)).toEqual(['VERSION_MISMATCH']);
    expect(report.errors[0]?.message).toMatch(/30\.2\.0.*31\.1\.0/);
    expect(report.errors[0]?.message).toContain('Upgrade the database to 31.1.0');
    expect(report.bacpac).toEqual({ path: 'older.bacpac', version: '30.2.0' });
  });
});

describe('kxp-restore package check', () => {
  it('exits 0 on a valid package and 2 on a defect, with the JSON shape of the issue', async () => {
    const good = await runCli(['package', 'check', await packageWith()]);
    expect(good.exitCode).toBe(0);
    expect(good.stdout).toContain('Ready to deploy');
    const bad = await runCli(['package', 'check', await packageWith({ omit: ['repository.config'] }), '--json']);
    expect(bad.exitCode).toBe(2);
    const json = JSON.parse(bad.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['ok', 'errors', 'warnings', 'bytes', 'assemblyName', 'applicationVersion', 'xperienceVersion', 'zeroDowntime', 'storageAssets', 'cdRepository']));
    expect(json.errors).toEqual([expect.objectContaining({ code: 'PACKAGE_CD_REPOSITORY' })]);
  });

  it('exits 2 with a clear message on a file that is not a zip', async () => {
    const dir = await tempDir();
    const result = await runCli(['package', 'check', path.join(dir, 'missing.zip')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('NOT_FOUND');
  });
});

describe('a damaged package entry', () => {
  it('is PACKAGE_INVALID naming the entry, exit 2 (was INTERNAL: unexpected EOF / invalid data)', async () => {
    const file = await packageWith({ compress: true });
    // Overwrite the deflated bytes of the .deps.json entry in the middle of the file: the central directory stays valid.
    const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
    let target: { offset: number; size: number } | null = null;
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('.deps.json')) target = { offset: entry.relativeOffsetOfLocalHeader, size: entry.compressedSize };
    }
    zip.close();
    if (!target) throw new Error('the sample package has no .deps.json');
    const handle = await open(file, 'r+');
    const header = Buffer.alloc(30);
    await handle.read(header, 0, 30, target.offset);
    const dataStart = target.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    await handle.write(Buffer.alloc(target.size, 0xff), 0, target.size, dataStart);
    await handle.close();

    await expect(checkPackage(file)).rejects.toMatchObject({ code: 'PACKAGE_INVALID', path: expect.stringMatching(/\.deps\.json$/) });
    const cli = await runCli(['package', 'check', file]);
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr).toMatch(/error \[PACKAGE_INVALID\]: DeploymentPackage\.zip: the entry KxpRestoreSample\.deps\.json is damaged/);
    expect(cli.stderr).not.toContain('INTERNAL');
  });
});
