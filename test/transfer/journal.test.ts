import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/transfer/journal.js';
import { useTempDirs } from '../support/tree.js';

describe('resume journal', () => {
  const tempDir = useTempDirs();
  const state = { path: '/data/storage/default/a.bin', size: 10, mtimeMs: 1234.5 };

  it('remembers MD5s per blob at a size and mtime, keyed by container identity, across reopenings', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.recordDurably('hash', 'default/a.bin', state, 'md5-a');
    await journal.recordDurably('committed', 'default/a.bin', state, 'md5-a');
    await journal.close();

    const again = await Journal.open(dir, 'acct/files');
    expect(again.knownMd5('default/a.bin', state)).toBe('md5-a');
    expect(again.knownMd5('default/a.bin', { ...state, mtimeMs: 9999 })).toBeNull();
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
    await journal.recordDurably('committed', 'default/a.bin', state, 'md5-a');
    await journal.close();
    await appendFile(journal.file, '{"v":1,"t":"committed","blob":"default/b.bin","pa');

    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.knownMd5('default/a.bin', state)).toBe('md5-a');
    expect(reopened.knownMd5('default/b.bin', { ...state, path: 'x' })).toBeNull();
    await reopened.recordDurably('hash', 'default/c.bin', state, 'md5-c');
    await reopened.close();
    const lines = (await readFile(journal.file, 'utf8')).split('\n');
    expect(lines.filter((line) => line.startsWith('{"v":1,"t":"hash","blob":"default/c.bin"'))).toHaveLength(1);
    const last = await Journal.open(dir, 'acct/files');
    expect(last.knownMd5('default/c.bin', state)).toBe('md5-c');
    await last.close();
  });

  it('compacts itself when re-runs have piled up records', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    for (let run = 0; run < 4; run++) {
      for (let i = 0; i < 600; i++) journal.record('hash', `default/f${i}`, { ...state, mtimeMs: run }, `md5-${run}`);
      await journal.flush();
    }
    await journal.close();
    expect((await readFile(journal.file, 'utf8')).split('\n').length).toBe(2401);
    const compacted = await Journal.open(dir, 'acct/files');
    await compacted.close();
    expect((await readFile(journal.file, 'utf8')).split('\n').length).toBe(601);
    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.knownMd5('default/f599', { ...state, mtimeMs: 3 })).toBe('md5-3');
    await reread.close();
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
