/**
 * The local walk reads a folder's names whole (for its name order and case collisions) but stats them a window
 * at a time; a folder larger than a window must walk exactly as a small one: every file once, in name order,
 * collisions and links found wherever they fall.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPayload } from '../../src/source/payload.js';
import { scanStats } from '../../src/source/walk.js';
import type { SourceEvent } from '../../src/source/types.js';
import { useTempDirs } from '../support/tree.js';

describe('the local walk, a folder larger than its stat window', () => {
  const tempDir = useTempDirs();

  it('yields every file once in name order, and finds a collision and a link past the first window', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'storage', 'default', 'assets');
    await mkdir(folder, { recursive: true });
    const names = Array.from({ length: 2600 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
    for (const name of names) await writeFile(path.join(folder, name), name);
    // Sorted after every f…: in the last window.
    await writeFile(path.join(folder, 'zz.txt'), 'one');
    await writeFile(path.join(folder, 'ZZ.txt'), 'two');
    await symlink(path.join(folder, 'f0000.txt'), path.join(folder, 'zlink.txt'));

    const payload = await openPayload({ dir, storageOnly: true, lowercase: true }, { cwd: dir });
    const files: string[] = [];
    const findings: string[] = [];
    for await (const event of payload.events() as AsyncIterable<SourceEvent>) {
      if (event.type === 'file') files.push(event.file.blobName);
      if (event.type === 'finding') findings.push(`${event.finding.code} ${path.basename(event.finding.path)}`);
    }
    expect(files.filter((name) => name.startsWith('default/assets/f'))).toEqual(names.map((name) => `default/assets/${name}`));
    expect(findings).toContain('CASE_COLLISION ZZ.txt');
    expect(findings.filter((line) => line.startsWith('SYMLINK'))).toEqual(['SYMLINK zlink.txt']);
  });

  it('after a slow lstat, stats the next entries asynchronously: the same files, sizes and findings', async () => {
    const dir = await tempDir();
    const folder = path.join(dir, 'storage', 'default');
    await mkdir(folder, { recursive: true });
    const names = Array.from({ length: 400 }, (_, i) => `f${String(i).padStart(3, '0')}.txt`);
    for (const [i, name] of names.entries()) await writeFile(path.join(folder, name), 'x'.repeat(i));
    // Among the first 256 (asynchronous) and among the later (synchronous) entries.
    await symlink(path.join(folder, 'f000.txt'), path.join(folder, 'f100-link.txt'));
    await symlink(path.join(folder, 'f000.txt'), path.join(folder, 'f350-link.txt'));
    const before = { ...scanStats.counts };
    // One call that is slow by construction (it lasts 2 ms; slow is over 1 ms).
    scanStats.timed(() => {
      for (const end = performance.now() + 2; performance.now() < end; );
    });
    expect(scanStats.counts.slow).toBe(before.slow + 1);

    const payload = await openPayload({ dir, storageOnly: true }, { cwd: dir });
    const sizes: number[] = [];
    const findings: string[] = [];
    for await (const event of payload.events() as AsyncIterable<SourceEvent>) {
      if (event.type === 'file') sizes.push(event.file.size);
      if (event.type === 'finding') findings.push(`${event.finding.code} ${path.basename(event.finding.path)}`);
    }
    expect(sizes).toEqual(names.map((_, i) => i));
    expect(findings.filter((line) => line.startsWith('SYMLINK'))).toEqual(['SYMLINK f100-link.txt', 'SYMLINK f350-link.txt']);
    // At least the 256 entries after the slow call went the asynchronous way (of the 403 stat'ed: the container
    // folder and its 402 entries); the rest synchronously, unless a loaded machine made another call slow.
    const synchronous = scanStats.counts.sync - before.sync - 1;
    expect(synchronous).toBeLessThanOrEqual(403 - 256);
  });
});
