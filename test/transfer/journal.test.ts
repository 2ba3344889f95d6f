import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, journalBaseName, type FileState } from '../../src/transfer/journal.js';
import { HEADER, RECORD_BYTES } from '../../src/transfer/journal-format.js';
import { useTempDirs } from '../support/tree.js';

/** A real base64 MD5, as the engine records them. */
const md5 = (text: string) => createHash('md5').update(text).digest('base64');
/** A file state as the journal writes it (JSON has no bigint). */
const stored = (state: FileState) => ({ ...state, dev: String(state.dev), ino: String(state.ino), mtimeNs: String(state.mtimeNs), ctimeNs: String(state.ctimeNs) });

/** Whole records in a journal file (a torn last one counted). */
const recordsIn = async (file: string) => Math.ceil(((await stat(file)).size - HEADER.length) / RECORD_BYTES);

describe('resume journal', () => {
  const tempDir = useTempDirs();
  const state: FileState = { path: '/data/storage/default/a.bin', size: 10, dev: 66n, ino: 1234n, mtimeNs: 1_234_500_000n, ctimeNs: 1_234_500_000n, seenAtMs: 1_000_000 };
  /** Four re-runs over `files` files, each file changed in every run (mtime = run): 4 × files records, `files` live. */
  const fourRuns = async (journal: Journal, files: number) => {
    for (let run = 0; run < 4; run++) {
      for (let i = 0; i < files; i++) journal.record('hash', `default/f${i}`, { ...state, mtimeNs: BigInt(run) }, md5(`run ${run}`));
      await journal.flush();
    }
  };

  it('remembers MD5s per blob at a size and mtime, keyed by container identity, across reopenings', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.recordDurably('hash', 'default/a.bin', state, md5('a'));
    await journal.recordDurably('committed', 'default/a.bin', state, md5('a'));
    await journal.close();

    const again = await Journal.open(dir, 'acct/files');
    expect(again.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    // The same version of the file hashed to another MD5, or compared with a blob that has none: not the same.
    expect(again.sameMd5('default/a.bin', state, md5('b'))).toBe(false);
    expect(again.sameMd5('default/a.bin', state, null)).toBe(false);
    expect(again.sameMd5('default/a.bin', { ...state, mtimeNs: BigInt(9999) }, md5('any'))).toBeNull();
    expect(again.sameMd5('default/a.bin', { ...state, size: 11 }, md5('any'))).toBeNull();
    await again.close();
    const other = await Journal.open(dir, 'acct/other');
    expect(other.sameMd5('default/a.bin', state, md5('any'))).toBeNull();
    await other.close();
    expect((await readdir(dir)).sort()).toEqual([expect.stringMatching(/^acct-files-[0-9a-f]{8}\.journal$/), expect.stringMatching(/^acct-other-[0-9a-f]{8}\.journal$/)]);
  });

  it('survives a torn last record (a crash mid-write) and keeps appending whole records after it', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.recordDurably('committed', 'default/a.bin', state, md5('a'));
    await journal.close();
    await appendFile(journal.file, Buffer.alloc(20, 7));

    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    await reopened.recordDurably('hash', 'default/c.bin', state, md5('c'));
    await reopened.close();
    // Header, a's record, the torn one made whole, c's record.
    expect(await recordsIn(journal.file)).toBe(3);
    const last = await Journal.open(dir, 'acct/files');
    expect(last.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    expect(last.sameMd5('default/c.bin', state, md5('c'))).toBe(true);
    await last.close();
  });

  it('finishes a header torn by a crash right after the file was created', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.close();
    await writeFile(journal.file, (await readFile(journal.file)).subarray(0, 5));
    const reopened = await Journal.open(dir, 'acct/files');
    await reopened.recordDurably('committed', 'default/a.bin', state, md5('a'));
    await reopened.close();
    const again = await Journal.open(dir, 'acct/files');
    expect(again.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    await again.close();
  });

  it('compacts itself when re-runs have piled up records', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await fourRuns(journal, 600);
    await journal.close();
    expect(await recordsIn(journal.file)).toBe(2400);
    const compacted = await Journal.open(dir, 'acct/files');
    await compacted.close();
    expect(await recordsIn(journal.file)).toBe(600);
    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.sameMd5('default/f599', { ...state, mtimeNs: BigInt(3) }, md5('run 3'))).toBe(true);
    await reread.close();
  });

  it('remembers the role a container was uploaded as, per container, through reopening and compaction', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    expect(journal.role).toBeNull();
    await journal.recordRole('storage');
    await journal.recordRole('storage'); // once is enough
    await fourRuns(journal, 600);
    await journal.close();
    const compacted = await Journal.open(dir, 'acct/files');
    expect(compacted.role).toBe('storage');
    await compacted.close();
    expect(await recordsIn(journal.file)).toBe(601);
    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.role).toBe('storage');
    expect(reread.sameMd5('default/f599', { ...state, mtimeNs: BigInt(3) }, md5('run 3'))).toBe(true);
    await reread.close();
    const other = await Journal.open(dir, 'acct/db');
    expect(other.role).toBeNull();
    await other.close();
  });

  it('compaction keeps one record of a file that went back to an earlier version, and the trusted one of a racy and a trusted hash', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await fourRuns(journal, 700);
    const before = { ...state, mtimeNs: 5_000_000n, ctimeNs: 5_000_000n };
    const edited = { ...before, mtimeNs: 6_000_000n, ctimeNs: 6_000_000n };
    for (const [version, text] of [[before, 'A'], [edited, 'B'], [before, 'A']] as const) await journal.recordDurably('hash', 'default/back.bin', version, md5(text));
    // Hashed 100 ms after its last change (racy), then again later (trusted): the same version twice.
    const racy = { ...state, path: '/data/racy.bin', seenAtMs: 1234 + 100 };
    await journal.recordDurably('hash', 'default/racy.bin', racy, md5('r'));
    await journal.recordDurably('hash', 'default/racy.bin', { ...racy, seenAtMs: 1234 + 5000 }, md5('r'));
    await journal.close();
    expect(await recordsIn(journal.file)).toBe(2800 + 5);

    const compacted = await Journal.open(dir, 'acct/files');
    await compacted.close();
    expect(await recordsIn(journal.file)).toBe(702);
    const reread = await Journal.open(dir, 'acct/files');
    expect(reread.sameMd5('default/back.bin', before, md5('A'))).toBe(true);
    expect(reread.sameMd5('default/back.bin', edited, md5('B'))).toBeNull();
    expect(reread.sameMd5('default/racy.bin', racy, md5('r'))).toBe(true);
    expect(reread.sameMd5('default/f699', { ...state, mtimeNs: BigInt(3) }, md5('run 3'))).toBe(true);
    await reread.close();
  });

  it('keeps, through compaction, the last record of each blob and a commit over a later hash of the same state', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    const other = { ...state, path: '/elsewhere/a.bin' };
    await fourRuns(journal, 700);
    await journal.recordDurably('committed', 'default/kept.bin', state, md5('kept'));
    await journal.recordDurably('hash', 'default/kept.bin', state, md5('kept'));
    await journal.recordDurably('hash', 'default/moved.bin', state, md5('old'));
    await journal.recordDurably('hash', 'default/moved.bin', other, md5('new'));
    await journal.close();

    const compacted = await Journal.open(dir, 'acct/files');
    await compacted.close();
    expect(await recordsIn(journal.file)).toBe(702);

    const reread = await Journal.open(dir, 'acct/files', { racyWindowMs: 0 });
    expect(reread.sameMd5('default/kept.bin', state, md5('kept'))).toBe(true);
    expect(reread.sameMd5('default/f0', { ...state, mtimeNs: BigInt(3) }, md5('run 3'))).toBe(true);
    expect(reread.sameMd5('default/f0', { ...state, mtimeNs: BigInt(2) }, md5('any'))).toBeNull();
    expect(reread.sameMd5('default/moved.bin', other, md5('new'))).toBe(true);
    // The same blob name from another local path is another file: its MD5 must be read again.
    expect(reread.sameMd5('default/moved.bin', state, md5('any'))).toBeNull();
    await reread.close();
  });

  it('reports a compaction that cannot be written (disk full) as an error, leaving the journal whole', { skip: !existsSync('/dev/full') }, async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    // The one live record comes first, so its write fails while the rest of the file is still being read.
    journal.record('hash', 'default/early.bin', state, md5('early'));
    for (let i = 0; i < 3000; i++) journal.record('hash', 'default/same.bin', { ...state, mtimeNs: BigInt(i) }, md5(String(i)));
    await journal.close();
    const before = await readFile(journal.file);
    await symlink('/dev/full', `${journal.file}.compact`);

    await expect(Journal.open(dir, 'acct/files')).rejects.toMatchObject({ code: 'STATE_DIR_FULL', exitCode: 2, path: dir, message: expect.stringContaining('ENOSPC') });
    expect((await readFile(journal.file)).equals(before)).toBe(true);
    expect(existsSync(`${journal.file}.compact`)).toBe(false);
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.sameMd5('default/early.bin', state, md5('early'))).toBe(true);
    expect(reopened.sameMd5('default/same.bin', { ...state, mtimeNs: BigInt(2999) }, md5('2999'))).toBe(true);
    await reopened.close();
  });

  it('trusts an MD5 only for the same device, inode, size, mtime and ctime, hashed well after the last change', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    // Hashed 1 s after its last change (within the 2 s window) vs 5 s after: the first is not trusted.
    const lastChangeMs = Number(state.ctimeNs / 1_000_000n);
    await journal.recordDurably('committed', 'default/racy.bin', { ...state, seenAtMs: lastChangeMs + 1000 }, md5('racy'));
    await journal.recordDurably('committed', 'default/a.bin', { ...state, seenAtMs: lastChangeMs + 5000 }, md5('a'));
    expect(journal.sameMd5('default/racy.bin', state, md5('any'))).toBeNull();
    expect(journal.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    for (const changed of [{ dev: 67n }, { ino: 1235n }, { ctimeNs: state.ctimeNs + 1n }, { mtimeNs: state.mtimeNs + 1n }, { size: 11 }, { path: '/elsewhere/a.bin' }]) {
      expect(journal.sameMd5('default/a.bin', { ...state, ...changed }, md5('any'))).toBeNull();
    }
    // Hashing the racy file again, later, makes it trusted; and it stays so across reopening.
    journal.record('hash', 'default/racy.bin', { ...state, seenAtMs: lastChangeMs + 3000 }, md5('racy'));
    expect(journal.sameMd5('default/racy.bin', state, md5('racy'))).toBe(true);
    await journal.close();
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.sameMd5('default/racy.bin', state, md5('racy'))).toBe(true);
    await reopened.close();
    const wider = await Journal.open(dir, 'acct/files', { racyWindowMs: 10_000 });
    expect(wider.sameMd5('default/a.bin', state, md5('any'))).toBeNull();
    await wider.close();
  });

  it('refuses a file it did not write, saying what to do', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files');
    await journal.close();
    await writeFile(journal.file, 'kxp-journal v4\n\0 a later version');
    await expect(Journal.open(dir, 'acct/files')).rejects.toMatchObject({
      code: 'UNREADABLE',
      path: journal.file,
      message: expect.stringContaining('not a journal this version of kxp-restore can read'),
      hint: expect.stringMatching(/delete it .*never correctness/),
    });
    expect(() => journal.record('hash', 'default/c.bin', state, 'md5-c')).toThrow(/Not an MD5/);
  });

  it('writes nothing for a file hashed again unchanged, and stays under 100 bytes a file', async () => {
    const dir = await tempDir();
    const journal = await Journal.open(dir, 'acct/files', { racyWindowMs: 0 });
    for (let i = 0; i < 1000; i++) journal.record('committed', `default/media/a-rather-long-folder-name/f${i}.jpg`, { ...state, ino: BigInt(i) }, md5(String(i)));
    await journal.flush();
    for (let i = 0; i < 1000; i++) journal.record('hash', `default/media/a-rather-long-folder-name/f${i}.jpg`, { ...state, ino: BigInt(i) }, md5(String(i)));
    await journal.close();
    expect(await recordsIn(journal.file)).toBe(1000);
    expect((await stat(journal.file)).size / 1000).toBeLessThanOrEqual(100);
  });

  it('converts a journal of the JSON-lines form (version 2) and removes it; version 1 lines and torn lines are skipped', async () => {
    const dir = await tempDir();
    const legacy = path.join(dir, `${journalBaseName('acct/files')}.jsonl`);
    const lastChangeMs = Number(state.ctimeNs / 1_000_000n);
    const good = { v: 2, t: 'committed', blob: 'default/a.bin', ...stored({ ...state, seenAtMs: lastChangeMs + 5000 }), md5: md5('a'), at: 'then' };
    await writeFile(legacy, [
      JSON.stringify({ v: 2, t: 'role', role: 'storage', at: 'then' }),
      JSON.stringify({ v: 1, t: 'committed', blob: 'default/old.bin', path: state.path, size: 10, mtimeMs: 1234.5, md5: md5('old'), at: 'then' }),
      JSON.stringify(good),
      JSON.stringify({ ...good, blob: 'default/racy.bin', seenAtMs: lastChangeMs + 10 }),
      JSON.stringify({ ...good, blob: 'default/bad.bin', md5: 'md5-a' }),
      'not json',
      '{"v":2,"t":"committed","blob":"default/torn.bin","pa',
    ].join('\n'));
    const journal = await Journal.open(dir, 'acct/files');
    expect(journal.role).toBe('storage');
    expect(journal.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    expect(journal.sameMd5('default/racy.bin', state, md5('any'))).toBeNull();
    expect(journal.sameMd5('default/old.bin', state, md5('any'))).toBeNull();
    expect(journal.sameMd5('default/bad.bin', state, md5('any'))).toBeNull();
    await journal.close();
    expect(existsSync(legacy)).toBe(false);
    expect(await readdir(dir)).toEqual([path.basename(journal.file)]);
    const reopened = await Journal.open(dir, 'acct/files');
    expect(reopened.role).toBe('storage');
    expect(reopened.sameMd5('default/a.bin', state, md5('a'))).toBe(true);
    await reopened.close();
  });

  it('says which folder cannot hold the journal and how to choose another', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'blocked'), 'a file where the folder should be');
    await expect(Journal.open(path.join(dir, 'blocked', 'state'), 'acct/files')).rejects.toMatchObject({
      code: 'STATE_DIR_UNWRITABLE',
      exitCode: 2,
      hint: expect.stringMatching(/--state-dir/),
    });
  });
});
