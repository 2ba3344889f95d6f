import { mkdtemp, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleFingerprint } from '../../src/fs/sample-fingerprint.js';

describe('sampleFingerprint', () => {
  it('is the same for a copy elsewhere and changes with the size, the head or the tail', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kxp-fp-'));
    const bytes = Buffer.alloc(300 * 1024, 7);
    await writeFile(path.join(dir, 'a'), bytes);
    await cp(path.join(dir, 'a'), path.join(dir, 'copy'));
    const original = await sampleFingerprint(path.join(dir, 'a'));
    expect(original.size).toBe(bytes.length);
    expect(await sampleFingerprint(path.join(dir, 'copy'))).toEqual(original);
    const variants = [Buffer.concat([bytes, Buffer.of(7)]), Buffer.from(bytes).fill(8, 0, 1), Buffer.from(bytes).fill(8, bytes.length - 1)];
    for (const [index, variant] of variants.entries()) {
      await writeFile(path.join(dir, `v${index}`), variant);
      expect((await sampleFingerprint(path.join(dir, `v${index}`))).fingerprint).not.toBe(original.fingerprint);
    }
  });
});
