import { describe, expect, it } from 'vitest';
import type { RehearseReport, RehearseStep, RehearseStepFacts } from '../../src/operations/rehearse.js';
import { rehearsalJson, renderRehearsal, renderRehearseEvent, stepDetail } from '../../src/report/rehearse.js';

const passed = (name: string, durationMs: number, facts: RehearseStepFacts | null): RehearseStep => ({ name, ok: true, durationMs, facts });
const line = (step: RehearseStep) => renderRehearseEvent({ type: 'step-done', step });

/** The steps of a passing rehearsal of the sample, as the README shows them. */
const sampleSteps: RehearseStep[] = [
  passed('plan', 10, { kind: 'plan', files: 34, bytes: 49318 }),
  passed('check version', 20, { kind: 'version', env: 'qa', environmentVersion: '31.1.0', bacpac: { path: 'examples/migration/db.bacpac', version: '31.1.0' } }),
  passed('start emulator', 1100, { kind: 'emulator', url: 'http://127.0.0.1:43319', env: 'qa', environmentVersion: '31.1.0', storageDir: null }),
  passed('create session', 100, { kind: 'session', sessionId: 's8bf23933' }),
  passed('get access', 100, { kind: 'access', expiresOn: '2026-12-03T05:22:17.226Z' }),
  passed('upload', 500, { kind: 'upload', filesUploaded: 34, bytesSent: 49318 }),
  passed('verify', 200, { kind: 'verify', identicalFiles: 34 }),
  passed('restore to qa', 700, { kind: 'restore', restoreId: 'r3d847aa8', env: 'qa', state: 'succeeded' }),
  passed('check qa', 200, { kind: 'environment', env: 'qa', identicalBlobs: 34 }),
  passed('close session', 0, null),
  passed('stop emulator', 0, null),
];

describe('rehearse report', () => {
  it('renders one timed line per step kind from its facts', () => {
    expect(sampleSteps.map(line).join('')).toBe(
      [
        '✓ plan                  0.0 s  34 files, 49318 bytes, no errors',
        '✓ check version         0.0 s  Xperience 31.1.0 = qa',
        '✓ start emulator        1.1 s  http://127.0.0.1:43319, qa on Xperience 31.1.0, storage in memory',
        '✓ create session        0.1 s  s8bf23933',
        '✓ get access            0.1 s  valid until 2026-12-03T05:22:17.226Z',
        '✓ upload                0.5 s  34 files uploaded, 49318 bytes sent',
        '✓ verify                0.2 s  34 files identical',
        '✓ restore to qa         0.7 s  restore r3d847aa8 succeeded',
        '✓ check qa              0.2 s  34 blobs identical to the source',
        '✓ close session         0.0 s',
        '✓ stop emulator         0.0 s',
        '',
      ].join('\n'),
    );
  });

  it('names the storage folder of an emulator on disk', () => {
    const step = passed('start emulator', 900, { kind: 'emulator', url: 'http://127.0.0.1:5000', env: 'stg', environmentVersion: '30.2.0', storageDir: '/mnt/scratch/kxp-rehearse-abc' });
    expect(stepDetail(step)).toBe('http://127.0.0.1:5000, stg on Xperience 30.2.0, storage in /mnt/scratch/kxp-rehearse-abc');
  });

  it('says why the version was not compared: no database, or not an Xperience one', () => {
    const version = { kind: 'version', env: 'uat', environmentVersion: '31.1.0' } as const;
    expect(stepDetail(passed('check version', 5, { ...version, bacpac: null }))).toBe('no database in this payload');
    expect(stepDetail(passed('check version', 5, { ...version, bacpac: { path: 'm/db.bacpac', version: null } }))).toBe(
      'm/db.bacpac: not an Xperience database (version not checked; see the warning)',
    );
  });

  it("renders a failed step with a cross and the error's message", () => {
    const step: RehearseStep = { name: 'check version', ok: false, durationMs: 30, error: { code: 'VERSION_MISMATCH', message: 'db.bacpac is an Xperience 30.0.0 database but the prod environment runs 31.1.0.' } };
    expect(line(step)).toBe('✗ check version         0.0 s  db.bacpac is an Xperience 30.0.0 database but the prod environment runs 31.1.0.\n');
  });

  it('gives each JSON step its line as detail beside the facts or the error', () => {
    const failed: RehearseStep = { name: 'upload', ok: false, durationMs: 40, error: { code: 'ABORTED', message: 'Interrupted.' } };
    const report: RehearseReport = {
      ok: false, env: 'qa', steps: [...sampleSteps.slice(0, 5), failed], durationMs: 2000, findings: [],
      upload: null, verify: null, restore: null, environment: null, deployment: null,
      error: { code: 'ABORTED', path: null, message: 'The rehearsal was interrupted.', exitCode: 3 },
    };
    const json = JSON.parse(JSON.stringify(rehearsalJson(report))) as { steps: Array<Record<string, unknown>> };
    expect(json.steps[0]).toEqual({ name: 'plan', ok: true, durationMs: 10, detail: '34 files, 49318 bytes, no errors', facts: { kind: 'plan', files: 34, bytes: 49318 } });
    expect(Object.keys(json.steps[0] ?? {})).toEqual(['name', 'ok', 'durationMs', 'detail', 'facts']);
    expect(json.steps[3]).toMatchObject({ name: 'create session', detail: 's8bf23933', facts: { kind: 'session', sessionId: 's8bf23933' } });
    expect(json.steps[5]).toEqual({ name: 'upload', ok: false, durationMs: 40, detail: 'Interrupted.', error: { code: 'ABORTED', message: 'Interrupted.' } });
  });

  it('leaves detail out of a JSON step with nothing to say, as before', () => {
    const report: RehearseReport = {
      ok: true, env: 'qa', steps: sampleSteps.slice(-2), durationMs: 10, findings: [], upload: null, verify: null, restore: null, environment: null, deployment: null, error: null,
    };
    const json = JSON.parse(JSON.stringify(rehearsalJson(report))) as { steps: Array<Record<string, unknown>> };
    expect(json.steps).toEqual([
      { name: 'close session', ok: true, durationMs: 0, facts: null },
      { name: 'stop emulator', ok: true, durationMs: 0, facts: null },
    ]);
  });

  it('states what was left out of the payload, passed or failed, and says so when nothing was', () => {
    const ignored = { code: 'IGNORED' as const, severity: 'warning' as const, path: 'notes.txt', message: 'Ignored: only db.bacpac and storage/ are uploaded.' };
    const base: RehearseReport = { ok: true, env: 'qa', steps: sampleSteps, durationMs: 10, findings: [ignored], deployment: null, upload: null, verify: null, restore: null, environment: null, error: null };
    expect(renderRehearsal(base)).toMatch(/Not uploaded: 1 entry of the migration folder[^\n]*\n {2}ignored {2}notes\.txt\n/);
    const failed = { ...base, ok: false, error: { code: 'ABORTED', path: null, message: 'Interrupted.', exitCode: 3 } };
    expect(renderRehearsal(failed)).toContain('ignored  notes.txt');
    expect(renderRehearsal({ ...base, findings: [] })).toContain('Not uploaded: nothing was left out of the payload.');
  });

  it('names what differs when verify or the environment check failed, counting past the first ten', () => {
    const missing = Array.from({ length: 12 }, (_, index) => `default/m${index}.png`);
    const error = { code: 'VERIFY_MISMATCH', path: null, message: 'The restore containers differ from the source: 1,500 missing, 1 extra, 0 mismatched.', exitCode: 1 };
    const failedVerify: RehearseReport = {
      ok: false, env: 'qa', steps: [], durationMs: 10, findings: [], upload: null, restore: null, environment: null, deployment: null, error,
      verify: { ok: false, counts: { missing: 1500, extra: 1, mismatched: 0 }, missing, extra: ['db/DB.bacpac'], mismatched: [] },
    };
    const text = renderRehearsal(failedVerify);
    expect(text).toContain(`  missing: ${missing.slice(0, 10).join(', ')} and 1,490 more\n`);
    expect(text).toContain('  extra: db/DB.bacpac\n');
    expect(text).not.toContain('mismatched:');
    const environment = { ok: false, checked: 3, counts: { missing: 0, extra: 0, mismatched: 1 }, missing: [], extra: [], mismatched: ['default/a.png'] };
    expect(renderRehearsal({ ...failedVerify, verify: null, environment })).toContain('  mismatched: default/a.png\n');
  });
});
