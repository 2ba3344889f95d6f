import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/fs/make-directory.js';
import { useTempDirs } from '../support/tree.js';

describe('makeDirectory', () => {
  const tempDir = useTempDirs();

  it('creates every missing parent, and accepts a folder that already exists', async () => {
    const root = await tempDir();
    const deep = path.join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await expect(makeDirectory(deep)).resolves.toBeUndefined();
  });

  it('refuses a path that is a file, with the file system error', async () => {
    const root = await tempDir();
    const file = path.join(root, 'plain.txt');
    await writeFile(file, 'x');
    await expect(makeDirectory(file)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeDirectory(path.join(file, 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('gives up under /proc, where Node’s recursive mkdir never returns', { skip: !existsSync('/proc/self') }, async () => {
    await expect(makeDirectory('/proc/kxp-no-such/state')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
