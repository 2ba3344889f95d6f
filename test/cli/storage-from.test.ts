/** Needs dist/ built (`npm test` builds first). Media already in Azure: plan, server-side copy, resume, verify. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, createContainerSasUrl, type RunningAzurite } from '../../src/azure/azurite.js';
import { runCli, spawnCli } from '../support/cli.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { useTempDirs } from '../support/tree.js';
import { BIG_BLOB_BYTES, blobsOf, COPIED, fillXperienceMedia, MEDIA_MAP, MiB, SOURCE_ACCOUNT, SOURCE_KEY, sourceAccount, UNMAPPED } from '../support/source-account.js';

describe('--storage-from: media already in Azure, copied server side', () => {
  let azurite: RunningAzurite;
  let proxy: TcpProxy;
  let md5s: Record<string, string>;
  const tempDir = useTempDirs();
  let containers = 0;

  beforeAll(async () => {
    azurite = await startAzurite({ accounts: [{ name: SOURCE_ACCOUNT, key: SOURCE_KEY }], memoryLimitMiB: 2048 });
    proxy = await startTcpProxy(azurite.port);
    const account = sourceAccount(`http://127.0.0.1:${azurite.port}`);
    md5s = await fillXperienceMedia(account.service.getContainerClient('media'));
    await fillXperienceMedia(account.service.getContainerClient('library'), 1);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await azurite?.stop();
  });

  /** Both URLs through the proxy: Azurite copies across accounts only when the source host equals the copy request's Host. */
  const via = (base: 'proxy' | 'direct') => (base === 'proxy' ? proxy.url() : `http://127.0.0.1:${azurite.port}/`);
  const source = (base: 'proxy' | 'direct' = 'direct', container = 'media') => sourceAccount(via(base)).sasUrl(container);
  const restore = async (base: 'proxy' | 'direct' = 'direct') => {
    const name = `restore-${++containers}`;
    await azurite.serviceClient.getContainerClient(name).create();
    return { name, url: createContainerSasUrl(azurite, name, { baseUrl: `${via(base)}devstoreaccount1` }), client: azurite.serviceClient.getContainerClient(name) };
  };
  const copyArgs = (sourceUrl: string, restoreUrl: string) => ['--storage-from', sourceUrl, '--map', MEDIA_MAP, '--lowercase', '--storage-sas-url', restoreUrl];

  it('plan maps and lowercases the listing, reports unmapped blobs with examples, and finds collisions and bad names', async () => {
    const ok = await runCli(['plan', '--storage-from', source(), '--map', MEDIA_MAP, '--lowercase', '--json']);
    // A SAS on the command line is warned about (the process list shows it); nothing else goes to stderr.
    expect(ok.stderr).toMatch(/^warning: --storage-from with a SAS puts the source signature in the process list[^\n]*\n$/);
    expect(ok.exitCode).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.remote).toEqual([{ url: expect.stringContaining('sig=REDACTED'), label: `${SOURCE_ACCOUNT}/media`, files: 4, bytes: BIG_BLOB_BYTES + 195_000, unmapped: 2 }]);
    expect(report.totals.containers).toEqual({ default: { files: 4, bytes: BIG_BLOB_BYTES + 195_000 } });
    expect(report.warnings).toEqual([{ code: 'UNMAPPED', path: `${SOURCE_ACCOUNT}/media`, message: expect.stringContaining(`"${UNMAPPED[0]}", "${UNMAPPED[1]}"`) }]);
    expect(ok.stdout).not.toContain(new URL(source()).searchParams.get('sig'));

    const upper = await runCli(['plan', '--storage-from', source(), '--map', MEDIA_MAP, '--json']);
    expect(upper.exitCode).toBe(2);
    expect(JSON.parse(upper.stdout).errors.map((finding: { code: string; path: string }) => `${finding.code} ${finding.path}`)).toEqual(
      Object.keys(COPIED).map((name) => `NOT_LOWERCASE ${SOURCE_ACCOUNT}/media/${name}`),
    );

    // Another site's library mapped onto the same folder: its logo.png meets MySite's Logo.PNG once lowercased.
    const clash = await runCli(['plan', '--storage-from', source(), '--map', MEDIA_MAP, '--map', 'OtherSite/media/=default/assets/media/', '--map', 'readme.txt=Read_Me/readme.txt', '--lowercase', '--json']);
    expect(clash.exitCode).toBe(2);
    const errors = JSON.parse(clash.stdout).errors as Array<{ code: string; path: string }>;
    expect(errors.map((finding) => `${finding.code} ${finding.path}`)).toEqual([
      `CASE_COLLISION ${SOURCE_ACCOUNT}/media/OtherSite/media/Images/logo.png`,
      `CONTAINER_NAME ${SOURCE_ACCOUNT}/media/readme.txt`,
    ]);

    // The layout rules run on the mapped names: the template layout reads default/assets/…, not default/media/….
    expect((await runCli(['plan', '--storage-from', source(), '--map', MEDIA_MAP, '--lowercase', '--check-layout'])).exitCode).toBe(0);
    const outside = await runCli(['plan', '--storage-from', source(), '--map', 'MySite/media/=default/media/', '--lowercase', '--check-layout', '--json']);
    expect(outside.exitCode).toBe(2);
    expect(JSON.parse(outside.stdout).errors).toContainEqual(expect.objectContaining({ code: 'UNMAPPED_PATH', message: expect.stringContaining('Did you mean default/assets/media/') }));

    // A storage limit counts the remote bytes; plan never writes: the source is as it was.
    const limited = await runCli(['plan', '--storage-from', source(), '--map', MEDIA_MAP, '--lowercase', '--storage-limit', '100MB', '--json']);
    expect(JSON.parse(limited.stdout).errors.map((finding: { code: string }) => finding.code)).toEqual(['STORAGE_LIMIT']);
    expect(Object.keys(await blobsOf(sourceAccount(via('direct')).service.getContainerClient('media')))).toHaveLength(6);
  });

  it('upload copies through the service: names mapped and lowercased, the 300 MiB blob in Put Block From URL ranges, no blob bytes through the client\'s proxy; verify proves it', async () => {
    const target = await restore('proxy');
    // Azurite checks a copy source by reading it (its own requests, user agent axios, through the same proxy, fact 9).
    const azuriteOwn = /user-agent: axios/i;
    const downBefore = proxy.bytesDownExcept(azuriteOwn);
    const upBefore = proxy.bytesUp;
    const upload = await spawnCli(['upload', ...copyArgs(source('proxy'), target.url), '--json', '--state-dir', await tempDir()]).done;
    expect(upload.exitCode).toBe(0);
    const result = JSON.parse(upload.stdout);
    expect(result).toMatchObject({ ok: true, files: { total: 4, uploaded: 4, copied: 4, skipped: 0, failed: 0 }, bytes: { sent: 0, copied: BIG_BLOB_BYTES + 195_000 } });
    // Everything the client and the service said to each other through the proxy: listings and copy requests, no blob bodies.
    expect(proxy.bytesDownExcept(azuriteOwn) - downBefore).toBeLessThan(MiB);
    expect(proxy.bytesUp - upBefore).toBeLessThan(MiB);
    expect(upload.stderr).toContain('copied by Azure Storage itself: the data does not pass through this machine');
    // Azurite 3.37 implements Put Block From URL: no fallback to Copy Blob (that path: test/transfer/copy.test.ts).
    expect(upload.stderr).not.toContain('does not implement Put Block From URL');
    expect(upload.stderr).not.toContain(new URL(target.url).searchParams.get('sig'));

    const copied = await blobsOf(target.client);
    expect(Object.keys(copied).sort()).toEqual(Object.values(COPIED).sort());
    const sourceBlobs = sourceAccount(via('direct')).service.getContainerClient('media');
    for (const [name, restored] of Object.entries(COPIED)) {
      const sourceProperties = await sourceBlobs.getBlobClient(name).getProperties();
      expect(copied[restored]?.metadata.kxpsourceetag).toBe(sourceProperties.etag?.replace(/"/g, ''));
      expect(copied[restored]?.size).toBe(sourceProperties.contentLength);
      expect(copied[restored]?.md5).toBe(md5s[name] ?? null);
    }
    expect(copied['default/assets/media/videos/intro.mp4']?.size).toBe(BIG_BLOB_BYTES);

    // A re-run finds everything in place (by MD5, or by the recorded ETag for the video without one).
    const again = await runCli(['upload', ...copyArgs(source(), target.url.replace(proxy.url(), via('direct'))), '--json', '--no-progress', '--state-dir', await tempDir()]);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, files: { skipped: 4, copied: 0 } });

    const verify = await runCli(['verify', ...copyArgs(source(), target.url.replace(proxy.url(), via('direct'))), '--json']);
    expect(verify.stderr).toContain('compared by size, Content-MD5 when both sides have one, else the source ETag');
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
  }, 300_000);

  it('verify reports missing, extra and mismatched blobs, a source changed since the copy, and --hash compares the bytes', async () => {
    const target = await restore();
    const sourceUrl = source('direct', 'library');
    expect((await runCli(['upload', ...copyArgs(sourceUrl, target.url), '--no-progress', '--state-dir', await tempDir()])).exitCode).toBe(0);
    await target.client.getBlobClient('default/assets/media/images/banner.jpg').delete();
    await target.client.getBlockBlobClient('default/assets/media/images/logo.png').upload('not the logo', 12);
    await target.client.getBlockBlobClient('default/stray.txt').upload('stray', 5);
    const verify = await runCli(['verify', ...copyArgs(sourceUrl, target.url), '--json']);
    expect(verify.exitCode).toBe(1);
    expect(JSON.parse(verify.stdout)).toMatchObject({
      ok: false,
      missing: ['default/assets/media/images/banner.jpg'],
      extra: ['default/stray.txt'],
      mismatched: ['default/assets/media/images/logo.png'],
    });

    // The video has no MD5: the recorded ETag proves which version was copied, until the source changes.
    const fresh = await restore();
    expect((await runCli(['upload', ...copyArgs(sourceUrl, fresh.url), '--no-progress', '--state-dir', await tempDir()])).exitCode).toBe(0);
    const video = sourceAccount(via('direct')).service.getContainerClient('library').getBlobClient('MySite/media/Videos/Intro.mp4');
    await video.setMetadata({ touched: 'yes' });
    const changed = await runCli(['verify', ...copyArgs(sourceUrl, fresh.url)]);
    expect(changed.exitCode).toBe(1);
    expect(changed.stdout).toContain('default/assets/media/videos/intro.mp4  (the source changed since it was copied');
    const hashed = await runCli(['verify', ...copyArgs(sourceUrl, fresh.url), '--hash']);
    expect(hashed.stderr).toContain('their bytes pass through this machine');
    expect(hashed.exitCode).toBe(0);
  }, 180_000);

  it('a source that refuses stops the run with exit 3 and says it was the source: revoked before listing, or readable for listing only', async () => {
    const account = sourceAccount(via('direct'));
    const guarded = account.service.getContainerClient('guarded');
    await fillXperienceMedia(guarded, 1);
    const inAWeek = new Date(Date.now() + 7 * 24 * 3600_000);
    await guarded.setAccessPolicy(undefined, [{ id: 'listonly', accessPolicy: { permissions: 'l', expiresOn: inAWeek } }, { id: 'migration', accessPolicy: { permissions: 'rl', expiresOn: inAWeek } }]);
    const target = await restore();

    // Listing works, reading does not: the service cannot read the source for the copy (CannotVerifyCopySource).
    const listOnly = await runCli(['upload', ...copyArgs(account.sasUrl('guarded', { identifier: 'listonly' }), target.url), '--no-progress', '--state-dir', await tempDir()]);
    expect(listOnly.exitCode).toBe(3);
    expect(listOnly.stderr).toContain('error [SOURCE_ACCESS_DENIED]: The remote SOURCE refused access (not the restore container)');
    expect(listOnly.stderr).toContain('--storage-from');
    expect(listOnly.stderr).not.toContain(new URL(target.url).searchParams.get('sig'));

    // "Revoke": the stored access policy the source SAS names is removed.
    const revokedUrl = account.sasUrl('guarded', { identifier: 'migration' });
    await guarded.setAccessPolicy(undefined, [{ id: 'listonly', accessPolicy: { permissions: 'l', expiresOn: inAWeek } }]);
    const revoked = await runCli(['upload', ...copyArgs(revokedUrl, target.url), '--no-progress', '--state-dir', await tempDir()]);
    expect(revoked.exitCode).toBe(3);
    expect(revoked.stderr).toContain('error [SOURCE_ACCESS_DENIED]');
    expect(revoked.stderr).toContain(`path: ${account.endpoint}/guarded?`);
    expect(revoked.stderr).not.toContain(new URL(revokedUrl).searchParams.get('sig'));
  });

  it('resume after SIGKILL copies only what is missing', async () => {
    const sourceUrl = source('proxy', 'library');
    const args = (url: string) => ['upload', ...copyArgs(sourceUrl, url), '--concurrency', '1', '--no-progress', '--json'];
    // A clean run measures what one run says through the proxy (listings, copy requests and Azurite's checks).
    const clean = await restore('proxy');
    let start = proxy.bytesUp;
    expect((await spawnCli([...args(clean.url), '--state-dir', await tempDir()]).done).exitCode).toBe(0);
    const cleanBytes = proxy.bytesUp - start;

    const target = await restore('proxy');
    const stateDir = await tempDir();
    start = proxy.bytesUp;
    const stalled = proxy.stallAt(start + Math.floor(cleanBytes / 2));
    const killed = spawnCli([...args(target.url), '--state-dir', stateDir]);
    try {
      await stalled;
      killed.child.kill('SIGKILL');
      expect((await killed.done).signal).toBe('SIGKILL');
      const present = Object.keys(await blobsOf(target.client)).length;
      expect(present).toBeGreaterThan(0);
      expect(present).toBeLessThan(4);

      const direct = (url: string) => url.replace(proxy.url(), via('direct'));
      const rerun = await runCli(['upload', ...copyArgs(direct(sourceUrl), direct(target.url)), '--no-progress', '--json', '--state-dir', stateDir]);
      expect(rerun.exitCode).toBe(0);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ ok: true, files: { total: 4, copied: 4 - present, skipped: present, failed: 0 } });
      const verify = await runCli(['verify', ...copyArgs(direct(sourceUrl), direct(target.url)), '--json']);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [] });
    } finally {
      proxy.release();
    }
  }, 120_000);
});
