/**
 * verify writes the journal (the MD5s it reads) only while holding its lock: while another run holds it (an
 * upload appending to it), verify reads the journal and leaves it byte for byte as it was. Real lock files,
 * real runs against Azurite.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { journalFileName } from '../../src/transfer/journal.js';
import { journalLockFile } from '../../src/transfer/lock.js';
import { runCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('verify and the journal lock', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('reads a journal another live run holds without writing it; writes it (and leaves no lock) once the lock is free', async () => {
    const dir = await tempDir();
    const stateDir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/big.bin': randomBytes(300_000) });
    const url = await storage.containerSasUrl('verify-journal-lock');
    expect((await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir, '--no-progress'])).exitCode).toBe(0);
    const identity = parseContainerSasUrl(url, 'storage SAS URL').identity;
    const journal = path.join(stateDir, journalFileName(identity));
    // Both files touched (same bytes, older times): verify reads them again and would remember the new versions.
    const past = new Date(Date.now() - 3600_000);
    for (const name of ['a.txt', 'big.bin']) await utimes(path.join(dir, 'storage/default', name), past, past);

    // A live run holds the journal: this test's own process, on this host.
    const lock = journalLockFile(stateDir, identity);
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: 'fedcba9876543210' }));
    const before = await readFile(journal);
    const held = await runCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir]);
    expect(held.stderr).toContain(`Note: process ${process.pid} on ${hostname()} is using the journal of ${identity}, so verify reads it and writes nothing to it`);
    expect(held.exitCode).toBe(0);
    expect((await readFile(journal)).equals(before)).toBe(true);
    expect(await readFile(lock, 'utf8')).toContain('fedcba9876543210');

    // The lock released: verify takes it, remembers what it read, and releases it.
    await rm(lock);
    const free = await runCli(['verify', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir]);
    expect(free.exitCode).toBe(0);
    expect(free.stderr).not.toContain('writes nothing');
    expect((await stat(journal)).size).toBeGreaterThan(before.length);
    expect((await readdir(stateDir)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  });
});
