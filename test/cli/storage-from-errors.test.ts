/**
 * Issue 21 point 4: every failure of a --storage-from source speaks of the source account, never of the
 * restore session's "Get access"; and a source the storage service cannot read is said to be that, not a
 * blob that "disappeared after it was listed". Real Azurite with a second (source) account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerSasUrl, startAzurite, type RunningAzurite } from '../../src/azure/azurite.js';
import { runCli } from '../support/cli.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { useTempDirs } from '../support/tree.js';
import { fillXperienceMedia, MEDIA_MAP, SOURCE_ACCOUNT, SOURCE_KEY, sourceAccount } from '../support/source-account.js';

describe('--storage-from failures name the source', () => {
  let azurite: RunningAzurite;
  let proxy: TcpProxy;
  const tempDir = useTempDirs();
  let containers = 0;

  beforeAll(async () => {
    azurite = await startAzurite({ accounts: [{ name: SOURCE_ACCOUNT, key: SOURCE_KEY }] });
    proxy = await startTcpProxy(azurite.port);
    await fillXperienceMedia(sourceAccount(`http://127.0.0.1:${azurite.port}`).service.getContainerClient('media'), 1);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await azurite?.stop();
  });

  const direct = () => `http://127.0.0.1:${azurite.port}`;
  const restore = async () => {
    const name = `restore-${++containers}`;
    await azurite.serviceClient.getContainerClient(name).create();
    return createContainerSasUrl(azurite, name, { baseUrl: `${direct()}/devstoreaccount1` });
  };
  const upload = async (sourceUrl: string) =>
    runCli(['upload', '--storage-from', sourceUrl, '--map', MEDIA_MAP, '--lowercase', '--storage-sas-url', await restore(), '--no-progress', '--state-dir', await tempDir()]);
  /** The error, its path and its fix speak of the source (the resume lines after them are about the restore's own URL). */
  const neverTheSession = (stderr: string) => {
    const error = stderr.slice(stderr.indexOf('error ['), stderr.indexOf('Progress is kept') === -1 ? undefined : stderr.indexOf('Progress is kept'));
    expect(error).toMatch(/^error \[/);
    expect(error).not.toContain('Get access');
    expect(error).not.toContain('custom-restore session');
  };

  it('a source SAS that may read but not list: the permission it lacks, and a new SAS of the source account as the fix', async () => {
    const result = await upload(sourceAccount(direct()).sasUrl('media', { permissions: 'r' }));
    expect(result.stderr).toContain('error [SAS_PERMISSION]: The source SAS URL does not allow list (it grants "r", copying needs "rl")');
    expect(result.stderr).toMatch(/fix: +Make a new SAS for the source container \(the old site's storage account/);
    neverTheSession(result.stderr);
    expect(result.exitCode).toBe(2);
  });

  it('a source container that does not exist: named as the source, not as the restore container', async () => {
    const result = await upload(sourceAccount(direct()).sasUrl('no-such-media'));
    expect(result.stderr).toContain(`The --storage-from source container ${SOURCE_ACCOUNT}/no-such-media was not found`);
    neverTheSession(result.stderr);
    expect(result.stderr).toMatch(/fix: +Check the account and container in the --storage-from URL/);
    expect(result.exitCode).toBe(2);
  });

  it('verify --hash reading a source that may list but no longer read: the source is named, not the session', async () => {
    const account = sourceAccount(direct());
    const guarded = account.service.getContainerClient('guarded');
    await fillXperienceMedia(guarded, 1);
    const inAWeek = new Date(Date.now() + 7 * 24 * 3600_000);
    await guarded.setAccessPolicy(undefined, [{ id: 'listonly', accessPolicy: { permissions: 'l', expiresOn: inAWeek } }, { id: 'migration', accessPolicy: { permissions: 'rl', expiresOn: inAWeek } }]);
    const target = await restore();
    const copy = ['--map', MEDIA_MAP, '--lowercase', '--storage-sas-url', target, '--state-dir', await tempDir()];
    expect((await runCli(['upload', '--storage-from', account.sasUrl('guarded', { identifier: 'migration' }), ...copy, '--no-progress'])).exitCode).toBe(0);
    // The video has no Content-MD5: --hash downloads it from the source, which now refuses to be read.
    const result = await runCli(['verify', '--storage-from', account.sasUrl('guarded', { identifier: 'listonly' }), ...copy, '--hash']);
    expect(result.stderr).toContain('error [SOURCE_ACCESS_DENIED]: The remote SOURCE refused access (not the restore container)');
    neverTheSession(result.stderr);
    expect(result.exitCode).toBe(3);
  });

  it('a source this machine reads but the storage service cannot: said so, never "disappeared after it was listed"', async () => {
    // Azurite reads a copy source only on its own host: a source named through another host (the proxy) is out of its reach.
    const result = await upload(sourceAccount(proxy.url()).sasUrl('media'));
    expect(result.stderr).not.toContain('disappeared after it was listed');
    expect(result.stderr).toContain('error [SOURCE_ACCESS_DENIED]: The storage service could not read the source blob for the copy (HTTP 404 CannotVerifyCopySource from the source account), though this computer reads it; it was not copied.');
    expect(result.stderr).toMatch(/fix: +The source account must let the restore's storage service read it/);
    neverTheSession(result.stderr);
    expect(result.exitCode).not.toBe(0);
  });
});
