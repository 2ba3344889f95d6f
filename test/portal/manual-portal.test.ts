import { readdir } from 'node:fs/promises';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT, AZURITE_KEY, createContainerSasUrl } from '../../src/azure/azurite.js';
import { sasSignature } from '../../src/azure/sas.js';
import { useTempDirs } from '../support/tree.js';
import { runInteractive } from './interactive.js';

// Signed locally as the Portal would hand them out; the manual driver only checks them.
const account = { blobEndpoint: `https://${AZURITE_ACCOUNT}.blob.core.windows.net`, credential: new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY) };
const dbUrl = createContainerSasUrl(account, 'restore-db');
const storageUrl = createContainerSasUrl(account, 'restore-storage');
const ENTER = '\r';
const ERASE = '\x7f'.repeat(40);

describe('manual driver (real Portal steps, through real stdin)', () => {
  const tempDir = useTempDirs();

  it('shows the Get access steps, re-asks on a bad paste, and takes both SAS URLs without echoing or storing them', async () => {
    const cwd = await tempDir();
    const result = await runInteractive(['session', 'access', '--manual', '--allowlist', '203.0.113.7'], [
      ['Paste the database container SAS URL', 'not a url' + ENTER],
      ['is not a URL', ERASE + dbUrl + ENTER],
      ['Paste the storage container SAS URL', storageUrl + ENTER],
    ], { cwd });
    expect(result.unanswered).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Data Management → Custom restore');
    expect(result.stderr).toContain('Enter 203.0.113.7 in the allowlist and confirm with Get access');
    for (const url of [dbUrl, storageUrl]) expect(result.stdout + result.stderr).not.toContain(sasSignature(url));
    expect(result.stdout).toContain('sig=REDACTED');
    expect(result.stdout).toContain('kxp-restore upload <dir> --manual');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('re-asks when the database URL is pasted again for the storage container (never "Got access" then SAS_INVALID)', async () => {
    const result = await runInteractive(['session', 'access', '--manual'], [
      ['Paste the database container SAS URL', dbUrl + ENTER],
      ['Paste the storage container SAS URL', dbUrl + ENTER],
      ['That is the same URL as the database SAS URL; paste the storage SAS URL', ERASE.repeat(10) + storageUrl + ENTER],
    ]);
    expect(result.unanswered).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('restore-storage');
  });

  it('session create: the Portal\'s facts are not invented (no placeholder id, dates or grants)', async () => {
    const result = await runInteractive(['session', 'create', '--manual'], [['Is the session created?', 'y' + ENTER]]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Session created.');
    expect(result.stdout).toContain('The real Portal shows the session under Data Management → Custom restore → Current session.');
    expect(result.stdout).not.toMatch(/Session portal|valid access grants|uploads until/);
  });

  it('stops with NOT_CONFIRMED when a step is not done', async () => {
    const result = await runInteractive(['session', 'create', '--manual'], [['Is the session created?', 'n' + ENTER]]);
    expect(result.stderr).toContain('Select Create session');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('NOT_CONFIRMED');
  });

  it('walks a production restore: typed name, restore point, the restore steps, and the outcome', async () => {
    const result = await runInteractive(['restore', '--env', 'prod', '--manual'], [
      ['is a restore listed under Active restores?', ENTER], // No
      ['Type "prod" to continue', 'prod' + ENTER],
      ['Is the restore point created?', 'y' + ENTER],
      ['Has the restore started', 'y' + ENTER],
      ['where is the restore to PROD now?', ENTER], // still running
      ['where is the restore to PROD now?', '\x1b[B' + ENTER], // arrow down: succeeded
    ]);
    expect(result.unanswered).toEqual([]);
    expect(result.stderr).toContain('Select the PROD environment and select Create');
    // What the person confirmed is said as such: no placeholder id read as the Portal's.
    expect(result.stdout).toContain('Restore point of prod: you confirmed it is created in the Portal');
    expect(result.stdout).toContain('Restore to prod: you confirmed it started in the Portal');
    expect(result.stdout).not.toMatch(/Restore point portal|Restore prod@/);
    expect(result.stdout).toContain('Restore to prod succeeded');
    expect(result.exitCode).toBe(0);
  });

  it('refuses a production restore when the typed name does not match', async () => {
    const result = await runInteractive(['restore', '--env', 'prod', '--manual'], [
      ['is a restore listed under Active restores?', ENTER],
      ['Type "prod" to continue', 'qa' + ENTER],
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"qa" does not match');
    expect(result.stderr).not.toContain('restore point');
  });

  it('follows a restore the person says is already running, without asking to confirm or start it again', async () => {
    const DOWN = '\x1b[B';
    const result = await runInteractive(['restore', '--env', 'prod', '--manual'], [
      ['is a restore listed under Active restores?', DOWN.repeat(4) + ENTER], // No, QA, UAT, STG, PROD
      ['where is the restore to PROD now?', DOWN + ENTER], // succeeded
    ]);
    expect(result.unanswered).toEqual([]);
    expect(result.stdout).toContain('is already running');
    expect(result.stdout).toContain('following it instead of starting another');
    expect(result.stderr).not.toContain('Type "prod"');
    expect(result.stderr).not.toContain('restore point');
    expect(result.stdout).toContain('Restore to prod succeeded');
    expect(result.stdout).toContain('kxp-restore session close --manual');
    expect(result.exitCode).toBe(0);
  });
});
