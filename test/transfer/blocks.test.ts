import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_ID_BYTES, blockId, blockIdScheme, blockSizeFromMiB, decodedIdLength, layoutFor, MAX_BLOCKS, MiB } from '../../src/transfer/blocks.js';

describe('block planning', () => {
  it('sends a file up to one block in a single Put Blob, and larger ones in 8 MiB blocks', () => {
    expect(layoutFor(0)).toEqual({ blockSize: 8 * MiB, blockCount: 1, single: true });
    expect(layoutFor(8 * MiB)).toEqual({ blockSize: 8 * MiB, blockCount: 1, single: true });
    expect(layoutFor(8 * MiB + 1)).toEqual({ blockSize: 8 * MiB, blockCount: 2, single: false });
  });

  it('grows the block size to whole MiB so no blob needs more than 50,000 blocks', () => {
    const size = 500 * 1000 ** 3; // a 500 GB bacpac
    const layout = layoutFor(size);
    expect(layout.blockSize).toBe(10 * MiB);
    expect(layout.blockCount).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(layoutFor(size, 0.25 * MiB).blockCount).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(() => layoutFor(50_000 * 4000 * MiB + 1)).toThrow(/larger than a block blob can hold/);
  });

  it('accepts --block-size from 1/16 MiB to 4000 MiB', () => {
    expect(blockSizeFromMiB(undefined)).toBeUndefined();
    expect(blockSizeFromMiB(0.0625)).toBe(64 * 1024);
    expect(blockSizeFromMiB(4000)).toBe(4000 * MiB);
    for (const bad of [0, 0.01, 4001, Number.NaN]) expect(() => blockSizeFromMiB(bad)).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
  });

  it('makes deterministic block IDs of one length from the index and the block MD5', () => {
    const md5 = (text: string) => createHash('md5').update(text).digest();
    const ids = [blockId(0, md5('a')), blockId(49_999, md5('b')), blockId(7, md5('a'))];
    expect(new Set(ids.map((id) => id.length)).size).toBe(1);
    expect(ids.map(decodedIdLength)).toEqual([BLOCK_ID_BYTES, BLOCK_ID_BYTES, BLOCK_ID_BYTES]);
    expect(blockId(7, md5('a'))).toBe(ids[2]);
    expect(blockId(7, md5('a'))).not.toBe(blockId(8, md5('a')));
    expect(Buffer.from(ids[0] ?? '', 'base64').toString()).toBe(`kxp1-000000-${md5('a').toString('hex')}`);
  });

  it("takes the length of another tool's uncommitted block IDs, keeping the MD5 in them when there is room", () => {
    const md5 = createHash('md5').update('a').digest();
    expect(blockIdScheme().id(3, md5)).toBe(blockId(3, md5));
    const compact = blockIdScheme(40);
    expect(compact).toMatchObject({ bytes: 40, resumable: true });
    expect(decodedIdLength(compact.id(49_999, md5))).toBe(40);
    expect(compact.id(1, md5)).not.toBe(compact.id(2, md5));
    expect(compact.id(1, md5)).not.toBe(compact.id(1, createHash('md5').update('b').digest()));
    const short = blockIdScheme(11);
    expect(short).toMatchObject({ bytes: 11, resumable: false, capacity: MAX_BLOCKS });
    expect(new Set(Array.from({ length: 1000 }, (_, index) => short.id(index, md5))).size).toBe(1000);
    expect(decodedIdLength(short.id(49_999, md5))).toBe(11);
    expect(blockIdScheme(1)).toMatchObject({ capacity: 256 });
    expect(decodedIdLength(blockIdScheme(1).id(255, md5))).toBe(1);
  });
});
