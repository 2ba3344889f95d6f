/**
 * Packages shaped as Export-DeploymentPackage.ps1 writes them for a real site: a real-sized `.deps.json` (200+
 * libraries, project references, prerelease suffixes) with Kentico's integrations beside the product.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBacpac } from '../../src/bacpac/write.js';
import { checkPackage } from '../../src/package/check.js';
import { realDepsJson, realPackages, writeRealSitePackage, type RealDepsOptions } from '../support/deps-json.js';
import { runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

const tempDir = useTempDirs();

async function pwsh7Package(deps: RealDepsOptions = {}): Promise<string> {
  const file = path.join(await tempDir(), 'DeploymentPackage.zip');
  await writeRealSitePackage(file, 'PowerShell 7', deps);
  return file;
}

async function windowsPowerShellPackage(deps: RealDepsOptions = {}): Promise<string> {
  const file = path.join(await tempDir(), 'DeploymentPackage-ps51.zip');
  await writeRealSitePackage(file, 'Windows PowerShell 5.1', deps);
  return file;
}

describe('a real-sized .deps.json with Kentico integrations', () => {
  it('is a real size: 200+ libraries, project references, prerelease versions', () => {
    const libraries = (JSON.parse(realDepsJson()) as { libraries: Record<string, { type: string }> }).libraries;
    expect(Object.keys(libraries).length).toBeGreaterThan(200);
    expect(Object.values(libraries).filter((library) => library.type === 'project').length).toBe(4);
    expect(Object.keys(libraries).some((key) => key.endsWith('-beta00016'))).toBe(true);
  });

  it.each([['PowerShell 7', pwsh7Package], ['Windows PowerShell 5.1', windowsPowerShellPackage]])('%s shape: the product version, integrations listed and not compared', async (_shape, make) => {
    const report = await checkPackage(await make());
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.xperienceVersion).toBe('31.6.2');
    expect(report.integrations).toEqual({ 'Kentico.Xperience.Lucene': '15.0.4', 'Kentico.Xperience.Lucene.Core': '15.0.4', 'Kentico.Xperience.TagManager': '6.1.0', 'Kentico.Xperience.MiniProfiler': '3.0.0' });
    expect(Object.keys(report.productPackages).sort()).toEqual(['Kentico.Xperience.Admin', 'Kentico.Xperience.AzureStorage', 'Kentico.Xperience.Cloud', 'Kentico.Xperience.Core', 'Kentico.Xperience.ImageProcessing', 'Kentico.Xperience.WebApp']);
    // A project named like a Kentico package is the site's own code.
    expect(report.integrations).not.toHaveProperty('Kentico.Xperience.Custom.Widgets');
  });

  it('a mixed product set is still an error, naming the odd package and not the integrations', async () => {
    const product = { 'Kentico.Xperience.Core': '31.6.2', 'Kentico.Xperience.WebApp': '31.6.2', 'Kentico.Xperience.Admin': '31.5.0', 'Kentico.Xperience.Cloud': '31.6.2' };
    const report = await checkPackage(await windowsPowerShellPackage({ product }));
    expect(report.errors.map((finding) => finding.code)).toEqual(['PACKAGE_VERSION']);
    expect(report.errors[0]?.message).toContain('Kentico.Xperience.Core 31.6.2, but Kentico.Xperience.Admin 31.5.0');
    expect(report.errors[0]?.message).not.toContain('Lucene');
    expect(report.xperienceVersion).toBeNull();
    expect(report.integrations).toHaveProperty('Kentico.Xperience.TagManager', '6.1.0');
  });

  it('prerelease product packages: same numbers are one version; the version reads as Core writes it', async () => {
    const preview = await checkPackage(await pwsh7Package({ product: { 'Kentico.Xperience.Core': '31.7.0-preview', 'Kentico.Xperience.WebApp': '31.7.0-preview', 'Kentico.Xperience.ManagementApi': '31.7.0-preview' } }));
    expect(preview.errors).toEqual([]);
    expect(preview.xperienceVersion).toBe('31.7.0-preview');
  });

  it('only integrations: the version is unknown, and the message names what it found', async () => {
    const report = await checkPackage(await pwsh7Package({ product: {} }));
    expect(report.errors.map((finding) => finding.code)).toEqual(['PACKAGE_VERSION']);
    expect(report.errors[0]?.message).toContain('only Kentico integrations: Kentico.Xperience.Lucene');
  });

  it('a Kentico 13 application is the product at 13.0, below the SaaS minimum', async () => {
    const report = await checkPackage(await pwsh7Package({ product: { 'Kentico.Xperience.Libraries': '13.0.131', 'Kentico.Xperience.AspNetCore.WebApp': '13.0.131' }, integrations: {} }));
    expect(report.xperienceVersion).toBe('13.0.131');
    expect(report.errors.map((finding) => finding.code)).toEqual(['PACKAGE_VERSION']);
    expect(report.errors[0]?.message).toContain('need 30.1.0 or later');
  });
});

describe('kxp-restore with a real site package', () => {
  it('package check reports the product version and lists the integrations (text and --json)', async () => {
    const zip = await windowsPowerShellPackage();
    const text = await runCli(['package', 'check', zip]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^Xperience {4}31\.6\.2 \(6 product packages\)$/m);
    expect(text.stdout).toMatch(/^Integrations 4 Kentico integrations with versions of their own \(not compared\):$/m);
    expect(text.stdout).toMatch(/^ {2}Kentico\.Xperience\.Lucene 15\.0\.4$/m);
    expect(text.stdout).toMatch(/^ {2}Kentico\.Xperience\.MiniProfiler 3\.0\.0$/m);
    expect(text.stdout).toContain('Ready to deploy');
    const json = await runCli(['package', 'check', zip, '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, xperienceVersion: '31.6.2', integrations: { 'Kentico.Xperience.TagManager': '6.1.0' }, productPackages: { 'Kentico.Xperience.Core': '31.6.2' } });
  });

  it('plan --package accepts it beside a 31.6.2 database, in both shapes', async () => {
    const dir = await tempDir();
    await writeBacpac(path.join(dir, 'db.bacpac'), { xperienceVersion: '31.6.2' });
    for (const zip of [await pwsh7Package(), await windowsPowerShellPackage()]) {
      const plan = await runCli(['plan', dir, '--database-only', '--package', zip, '--json']);
      expect(plan.stderr).toBe('');
      expect(plan.exitCode).toBe(0);
      expect(JSON.parse(plan.stdout)).toMatchObject({ ok: true, package: { ok: true, xperienceVersion: '31.6.2', integrations: realPackagesIntegrations(), bacpac: { version: '31.6.2' } } });
    }
  });
});

function realPackagesIntegrations(): Record<string, string> {
  return Object.fromEntries(Object.entries(realPackages()).filter(([name]) => name.startsWith('Kentico.Xperience.') && ['Lucene', 'TagManager', 'MiniProfiler'].some((part) => name.includes(part))));
}
