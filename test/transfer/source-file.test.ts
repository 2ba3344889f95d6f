import { renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PayloadFile } from '../../src/source/types.js';
import { readWholeSync, SyncReads } from '../../src/transfer/source-file.js';
import { useTempDirs } from '../support/tree.js';

/** A file as the scan saw it (lstat now). */
const scanned = async (file: string): Promise<PayloadFile> => {
  const stats = await lstat(file);
  return { kind: 'storage', absolutePath: file, displayPath: path.basename(file), sourceName: path.basename(file), blobName: `default/${path.basename(file)}`, container: 'default', size: stats.size, mtimeMs: stats.mtimeMs, dev: stats.dev, ino: stats.ino };
};

describe('readWholeSync: a small file read whole with the guards of the asynchronous path', () => {
  const tempDir = useTempDirs();

  it('reads the bytes and the state the journal names (size, inode, times)', async () => {
    const file = path.join(await tempDir(), 'a.txt');
    await writeFile(file, 'hello world');
    const read = readWholeSync(await scanned(file), Buffer.alloc(64), 'uploaded');
    expect(read.bytes.toString()).toBe('hello world');
    const stats = await lstat(file, { bigint: true });
    expect(read.state).toMatchObject({ path: file, size: 11, ino: stats.ino, dev: stats.dev, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs });
  });

  it('refuses a file deleted, grown, replaced or swapped for a link since the scan, naming what happened', async () => {
    const dir = await tempDir();
    const names = ['gone', 'grew', 'replaced', 'linked'];
    await Promise.all(names.map((name) => writeFile(path.join(dir, name), 'scanned')));
    const files = await Promise.all(names.map((name) => scanned(path.join(dir, name))));
    await mkdir(path.join(dir, 'elsewhere'));
    await writeFile(path.join(dir, 'elsewhere', 'secret'), 'scanned');
    unlinkSync(path.join(dir, 'gone'));
    writeFileSync(path.join(dir, 'grew'), 'scanned, and then some');
    writeFileSync(path.join(dir, 'replacement'), 'scanned');
    renameSync(path.join(dir, 'replacement'), path.join(dir, 'replaced'));
    unlinkSync(path.join(dir, 'linked'));
    symlinkSync(path.join(dir, 'elsewhere', 'secret'), path.join(dir, 'linked'));
    const outcome = (file: PayloadFile) => {
      try {
        readWholeSync(file, Buffer.alloc(64), 'uploaded');
        return 'read';
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      }
    };
    expect(files.map(outcome)).toEqual([
      'SOURCE_CHANGED: The file disappeared after the check; it was not uploaded.',
      'SOURCE_CHANGED: The file changed while it was being uploaded; nothing of this version was committed.',
      expect.stringMatching(/^SOURCE_CHANGED: The payload changed after the check: the path now leads to another file/),
      expect.stringMatching(/^SOURCE_CHANGED: The payload changed after the check: it is now a symbolic link, and links are not followed/),
    ]);
  });
});

describe('SyncReads: synchronous reads only while they stay fast', () => {
  const tempDir = useTempDirs();

  /** A clock that makes the reads it is told slow take 10 ms, the others 0.1 ms. */
  function clock(slow: (read: number) => boolean) {
    let now = 0;
    let calls = 0;
    return () => {
      calls++;
      // Two calls per read: before and after it.
      if (calls % 2 === 0) now += slow(calls / 2) ? 10 : 0.1;
      return now;
    };
  }

  it('takes files up to maxBytes only', () => {
    const reads = new SyncReads({ maxBytes: 1000 });
    expect([reads.take(0), reads.take(1000), reads.take(1001)]).toEqual([true, true, false]);
    expect(new SyncReads({ maxBytes: 0 }).take(1)).toBe(false);
  });

  it('after a slow read, sends the next files to the asynchronous path, longer after each slow try in a row, and a fast read resets it', async () => {
    const file = path.join(await tempDir(), 'a.txt');
    await writeFile(file, 'x');
    const payloadFile = await scanned(file);
    // Reads 1, 2 and 3 are slow; the rest fast.
    const reads = new SyncReads({ slowMs: 3, cooldownCalls: 2, now: clock((read) => read <= 3) });
    const path_: string[] = [];
    for (let i = 0; i < 20; i++) {
      if (!reads.take(1)) {
        path_.push('a');
        continue;
      }
      reads.readWhole(payloadFile, Buffer.alloc(8), 'uploaded');
      path_.push('S');
    }
    // Slow: 2 files wait; slow again: 4; slow again: 8; then fast reads, and a later slow one would wait 2 again.
    expect(path_.join('')).toBe('SaaSaaaaSaaaaaaaaSSS');
    expect(reads.counts).toEqual({ sync: 6, slow: 3 });
  });
});
