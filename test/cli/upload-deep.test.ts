/**
 * What verify --deep finds, upload --deep repairs: a blob whose bytes are wrong though its Content-MD5 matches the file;
 * and what verify finds without --deep, a plain upload repairs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('upload --deep', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('re-sends a blob whose bytes differ though its Content-MD5 matches, which plain upload takes as in place', async () => {
    const dir = await tempDir();
    const good = randomBytes(4096);
    await writeTree(dir, { 'storage/default/assets/a.png': good, 'storage/default/assets/b.png': randomBytes(100) });
    const env = { KXP_STORAGE_SAS_URL: await storage.containerSasUrl('deep-repair') };
    const args = ['--storage', `${dir}/storage`, '--state-dir', `${await tempDir()}/state`];
    expect((await runCli(['upload', ...args, '--no-progress'], { env })).exitCode).toBe(0);

    // Someone rewrote the blob with other bytes of the same length and set the file's Content-MD5 on the commit
    // (the service checks a Content-MD5 against the body of a Put Blob, never on a Put Block List).
    const bad = Buffer.from(good).fill(0, 0, 16);
    const blob = storage.azurite.serviceClient.getContainerClient('deep-repair').getBlockBlobClient('default/assets/a.png');
    const id = Buffer.from('foreign-block-0').toString('base64');
    await blob.stageBlock(id, bad, bad.length);
    await blob.commitBlockList([id], { blobHTTPHeaders: { blobContentMD5: createHash('md5').update(good).digest() } });

    const found = await runCli(['verify', ...args, '--deep'], { env });
    expect(found.exitCode, found.stderr + found.stdout).toBe(1);
    expect(found.stdout).toMatch(/mismatched +default\/assets\/a\.png {2}\(content differs: local MD5 .+, the blob's bytes hash to .+\)/);
    expect(found.stdout).toMatch(/the same upload command with --deep/);

    const plain = await runCli(['upload', ...args, '--no-progress', '--json'], { env });
    expect(JSON.parse(plain.stdout)).toMatchObject({ ok: true, files: { uploaded: 0, skipped: 2 } });

    const repaired = await runCli(['upload', ...args, '--no-progress', '--deep', '--json'], { env });
    expect(repaired.exitCode).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ ok: true, files: { uploaded: 1, skipped: 1 }, bytes: { sent: good.length } });
    expect(Buffer.compare(await blob.downloadToBuffer(), good)).toBe(0);
    expect((await runCli(['verify', ...args, '--deep'], { env })).exitCode).toBe(0);
  });

  it('verify without --deep sends a size or Content-MD5 mismatch to a plain upload, which re-sends exactly those', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'bravo', 'storage/default/c.txt': 'charlie' });
    const env = { KXP_STORAGE_SAS_URL: await storage.containerSasUrl('plain-repair') };
    const args = ['--storage', `${dir}/storage`, '--state-dir', `${await tempDir()}/state`];
    expect((await runCli(['upload', ...args, '--no-progress'], { env })).exitCode).toBe(0);
    // One file grows, one keeps its size with other bytes.
    await writeTree(dir, { 'storage/default/a.txt': 'alpha, longer', 'storage/default/b.txt': 'BRAVO' });

    const found = await runCli(['verify', ...args], { env });
    expect(found.exitCode, found.stderr + found.stdout).toBe(1);
    expect(found.stdout).toContain('Different: 0 missing, 0 extra, 2 mismatched');
    expect(found.stdout).toContain('To send the mismatched files again: the same upload command (it re-sends every file whose size or Content-MD5 differs).');
    expect(found.stdout).not.toContain('--deep (');

    const again = await runCli(['upload', ...args, '--no-progress', '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, files: { uploaded: 2, skipped: 1 } });
    expect((await runCli(['verify', ...args], { env })).exitCode).toBe(0);
  });
});
