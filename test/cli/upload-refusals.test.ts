/** What a 403 means, said truly: a SAS that cannot write (exit 2), revoked (exit 3, "Get access"), past day 7 (a new session). */
import { describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { runCli } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';

const DAY_MS = 24 * 3600_000;

describe('upload: what a refusal from Azure Storage means', () => {
  const remote = useProxiedAzurite('refusal');
  const tempDir = useTempDirs();
  const payload = async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'beta' });
    return dir;
  };
  /** A container with one stored access policy, and a SAS URL bound to it (no sp/se in the URL: only the service knows). */
  const withPolicy = async (name: string, permissions: string) => {
    await remote.containerUrl({ name });
    const container = remote.storage.azurite.serviceClient.getContainerClient(name);
    await container.setAccessPolicy(undefined, [{ id: 'p1', accessPolicy: { permissions, expiresOn: new Date(Date.now() + DAY_MS) } }]);
    return { container, url: createContainerSasUrl(remote.storage.azurite, name, { identifier: 'p1', baseUrl: remote.proxy.url('devstoreaccount1') }) };
  };

  it('a read-only stored access policy: exit 2 "this SAS URL cannot write", not the resumable "Get access"', async () => {
    const dir = await payload();
    const { container, url } = await withPolicy('refusal-readonly', 'rl');
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/error \[SAS_PERMISSION\]: This SAS URL cannot write/);
    expect(result.stderr).toContain('AuthorizationPermissionMismatch');
    expect(result.stderr).not.toMatch(/Progress is kept|To resume/);
    expect(result.stderr).not.toContain(new URL(url).searchParams.get('sig'));
    const blobs: string[] = [];
    for await (const blob of container.listBlobsFlat()) blobs.push(blob.name);
    expect(blobs).toEqual([]);
  });

  it('a revoked policy (deleted): stays exit 3 with "Get access"', async () => {
    const dir = await payload();
    const { container, url } = await withPolicy('refusal-revoked', 'racwdl');
    await container.setAccessPolicy(undefined, []);
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/ACCESS_DENIED/);
    expect(result.stderr).toMatch(/Get access/);
  });

  it('past day 7 of the session (the SAS start time says so): exit 2, the upload window has closed, a new session is needed', async () => {
    const dir = await payload();
    const name = 'refusal-late';
    await remote.containerUrl({ name });
    const issued = new Date(Date.now() - 8 * DAY_MS);
    const base = { baseUrl: remote.proxy.url('devstoreaccount1'), startsOn: issued };
    const before = remote.proxy.bytesUp;
    // Still valid by its own expiry (as a URL issued with a long expiry would be), and expired at the window's end.
    for (const expiresOn of [new Date(Date.now() + DAY_MS), new Date(issued.getTime() + 7 * DAY_MS)]) {
      const url = createContainerSasUrl(remote.storage.azurite, name, { ...base, expiresOn });
      const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/UPLOAD_WINDOW_CLOSED.*upload window of this custom-restore session has closed/);
      expect(result.stderr).toMatch(/new custom-restore session is needed/);
      expect(result.stderr).not.toMatch(/fix: {2}Get new SAS URLs/);
    }
    expect(remote.proxy.bytesUp).toBe(before);

    // Six days in, an expired URL is still the ordinary case: "Get access" helps.
    const recent = createContainerSasUrl(remote.storage.azurite, name, { ...base, startsOn: new Date(Date.now() - 6 * DAY_MS), expiresOn: new Date(Date.now() - 60_000) });
    const expired = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', recent, '--no-progress']);
    expect(expired.stderr).toMatch(/SAS_EXPIRED/);
    expect(expired.stderr).toMatch(/Get access/);
  });
});

describe('upload through the Portal emulator past day 7', () => {
  const emu = usePortalEmulator({ readBacpacVersion: async () => null });
  const tempDir = useTempDirs();

  it('the Portal refuses access: the message says the upload window has closed and a new session is needed, not "Get access"', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const admin = emu.portal('tenant-administrator');
    await admin.createSession();
    await admin.advanceClock(7 * DAY_MS + 60_000);
    const result = await runCli(['upload', dir, '--storage-only', '--portal-url', emu.running.url, '--token-file', emu.running.tokenFiles.devops ?? '', '--no-progress']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/upload window of session \S+ has closed/);
    expect(result.stderr).toMatch(/A new session is needed to upload/);
    expect(result.stderr).not.toMatch(/Get access/);
  });
});
