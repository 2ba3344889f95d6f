/** Swapped or wrong containers are refused before anything is sent (WRONG_CONTAINER), and verify reports their shape. */
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';
import { usePortalEmulator } from '../portal/emulator-harness.js';

const bacpacFixture = path.join(repoRoot, 'test/fixtures/bacpac/started-sql2017.bacpac');

async function blobNames(sasUrl: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of new ContainerClient(sasUrl).listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

const signature = (url: string) => new URL(url).searchParams.get('sig') ?? 'no signature';
const redacted = (url: string) => url.replace(/sig=[^&]+/, 'sig=REDACTED');

describe('upload: wrong containers (Azurite)', () => {
  const remote = useProxiedAzurite('roles');
  const tempDir = useTempDirs();
  // Names that claim no role, so only the listing or the journal can tell.
  let count = 0;
  const pair = async () => {
    count++;
    return { db: await remote.containerUrl({ name: `restore-a${count}` }), storage: await remote.containerUrl({ name: `restore-b${count}` }) };
  };
  const migration = async () => {
    const dir = await tempDir();
    await copyFile(bacpacFixture, path.join(dir, 'db.bacpac'));
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/sub/b.txt': 'beta' });
    return dir;
  };
  const upload = (dir: string, db: string, storage: string, ...extra: string[]) => runCli(['upload', dir, '--db-sas-url', db, '--storage-sas-url', storage, '--no-progress', ...extra]);

  it('swapped URLs after an upload: refused with exit 2 naming both URLs redacted, nothing sent; verify reports both shapes', async () => {
    const dir = await migration();
    const urls = await pair();
    expect((await upload(dir, urls.db, urls.storage)).exitCode).toBe(0);
    const before = { db: await blobNames(urls.db), storage: await blobNames(urls.storage) };
    expect(before).toEqual({ db: ['db.bacpac'], storage: ['default/a.txt', 'default/sub/b.txt'] });

    // Another state folder: only the listings can tell.
    const swapped = await upload(dir, urls.storage, urls.db, '--state-dir', await tempDir());
    expect(swapped.exitCode).toBe(2);
    expect(swapped.stderr).toMatch(/error \[WRONG_CONTAINER\]: Refusing to upload: the database SAS URL points at a container that is not a database container: it holds default\/a\.txt, default\/sub\/b\.txt/);
    expect(swapped.stderr).toMatch(/the storage SAS URL points at a container that is not a storage container: it holds db\.bacpac/);
    expect(swapped.stderr).toContain(`database SAS URL: ${redacted(urls.storage)}`);
    expect(swapped.stderr).toContain(`storage SAS URL: ${redacted(urls.db)}`);
    expect(swapped.stderr).toMatch(/swap them back/);
    for (const url of [urls.db, urls.storage]) expect(swapped.stderr).not.toContain(signature(url));
    expect({ db: await blobNames(urls.db), storage: await blobNames(urls.storage) }).toEqual(before);

    const verify = await runCli(['verify', dir, '--db-sas-url', urls.storage, '--storage-sas-url', urls.db, '--json']);
    expect(verify.exitCode).toBe(1);
    const json = JSON.parse(verify.stdout) as { ok: boolean; wrongContainer: Array<{ container: string; role: string; message: string }> };
    expect(json.ok).toBe(false);
    expect(json.wrongContainer.map((wrong) => [wrong.role, wrong.container])).toEqual([
      ['database', `devstoreaccount1/restore-b${count}`],
      ['storage', `devstoreaccount1/restore-a${count}`],
    ]);
    const text = await runCli(['verify', dir, '--db-sas-url', urls.storage, '--storage-sas-url', urls.db]);
    expect(text.stdout).toMatch(/wrong container {2}The database container devstoreaccount1\/restore-b\d+ has the wrong shape: it holds default\/a\.txt/);
    // The right way round, verify is satisfied.
    expect((await runCli(['verify', dir, '--db-sas-url', urls.db, '--storage-sas-url', urls.storage])).exitCode).toBe(0);
  });

  it('a storage container holding a blob outside <container>/ or a .bacpac, and a database container holding more than db.bacpac, are refused', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const urls = await pair();
    await new ContainerClient(urls.storage).getBlockBlobClient('readme.txt').upload('x', 1);
    const storageOnly = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', urls.storage, '--no-progress']);
    expect(storageOnly.exitCode).toBe(2);
    expect(storageOnly.stderr).toMatch(/WRONG_CONTAINER.*it holds readme\.txt, and a storage container holds only <container>\/… folders/);
    expect(storageOnly.stderr).toContain(`(storage SAS URL: ${redacted(urls.storage)})`);

    const bacpacOnly = await migration();
    await new ContainerClient(urls.db).getBlockBlobClient('old.bacpac').upload('x', 1);
    const dbOnly = await runCli(['upload', '--bacpac', path.join(bacpacOnly, 'db.bacpac'), '--db-sas-url', urls.db, '--no-progress']);
    expect(dbOnly.exitCode).toBe(2);
    expect(dbOnly.stderr).toMatch(/WRONG_CONTAINER.*it holds old\.bacpac, and a database container holds only db\.bacpac/);
    expect(await blobNames(urls.db)).toEqual(['old.bacpac']);
  });

  it('the journal remembers each container under its role: an emptied database container given as the storage one is refused', async () => {
    const dir = await migration();
    const stateDir = await tempDir();
    const urls = await pair();
    expect((await upload(dir, urls.db, urls.storage, '--state-dir', stateDir)).exitCode).toBe(0);
    // Both containers emptied (e.g. by hand in Storage Explorer): the listings say nothing any more.
    for (const url of [urls.db, urls.storage]) for (const name of await blobNames(url)) await new ContainerClient(url).deleteBlob(name);
    const swapped = await upload(dir, urls.storage, urls.db, '--state-dir', stateDir);
    expect(swapped.exitCode).toBe(2);
    expect(swapped.stderr).toContain('an earlier run uploaded storage files to it (the journal remembers it as the storage container)');
    expect(swapped.stderr).toContain('an earlier run uploaded the database to it (the journal remembers it as the database container)');
    expect(await blobNames(urls.db)).toEqual([]);
    expect(await blobNames(urls.storage)).toEqual([]);
    // The right way round it resumes as usual.
    expect((await upload(dir, urls.db, urls.storage, '--state-dir', stateDir)).exitCode).toBe(0);
  });

  it('a first run that used the containers the wrong way round: following the refusal\'s hint literally clears it', async () => {
    const dir = await migration();
    const stateDir = await tempDir();
    const urls = await pair();
    // The first run had the URLs swapped: the database went into the container meant for storage, and the other way round.
    expect((await upload(dir, urls.storage, urls.db, '--state-dir', stateDir)).exitCode).toBe(0);
    const refused = await upload(dir, urls.db, urls.storage, '--state-dir', stateDir);
    expect(refused.exitCode).toBe(2);
    const hint = /fix: +(.*)/.exec(refused.stderr)?.[1] ?? '';
    expect(hint).toContain('If an earlier run put files in the wrong container, delete them there');
    // The hint, step by step: delete the files in the wrong containers, delete the journals it names, run again.
    for (const url of [urls.db, urls.storage]) for (const name of await blobNames(url)) await new ContainerClient(url).deleteBlob(name);
    const named = /delete the journals that remember the old roles \((.*); they only save re-reading files\)/.exec(hint)?.[1]?.split(' and ') ?? [];
    expect(named.map((file) => path.dirname(file))).toEqual([stateDir, stateDir]);
    for (const file of named) await rm(file);
    const again = await upload(dir, urls.db, urls.storage, '--state-dir', stateDir);
    expect(again.stderr).not.toContain('WRONG_CONTAINER');
    expect(again.exitCode).toBe(0);
    expect(await blobNames(urls.db)).toEqual(['db.bacpac']);
    expect(await blobNames(urls.storage)).toEqual(['default/a.txt', 'default/sub/b.txt']);
  });
});

describe('upload: swapped URLs of a Portal emulator session (empty containers: the names tell)', () => {
  const emu = usePortalEmulator({ readBacpacVersion: async () => null });
  const tempDir = useTempDirs();

  it('refuses the swapped pair before anything is sent, and accepts it the right way round', async () => {
    const dir = await tempDir();
    await copyFile(bacpacFixture, path.join(dir, 'db.bacpac'));
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const devops = emu.portal('devops');
    await devops.createSession();
    const access = await devops.getAccess();
    const swapped = await runCli(['upload', dir, '--db-sas-url', access.storageSasUrl, '--storage-sas-url', access.databaseSasUrl, '--no-progress']);
    expect(swapped.exitCode).toBe(2);
    expect(swapped.stderr).toMatch(/WRONG_CONTAINER.*its name "s\w+-storage" says it is the storage container.*its name "s\w+-database" says it is the database container/);
    expect(await blobNames(access.databaseSasUrl)).toEqual([]);
    expect(await blobNames(access.storageSasUrl)).toEqual([]);
    const right = await runCli(['upload', dir, '--db-sas-url', access.databaseSasUrl, '--storage-sas-url', access.storageSasUrl, '--no-progress']);
    expect(right.exitCode).toBe(0);
    expect(await blobNames(access.databaseSasUrl)).toEqual(['db.bacpac']);
  });
});
