import { cp, rename } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBacpac } from '../../src/bacpac/index.js';
import { checkEnvironment, rehearse, type RehearseEvent } from '../../src/operations/rehearse.js';
import { openPayload } from '../../src/source/payload.js';
import { startPortalEmulator } from '../../src/portal/emulator/start.js';
import { writeTree } from '../support/tree.js';
import { createHash } from 'node:crypto';
import { repoRoot } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

const sample = path.join(repoRoot, 'examples', 'migration');

describe('rehearse (in process)', () => {
  const tempDir = useTempDirs();

  async function sampleCopy(): Promise<string> {
    const dir = path.join(await tempDir(), 'migration');
    await cp(sample, dir, { recursive: true });
    return dir;
  }

  it('passes on the sample: every step, timed, with its facts, and the environment holds exactly the source', async () => {
    const events: RehearseEvent[] = [];
    const report = await rehearse({ dir: sample }, { env: 'uat', onEvent: (event) => events.push(event) });
    expect(report.error).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.steps.map((step) => step.name)).toEqual([
      'plan', 'check version', 'start emulator', 'create session', 'get access', 'upload', 'verify', 'restore to uat', 'check uat', 'close session', 'stop emulator',
    ]);
    expect(report.steps.every((step) => step.ok && step.durationMs >= 0)).toBe(true);
    expect(report.upload?.files.uploaded).toBe(report.environment?.checked);
    expect(report.environment).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
    expect(report.restore).toMatchObject({ state: 'succeeded', env: 'uat', databaseVersion: '31.1.0' });
    expect(events.some((event) => event.type === 'upload')).toBe(true);

    const facts = Object.fromEntries(report.steps.map((step) => [step.name, step.ok ? step.facts : step.error]));
    const files = report.environment?.checked;
    expect(facts).toEqual({
      plan: { kind: 'plan', files, bytes: report.upload?.bytes.sent },
      'check version': { kind: 'version', env: 'uat', environmentVersion: '31.1.0', bacpac: { path: path.relative(process.cwd(), path.join(sample, 'db.bacpac')), version: '31.1.0' } },
      'start emulator': { kind: 'emulator', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), env: 'uat', environmentVersion: '31.1.0', storageDir: null },
      'create session': { kind: 'session', sessionId: expect.any(String) },
      'get access': { kind: 'access', expiresOn: expect.any(String) },
      upload: { kind: 'upload', filesUploaded: files, bytesSent: report.upload?.bytes.sent },
      verify: { kind: 'verify', identicalFiles: files },
      'restore to uat': { kind: 'restore', restoreId: report.restore?.id, env: 'uat', state: 'succeeded' },
      'check uat': { kind: 'environment', env: 'uat', identicalBlobs: files },
      'close session': null,
      'stop emulator': null,
    });
    const access = facts['get access'] as { expiresOn: string };
    expect(Date.parse(access.expiresOn)).toBeGreaterThan(Date.now());
  });

  it('stops cleanly when interrupted during the upload: exit 130 (nothing to resume: all removed), the emulator stopped', async () => {
    const controller = new AbortController();
    const report = await rehearse({ dir: sample }, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'step-start' && event.step === 'upload') controller.abort(new Error('Ctrl-C'));
      },
    });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'ABORTED', exitCode: 130, message: expect.stringContaining('nothing to resume') });
    expect(report.steps.find((step) => step.name === 'upload')).toMatchObject({ ok: false, error: { code: 'ABORTED', message: 'Ctrl-C' } });
    expect(report.steps.at(-1)).toMatchObject({ name: 'stop emulator', ok: true });
  });

  it('stops before anything is sent on a folder with an uppercase name', async () => {
    const dir = await sampleCopy();
    await rename(path.join(dir, 'storage', 'default', 'assets'), path.join(dir, 'storage', 'default', 'Assets'));
    const report = await rehearse({ dir });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'VALIDATION_FAILED', exitCode: 2 });
    expect(report.findings.some((finding) => finding.code === 'NOT_LOWERCASE' && finding.path.includes('Assets'))).toBe(true);
    expect(report.steps).toEqual([{ name: 'plan', ok: false, durationMs: expect.any(Number), error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('nothing was sent') } }]);
    expect(report.upload).toBeNull();
  });

  it('stops before anything is sent on a misnamed bacpac', async () => {
    const dir = await sampleCopy();
    await rename(path.join(dir, 'db.bacpac'), path.join(dir, 'site-export.bacpac'));
    const report = await rehearse({ dir });
    expect(report.error).toMatchObject({ code: 'VALIDATION_FAILED', exitCode: 2 });
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'BACPAC_NAME', message: expect.stringContaining('must be named exactly db.bacpac') }));
    expect(report.steps.map((step) => step.name)).toEqual(['plan']);
  });

  it('warns (NOT_XPERIENCE) when the bacpac has no Xperience version to check, and says so in the step', async () => {
    const dir = await sampleCopy();
    await cp(path.join(repoRoot, 'test', 'fixtures', 'bacpac', 'food-sql2019.bacpac'), path.join(dir, 'db.bacpac'));
    const report = await rehearse({ dir }, {});
    expect(report.findings.map((finding) => [finding.code, finding.severity])).toEqual([['NOT_XPERIENCE', 'warning']]);
    expect(report.steps.find((step) => step.name === 'check version')).toMatchObject({
      ok: true,
      facts: { kind: 'version', env: 'qa', environmentVersion: '31.1.0', bacpac: { path: path.join(dir, 'db.bacpac'), version: null } },
    });
  });

  it('fails before anything is sent when the bacpac is of another Xperience version than the environment', async () => {
    const dir = await sampleCopy();
    await writeBacpac(path.join(dir, 'db.bacpac'), { xperienceVersion: '30.2.0' });
    const report = await rehearse({ dir }, { env: 'prod' });
    expect(report.error).toMatchObject({ code: 'VERSION_MISMATCH', exitCode: 2 });
    expect(report.error?.message).toContain('Xperience 30.2.0 database but the prod environment runs 31.1.0');
    expect(report.steps.map((step) => step.name)).toEqual(['plan', 'check version']);
    expect(report.steps[1]).toMatchObject({ ok: false, error: { code: 'VERSION_MISMATCH', message: report.error?.message.split(' Export the database')[0] } });
    expect(report.restore).toBeNull();
  });

  it('checks the environment by name, size and MD5 across its containers: missing, extra and mismatched blobs', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/same.txt': 'same', 'storage/default/changed.txt': 'local', 'storage/media/missing.txt': 'gone' });
    const running = await startPortalEmulator();
    try {
      const storage = running.emulator.environmentStorage('qa');
      const put = async (container: string, name: string, text: string) => {
        const client = storage.getContainerClient(container);
        await client.createIfNotExists();
        await client.getBlockBlobClient(name).upload(text, text.length, { blobHTTPHeaders: { blobContentMD5: createHash('md5').update(text).digest() } });
      };
      await put('default', 'same.txt', 'same');
      await put('default', 'changed.txt', 'other');
      await put('default', 'stray.txt', 'x');
      await put('media', 'missing.txt/', 'a name with a slash after it is another blob');
      const check = await checkEnvironment(running, 'qa', (await openPayload({ dir, storageOnly: true })).entries());
      expect(check).toEqual({
        ok: false,
        checked: 3,
        counts: { missing: 1, extra: 2, mismatched: 1 },
        missing: ['media/missing.txt'],
        extra: ['default/stray.txt', 'media/missing.txt/'],
        mismatched: ['default/changed.txt'],
      });
    } finally {
      await running.stop();
    }
  });
});
