import { randomBytes } from 'node:crypto';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import type { ContainerSasOptions } from '../../src/azure/azurite.js';
import { runCli } from '../support/cli.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

async function blobNames(sasUrl: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of new ContainerClient(sasUrl).listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

describe('kxp-restore upload / verify (CLI, in process)', () => {
  // Containers are reached through the proxy, so tests can count what is sent.
  const remote = useProxiedAzurite('cli');
  const tempDir = useTempDirs();
  const container = (options: ContainerSasOptions = {}) => remote.containerUrl(options);
  const payload = async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/sub/b.bin': randomBytes(3000) });
    return dir;
  };

  it('runs the help example "Storage files only" on the README\'s folder layout (db.bacpac beside storage/)', async () => {
    const cwd = await tempDir();
    await writeTree(cwd, { 'migration/db.bacpac': 'not sent', 'migration/storage/default/assets/logo.png': 'png', 'migration/storage/default/Docs/a.txt': 'a' });
    const url = await container();
    await writeFile(path.join(cwd, 'files.url'), `${url}\n`);
    const help = (await runCli(['upload', '--help'])).stdout;
    expect(help).toContain('kxp-restore upload --storage ./migration/storage');
    // The example, word for word.
    const result = await runCli(['upload', '--storage', './migration/storage', '--storage-sas-url-file', 'files.url', '--lowercase', '--concurrency', '16', '--json'], { cwd });
    expect(result.stderr).not.toContain('error');
    expect(result.exitCode).toBe(0);
    expect(await blobNames(url)).toEqual(['default/assets/logo.png', 'default/docs/a.txt']);
  });

  it('checks every option before asking the Portal for anything: --concurrency abc is "not a number"', async () => {
    const dir = await payload();
    // Nothing listens on port 9 of loopback: reaching the Portal would fail with PORTAL_UNAVAILABLE instead.
    const result = await runCli(['upload', dir, '--storage-only', '--portal-url', 'http://127.0.0.1:9', '--token', 't', '--concurrency', 'abc']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE]: --concurrency takes a whole number from 1 to 256; what was given is not a number.');
    expect(result.stderr).not.toContain('PORTAL_UNAVAILABLE');
  });

  it('uploads storage files with the URL from the environment, prints the --json shape, and verify passes', async () => {
    const dir = await payload();
    const url = await container();
    const upload = await runCli(['upload', dir, '--storage-only', '--json', '--no-progress'], { env: { KXP_STORAGE_SAS_URL: url } });
    // The one line on stderr names the container before anything is sent.
    expect(upload.stderr).toMatch(/^Uploading to:\n {2}storage {3}[\w-]+\/[\w-]+ \(this computer, 127\.0\.0\.1:\d+\)\n$/);
    expect(upload.exitCode).toBe(0);
    const json = JSON.parse(upload.stdout);
    expect(json).toEqual({
      ok: true,
      files: { total: 2, uploaded: 2, skipped: 0, failed: 0, copied: 0 },
      bytes: { total: 3005, sent: 3005, copied: 0 },
      durationMs: expect.any(Number),
      errors: [],
      notUploaded: [],
      warnings: [],
      // Adaptive by default: two files are too few to move it from where it starts.
      concurrency: { final: 8, min: 8, max: 8 },
    });
    expect(await blobNames(url)).toEqual(['default/a.txt', 'default/sub/b.bin']);

    const urlFile = path.join(dir, 'files.url');
    await writeFile(urlFile, `${url}\n`);
    const verify = await runCli(['verify', dir, '--storage-only', '--storage-sas-url-file', urlFile, '--json']);
    expect(verify.exitCode).toBe(0);
    expect(JSON.parse(verify.stdout)).toEqual({ ok: true, missing: [], extra: [], mismatched: [], proof: { local: 'read', remote: 'content-md5', filesFromJournal: 0 },
      // The plan's warnings reach verify's JSON too: files.url, written into the folder above, is not part of the payload.
      warnings: [expect.objectContaining({ code: 'IGNORED', path: urlFile })],
    });
    // files.url sits in the migration folder: a file the command reads is left out, one it does not read would be UNEXPECTED_ENTRY.
    const text = await runCli(['verify', dir, '--storage-only', '--storage-sas-url-file', urlFile]);
    expect(text.stdout).toMatch(/^Identical: 2 files match/);
    expect(text.stdout).toContain("Checked: every local file read and hashed; compared with each blob's Content-MD5, not its bytes (--deep reads them).");
    // Each mode says what it rested on, in text and in --json.
    const trusting = await runCli(['verify', dir, '--storage-only', '--storage-sas-url-file', urlFile, '--trust-journal', '--json']);
    expect(JSON.parse(trusting.stdout)).toMatchObject({ ok: true, proof: { local: 'journal', remote: 'content-md5' } });
    expect((await runCli(['verify', dir, '--storage-only', '--storage-sas-url-file', urlFile, '--trust-journal'])).stdout).toMatch(/Checked: --trust-journal: \d+ local MD5s? taken from the journal without reading/);
    const deep = await runCli(['verify', dir, '--storage-only', '--storage-sas-url-file', urlFile, '--deep']);
    expect(deep.stdout).toContain('Checked: every local file read and hashed; every blob downloaded and hashed (--deep).');
  });

  it('refuses a storage folder almost named storage (STORAGE_NAME) and a near-miss db.bacpac (BACPAC_NAME) with exit 2, also with --lowercase, sending nothing', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'Storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'beta', 'db.bacpac ': 'not really' });
    const url = await container();
    const before = remote.proxy.bytesUp;
    for (const extra of [[], ['--lowercase']]) {
      const result = await runCli(['upload', dir, '--storage-sas-url', url, '--db-sas-url', url, '--no-progress', ...extra], { cwd: dir });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/error +STORAGE_NAME +Storage\n.*Rename it to storage, or pass it with --storage Storage/);
      expect(result.stderr).toMatch(/error +BACPAC_NAME +db\.bacpac \n.*found "db\.bacpac "\..*--bacpac 'db\.bacpac '/);
    }
    expect(remote.proxy.bytesUp).toBe(before);
  });

  it('states in the summary what was left out of the payload, and that nothing was when nothing was', async () => {
    const dir = await payload();
    const url = await container();
    const clean = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
    expect(clean.stdout).toContain('Not uploaded: nothing was left out of the payload.');
    await writeTree(dir, { 'notes.txt': 'n', 'backup/db.bacpac.bak': 'b' });
    // Entries besides db.bacpac and storage/ are refused (UNEXPECTED_ENTRY) unless --ignore leaves them out on purpose.
    const refused = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress'], { cwd: dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/UNEXPECTED_ENTRY +backup\n[\s\S]*UNEXPECTED_ENTRY +notes\.txt\n/);
    const ignore = ['--ignore', 'notes.txt', '--ignore', 'backup'];
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress', '--json', ...ignore], { cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).notUploaded).toEqual([
      { code: 'IGNORED', path: 'backup' },
      { code: 'IGNORED', path: 'notes.txt' },
    ]);
    const text = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress', ...ignore], { cwd: dir });
    expect(text.stdout).toMatch(/Not uploaded: 2 entries of the migration folder besides db\.bacpac and storage\/ \(see the IGNORED warnings\):\n {2}ignored {2}backup\n {2}ignored {2}notes\.txt\n/);
  });

  it('refuses an expired SAS with exit 2 before sending anything', async () => {
    const dir = await payload();
    const url = await container({ expiresOn: new Date(Date.now() - 60_000) });
    const before = remote.proxy.bytesUp;
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/SAS_EXPIRED.*expired at/);
    expect(result.stderr).toMatch(/Get access/);
    expect(remote.proxy.bytesUp).toBe(before);
  });

  it('refuses a state folder it cannot make with exit 2, naming it, before any request', async () => {
    const dir = await payload();
    const url = await container();
    const notAFolder = path.join(await tempDir(), 'files.url');
    await writeFile(notAFolder, 'a file where the state folder would go');
    const before = remote.proxy.bytesUp;
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', path.join(notAFolder, 'state'), '--no-progress']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Cannot keep the resume journal in the state folder ${path.join(notAFolder, 'state')} (ENOTDIR)`);
    expect(result.stderr).toMatch(/--state-dir/);
    expect(remote.proxy.bytesUp).toBe(before);
  });

  it('refuses a SAS without write permission, plain http to a remote host, bad options and a missing URL, all with exit 2', async () => {
    const dir = await payload();
    const readOnly = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', await container({ permissions: 'rl' })]);
    expect(readOnly.exitCode).toBe(2);
    expect(readOnly.stderr).toMatch(/SAS_PERMISSION.*does not allow write/);

    const remote = (await container()).replace(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/, 'http://example.blob.core.windows.net');
    const insecure = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', remote]);
    expect(insecure.exitCode).toBe(2);
    expect(insecure.stderr).toMatch(/SAS_INSECURE.*must use https/);
    expect(insecure.stderr).toContain('sig=REDACTED');

    const url = await container();
    const badConcurrency = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--concurrency', '0']);
    expect(badConcurrency.exitCode).toBe(2);
    expect(badConcurrency.stderr).toMatch(/USAGE.*--concurrency takes a whole number from 1 to 256/);
    const badMax = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--max-concurrency', '300']);
    expect(badMax.exitCode).toBe(2);
    expect(badMax.stderr).toMatch(/USAGE.*--max-concurrency takes a whole number from 1 to 256/);
    const fixedAndCapped = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--concurrency', '4', '--max-concurrency', '8']);
    expect(fixedAndCapped.exitCode).toBe(2);
    expect(fixedAndCapped.stderr).toMatch(/USAGE.*--concurrency fixes .* --max-concurrency caps .*: give one of them/);
    const badBlock = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--block-size', '5000']);
    expect(badBlock.exitCode).toBe(2);
    expect(badBlock.stderr).toMatch(/--block-size takes a number from 0.0625 to 4000 MiB/);
    const bothSources = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--storage-sas-url-file', 'x.url']);
    expect(bothSources.exitCode).toBe(2);
    expect(bothSources.stderr).toMatch(/Pass --storage-sas-url or --storage-sas-url-file, not both/);

    const missing = await runCli(['upload', dir, '--storage-only']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/storage SAS URL is needed[\s\S]*--storage-sas-url/);
  });

  it('accepts a stored-access-policy SAS (checked by the first read-only request) and stops with exit 3 when the policy is gone', async () => {
    const dir = await payload();
    const url = await container({ identifier: 'restore-policy' });
    const name = new URL(url).pathname.split('/').at(-1) ?? '';
    const client = remote.storage.azurite.serviceClient.getContainerClient(name);
    const before = remote.proxy.bytesUp;
    const refused = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(/ACCESS_DENIED[\s\S]*Get access/);
    // Only the read-only listing went out: no write was attempted.
    expect(remote.proxy.bytesUp - before).toBeLessThan(2000);
    await client.setAccessPolicy(undefined, [
      { id: 'restore-policy', accessPolicy: { permissions: 'racwdl', startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 3_600_000) } },
    ]);
    const accepted = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--no-progress']);
    expect(accepted.exitCode).toBe(0);
    expect(await blobNames(url)).toEqual(['default/a.txt', 'default/sub/b.bin']);
  });

  it('sends nothing when the plan finds an error (exit 2, findings listed)', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/Upper.txt': 'x' });
    const url = await container();
    const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/NOT_LOWERCASE/);
    expect(result.stderr).toMatch(/VALIDATION_FAILED.*nothing was sent/);
    expect(await blobNames(url)).toEqual([]);
    const lowered = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--lowercase', '--no-progress']);
    expect(lowered.exitCode).toBe(0);
    expect(await blobNames(url)).toEqual(['default/upper.txt']);
  });

  it('says in the summary which links and system files were not uploaded (text and JSON)', async () => {
    const dir = await payload();
    await writeTree(dir, { 'storage/default/.DS_Store': 'finder', 'storage/default/sub/Thumbs.db': 'thumbs' });
    await symlink('a.txt', path.join(dir, 'storage/default/alias.txt'));
    const url = await container();
    const text = await runCli(['upload', '.', '--storage-only', '--no-progress'], { cwd: dir, env: { KXP_STORAGE_SAS_URL: url } });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('Not uploaded: 1 symbolic link (links are not followed; copy the file in place to send it); 2 operating-system files');
    expect(text.stdout).toMatch(/ {2}link {5}storage\/default\/alias\.txt\n/);
    expect(text.stdout).toMatch(/ {2}system {3}storage\/default\/sub\/Thumbs\.db\n/);
    expect(await blobNames(url)).toEqual(['default/a.txt', 'default/sub/b.bin']);
    const json = JSON.parse((await runCli(['upload', '.', '--storage-only', '--json', '--no-progress'], { cwd: dir, env: { KXP_STORAGE_SAS_URL: url } })).stdout);
    expect(json.notUploaded).toEqual([
      { code: 'SYSTEM_FILE', path: 'storage/default/.DS_Store' },
      { code: 'SYMLINK', path: 'storage/default/alias.txt' },
      { code: 'SYSTEM_FILE', path: 'storage/default/sub/Thumbs.db' },
    ]);
  });
});
