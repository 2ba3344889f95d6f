/** Needs dist/ built (`npm test` builds first). `rehearse --storage-from`: a source container in another Azurite, held in the emulator's own. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../src/azure/azurite.js';
import { repoRoot, runCli } from '../support/cli.js';
import { blobsOf, COPIED, fillXperienceMedia, MEDIA_MAP, SOURCE_ACCOUNT, SOURCE_KEY, sourceAccount } from '../support/source-account.js';

const sample = path.join(repoRoot, 'examples', 'migration');

async function localFileCount(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).length;
}

describe('rehearse --storage-from: media already in Azure', () => {
  let azurite: RunningAzurite;
  let sourceUrl: string;

  beforeAll(async () => {
    // The source is on ANOTHER Azurite than the one rehearse starts: Azurite cannot copy across instances.
    azurite = await startAzurite({ accounts: [{ name: SOURCE_ACCOUNT, key: SOURCE_KEY }] });
    const account = sourceAccount(`http://127.0.0.1:${azurite.port}`);
    await fillXperienceMedia(account.service.getContainerClient('media'), 1);
    sourceUrl = account.sasUrl('media');
  }, 120_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('copies the source into the emulator, uploads by server-side copy with --map and --lowercase, and the environment holds the mapped, lowercased blobs', async () => {
    const result = await runCli(['rehearse', sample, '--storage-from', sourceUrl, '--map', MEDIA_MAP, '--lowercase', '--json', '--no-progress']);
    expect(result.stderr).not.toContain(new URL(sourceUrl).searchParams.get('sig'));
    expect(result.stdout).not.toContain(new URL(sourceUrl).searchParams.get('sig'));
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    // Every blob the source lists (the unmapped too) is held in the emulator; only the mapped ones are restored.
    expect(report.steps.find((step: { name: string }) => step.name === 'copy source into the emulator')).toMatchObject({ ok: true, facts: { kind: 'source', blobs: 6 } });
    expect(report.upload).toMatchObject({ ok: true, files: { copied: Object.keys(COPIED).length, failed: 0 } });
    expect(report.verify).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
    // The environment check compares exactly: the local files and the four copied blobs under their restore names.
    const local = (await localFileCount(path.join(sample, 'storage'))) + 1;
    expect(report.environment).toMatchObject({ ok: true, checked: local + Object.keys(COPIED).length, missing: [], extra: [], mismatched: [] });
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'UNMAPPED', path: `${SOURCE_ACCOUNT}/media` }));
  }, 300_000);

  it('with no local folder at all (media only, from Azure): no usage error on the way, and the rehearsal cannot pass, since a restore needs db.bacpac', async () => {
    const result = await runCli(['rehearse', '--storage-from', sourceUrl, '--map', MEDIA_MAP, '--lowercase', '--json', '--no-progress']);
    const report = JSON.parse(result.stdout);
    expect(report.error?.code).not.toBe('USAGE');
    expect(report.steps.find((step: { name: string }) => step.name === 'check version')).toMatchObject({ ok: true, facts: { bacpac: null } });
    expect(report.ok).toBe(false);
    expect(result.exitCode).not.toBe(0);
    expect(report.error.message).toContain('db.bacpac');
  }, 300_000);

  it('a name rule failure (not lowercased, or a collision) exits 2 before the emulator starts: nothing sent, the source untouched', async () => {
    const before = await blobsOf(sourceAccount(`http://127.0.0.1:${azurite.port}`).service.getContainerClient('media'));
    const upper = await runCli(['rehearse', sample, '--storage-from', sourceUrl, '--map', MEDIA_MAP, '--json', '--no-progress']);
    expect(upper.exitCode).toBe(2);
    const upperReport = JSON.parse(upper.stdout);
    expect(upperReport.steps.map((step: { name: string }) => step.name)).toEqual(['plan']);
    expect(upperReport.error).toMatchObject({ code: 'VALIDATION_FAILED', exitCode: 2 });
    expect(upperReport.findings.filter((finding: { code: string }) => finding.code === 'NOT_LOWERCASE').map((finding: { path: string }) => finding.path)).toEqual(
      Object.keys(COPIED).map((name) => `${SOURCE_ACCOUNT}/media/${name}`),
    );

    const clash = await runCli(['rehearse', sample, '--storage-from', sourceUrl, '--map', MEDIA_MAP, '--map', 'OtherSite/media/=default/assets/media/', '--lowercase', '--json', '--no-progress']);
    expect(clash.exitCode).toBe(2);
    const clashReport = JSON.parse(clash.stdout);
    expect(clashReport.steps.map((step: { name: string }) => step.name)).toEqual(['plan']);
    expect(clashReport.findings).toContainEqual(expect.objectContaining({ code: 'CASE_COLLISION', path: `${SOURCE_ACCOUNT}/media/OtherSite/media/Images/logo.png` }));
    expect(await blobsOf(sourceAccount(`http://127.0.0.1:${azurite.port}`).service.getContainerClient('media'))).toEqual(before);
  }, 120_000);
});
