import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, type FileState } from '../../src/transfer/journal.js';
import { useTempDirs } from '../support/tree.js';

/** A real base64 MD5, as the engine records them. */
const md5 = (text: string) => createHash('md5').update(text).digest('base64');
/** A file state as the journal writes it (JSON has no bigint). */
const stored = (state: FileState) => ({ ...state, dev: String(state.dev), ino: String(state.ino), mtimeNs: String(state.mtimeNs), ctimeNs: String(state.ctimeNs) });

describe('resume journal', () => {
  const tempDir = useTempDirs();
  const state: FileState = { path: '/data/storage/default/a.bin', size: 10, dev: 66n, ino: 1234n, mtimeNs: 1_234_500_000n, ctimeNs: 1_234_500_000n, seenAtMs: 1_000_000 };

  it('remembers MD5s per blob at a size and mtime, keyed by container identity, across reopenings', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.recordDurably('hash', 'default/a.bin', state, md5('a'));
    await journal.recordDurably('committed', 'default/a.bin', state, md5('a'));
    await journal.close();

    const again = await Journal.open(dir, 'acct/files');
    expect(again.knownMd5('default/a.bin', state)).toBe(md5('a'));
    expect(again.knownMd5('default/a.bin', { ...state, mtimeNs: BigInt(9999) })).toBeNull();
    expect(again.knownMd5('default/a.bin', { ...state, size: 11 })).toBeNull();
    await again.close();
    const other = await Journal.open(dir, 'acct/other');
    expect(other.knownMd5('default/a.bin', state)).toBeNull();
    await other.close();
    expect((await readdir(dir)).sort()).toEqual([expect.stringMatching(/^acct-files-[0-9a-f]{8}\.jsonl$/), expect.stringMatching(/^acct-other-[0-9a-f]{8}\.jsonl$/)]);
  });

  it('survives a torn last line (a crash mid-write) and keeps appending whole lines after it', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.recordDurably('committed', 'default/a.bin', state, md5('a'));
    await journal.close();
    await appendFile(journal.file, '{"v":1,"t":"committed","blob":"default/b.bin","pa');

    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.knownMd5('default/a.bin', state)).toBe(md5('a'));
    expect(reopened.knownMd5('default/b.bin', { ...state, path: 'x' })).toBeNull();
    await reopened.recordDurably('hash', 'default/c.bin', state, md5('c'));
    await reopened.close();
    const lines = (await readFile(journal.file, 'utf8')).split('\n');
    expect(lines.filter((line) => line.startsWith('{"v":2,"t":"hash","blob":"default/c.bin"'))).toHaveLength(1);
    const last = await Journal.open(dir, 'acct/files');
    expect(last.knownMd5('default/c.bin', state)).toBe(md5('c'));
    await last.close();
  });

  it('compacts itself when re-runs have piled up records', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    for (let run = 0; run < 4; run++) {
      for (let i = 0; i < 600; i++) journal.record('hash', `default/f${i}`, { ...state, mtimeNs: BigInt(run) }, md5(`run ${run}`));
      await journal.flush();
    }
    await journal.close();
    expect((await readFile(journal.file, 'utf8')).split('\n').length).toBe(2401);
    const compacted = await Journal.open(dir, 'acct/files');
    await compacted.close();
    expect((await readFile(journal.file, 'utf8')).split('\n').length).toBe(601);
    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.knownMd5('default/f599', { ...state, mtimeNs: BigInt(3) })).toBe(md5('run 3'));
    await reread.close();
  });

  it('remembers the role a container was uploaded as, per container, through reopening and compaction', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    expect(journal.role).toBeNull();
    await journal.recordRole('storage');
    await journal.recordRole('storage'); // once is enough
    for (let run = 0; run < 4; run++) for (let i = 0; i < 600; i++) journal.record('hash', `default/f${i}`, { ...state, mtimeNs: BigInt(run) }, md5(`run ${run}`));
    await journal.close();
    const compacted = await Journal.open(dir, 'acct/files');
    expect(compacted.role).toBe('storage');
    await compacted.close();
    expect((await readFile(journal.file, 'utf8')).split('\n').length).toBe(602);
    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.role).toBe('storage');
    expect(reread.knownMd5('default/f599', { ...state, mtimeNs: BigInt(3) })).toBe(md5('run 3'));
    await reread.close();
    const other = await Journal.open(dir, 'acct/db');
    expect(other.role).toBeNull();
    await other.close();
  });

  it('keeps, through compaction, the last record of each blob and a commit over a later hash of the same state', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    const other = { ...state, path: '/elsewhere/a.bin' };
    for (let run = 0; run < 4; run++) {
      for (let i = 0; i < 700; i++) journal.record('hash', `default/f${i}`, { ...state, mtimeNs: BigInt(run) }, md5(`run ${run}`));
      await journal.flush();
    }
    await journal.recordDurably('committed', 'default/kept.bin', state, md5('kept'));
    await journal.recordDurably('hash', 'default/kept.bin', state, md5('kept'));
    await journal.recordDurably('hash', 'default/moved.bin', state, md5('old'));
    await journal.recordDurably('hash', 'default/moved.bin', other, md5('new'));
    await journal.close();

    const compacted = await Journal.open(dir, 'acct/files');
    await compacted.close();
    const records = (await readFile(journal.file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { blob: string; t: string; md5: string });
    expect(records).toHaveLength(702);
    expect(records.find((record) => record.blob === 'default/kept.bin')).toMatchObject({ t: 'committed' });
    expect(records.filter((record) => record.blob === 'default/f0')).toEqual([expect.objectContaining({ md5: md5('run 3') })]);

    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.knownMd5('default/f0', { ...state, mtimeNs: BigInt(3) })).toBe(md5('run 3'));
    expect(reread.knownMd5('default/f0', { ...state, mtimeNs: BigInt(2) })).toBeNull();
    expect(reread.knownMd5('default/moved.bin', other)).toBe(md5('new'));
    // The same blob name from another local path is another file: its MD5 must be read again.
    expect(reread.knownMd5('default/moved.bin', state)).toBeNull();
    await reread.close();
  });

  it('reports a compaction that cannot be written (disk full) as an error, leaving the journal whole', { skip: !existsSync('/dev/full') }, async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    // The one live record comes first, so its write fails while the rest of the file is still being read.
    journal.record('hash', 'default/early.bin', state, md5('early'));
    for (let i = 0; i < 3000; i++) journal.record('hash', 'default/same.bin', { ...state, mtimeNs: BigInt(i) }, md5(String(i)));
    await journal.close();
    const before = await readFile(journal.file, 'utf8');
    await symlink('/dev/full', `${journal.file}.compact`);

    await expect(Journal.open(dir, 'acct/files')).rejects.toMatchObject({ code: 'UNREADABLE', message: expect.stringContaining('ENOSPC') });
    expect(await readFile(journal.file, 'utf8')).toBe(before);
    expect(existsSync(`${journal.file}.compact`)).toBe(false);
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.knownMd5('default/early.bin', state)).toBe(md5('early'));
    expect(reopened.knownMd5('default/same.bin', { ...state, mtimeNs: BigInt(2999) })).toBe(md5('2999'));
    await reopened.close();
  });

  it('trusts an MD5 only for the same device, inode, size, mtime and ctime, hashed well after the last change', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    // Hashed 1 s after its last change (within the 2 s window) vs 5 s after: the first is not trusted.
    const lastChangeMs = Number(state.ctimeNs / 1_000_000n);
    await journal.recordDurably('committed', 'default/racy.bin', { ...state, seenAtMs: lastChangeMs + 1000 }, md5('racy'));
    await journal.recordDurably('committed', 'default/a.bin', { ...state, seenAtMs: lastChangeMs + 5000 }, md5('a'));
    expect(journal.knownMd5('default/racy.bin', state)).toBeNull();
    expect(journal.knownMd5('default/a.bin', state)).toBe(md5('a'));
    for (const changed of [{ dev: 67n }, { ino: 1235n }, { ctimeNs: state.ctimeNs + 1n }, { mtimeNs: state.mtimeNs + 1n }, { size: 11 }, { path: '/elsewhere/a.bin' }]) {
      expect(journal.knownMd5('default/a.bin', { ...state, ...changed })).toBeNull();
    }
    // Hashing the racy file again, later, makes it trusted; and it stays so across reopening.
    journal.record('hash', 'default/racy.bin', { ...state, seenAtMs: lastChangeMs + 3000 }, md5('racy'));
    expect(journal.knownMd5('default/racy.bin', state)).toBe(md5('racy'));
    await journal.close();
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.knownMd5('default/racy.bin', state)).toBe(md5('racy'));
    await reopened.close();
    const wider = await Journal.open(dir, 'acct/files', { racyWindowMs: 10_000 });
    expect(wider.knownMd5('default/a.bin', state)).toBeNull();
    await wider.close();
  });

  it('ignores records of the first format, which knew only size and mtime', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.close();
    await appendFile(journal.file, JSON.stringify({ v: 1, t: 'committed', blob: 'default/a.bin', path: state.path, size: 10, mtimeMs: 1234.5, md5: md5('a'), at: 'then' }) + '\n');
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.knownMd5('default/a.bin', state)).toBeNull();
    await reopened.close();
  });

  it('skips foreign lines and records whose MD5 is not one', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.close();
    const good = { v: 2, t: 'hash', blob: 'default/a.bin', ...stored(state), md5: md5('a'), at: 'now' };
    await appendFile(journal.file, ['not json', JSON.stringify({ ...good, md5: 'md5-a' }), JSON.stringify({ ...good, blob: 'default/b.bin' }), ''].join('\n'));
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.knownMd5('default/a.bin', state)).toBeNull();
    expect(reopened.knownMd5('default/b.bin', state)).toBe(md5('a'));
    expect(() => reopened.record('hash', 'default/c.bin', state, 'md5-c')).toThrow(/Not an MD5/);
    await reopened.close();
  });

  it('says which folder cannot hold the journal and how to choose another', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'blocked'), 'a file where the folder should be');
    await expect(Journal.open(path.join(dir, 'blocked', 'state'), 'acct/files')).rejects.toMatchObject({
      code: 'UNREADABLE',
      exitCode: 2,
      hint: expect.stringMatching(/--state-dir/),
    });
  });
});
