import { chmod, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { preparePrivateFolder, writePrivateFile } from '../../src/fs/private-file.js';
import { useTempDirs } from '../support/tree.js';

const mode = async (target: string) => (await stat(target)).mode & 0o777;

describe('private files', () => {
  const tempDir = useTempDirs();

  it('replaces an existing readable file with an owner-only one', async () => {
    const file = path.join(await tempDir(), 'secret.token');
    await writeFile(file, 'old\n', { mode: 0o644 });
    await chmod(file, 0o644);
    await writePrivateFile(file, 'new\n');
    expect(await mode(file)).toBe(0o600);
  });

  it('narrows an existing folder to owner-only, makes a missing one owner-only, and refuses one others may write to', async () => {
    const root = await tempDir();
    const open = path.join(root, 'open');
    await preparePrivateFolder(open, 'token folder');
    expect(await mode(open)).toBe(0o700);
    await chmod(open, 0o755);
    await preparePrivateFolder(open, 'token folder');
    expect(await mode(open)).toBe(0o700);
    for (const loose of [0o775, 0o757]) {
      await chmod(open, loose);
      await expect(preparePrivateFolder(open, 'token folder')).rejects.toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringContaining('can be written by other users') });
    }
  });
});
