import { describe, expect, it } from 'vitest';
import { MiB } from '../../src/transfer/blocks.js';
import { assignShards, parseShard, shardFromEnvironment, type ShardEntry, type ShardPiece } from '../../src/transfer/shard-assign.js';

function entries(sizes: number[]): ShardEntry[] {
  return sizes.map((size, ordinal) => ({ ordinal, key: `storage:default/f${String(ordinal).padStart(6, '0')}`, size }));
}

async function allShards(list: ShardEntry[], count: number, blockSize?: number) {
  const totalBytes = list.reduce((sum, entry) => sum + entry.size, 0);
  const byShard: ShardPiece[][] = Array.from({ length: count }, () => []);
  const result = await assignShards(() => list, { count, totalBytes, blockSize, onPiece: (piece, shard) => byShard[shard]?.push(piece) });
  return { ...result, byShard, totalBytes };
}

describe('shard assignment', () => {
  it('reads i/N from --shard, KXP_SHARD, or JOB_COMPLETION_INDEX with --shards', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    for (const bad of ['4/4', '-1/4', '1/0', 'a/b', '1']) expect(() => parseShard(bad)).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
    expect(shardFromEnvironment({ env: { KXP_SHARD: '2/3' } })).toEqual({ index: 2, count: 3 });
    expect(shardFromEnvironment({ shards: 5, env: { JOB_COMPLETION_INDEX: '4' } })).toEqual({ index: 4, count: 5 });
    expect(shardFromEnvironment({ shard: '1/2', env: { KXP_SHARD: '0/9' } })).toEqual({ index: 1, count: 2 });
    expect(shardFromEnvironment({ env: {} })).toBeUndefined();
    expect(() => shardFromEnvironment({ shards: 5, env: {} })).toThrow(/JOB_COMPLETION_INDEX/);
  });

  it('gives every file to exactly one shard, and the same answer every time', async () => {
    const sizes = Array.from({ length: 5000 }, (_, i) => 1000 + ((i * 7919) % 50_000));
    const first = await allShards(entries(sizes), 7);
    const again = await allShards(entries(sizes), 7);
    expect(again.shares).toEqual(first.shares);
    const seen = first.byShard.flat().map((piece) => piece.ordinal).sort((a, b) => a - b);
    expect(seen).toEqual(sizes.map((_, i) => i));
    const one = await assignShards(() => entries(sizes), { count: 7, totalBytes: first.totalBytes, shard: 3 });
    expect(one.pieces?.map((piece) => piece.ordinal)).toEqual(first.byShard[3]?.map((piece) => piece.ordinal));
  });

  it('keeps shares within a few percent when files are many, and splits a file larger than a share by whole blocks', async () => {
    const small = Array.from({ length: 20_000 }, (_, i) => 2000 + ((i * 104_729) % 300_000));
    const bacpac = 3000 * MiB + 123;
    const list = entries([...small, bacpac]);
    const { shares, split, byShard, totalBytes } = await allShards(list, 4);
    expect([...split]).toEqual([small.length]);
    const fair = totalBytes / 4;
    for (const share of shares) expect(Math.abs(share - fair) / fair).toBeLessThan(0.01);
    const pieces = byShard.flat().filter((piece) => piece.ordinal === small.length).sort((a, b) => (a.blocks?.first ?? 0) - (b.blocks?.first ?? 0));
    expect(pieces).toHaveLength(4);
    let next = 0;
    for (const piece of pieces) {
      expect(piece.blocks?.first).toBe(next);
      next += piece.blocks?.count ?? 0;
    }
    expect(next).toBe(pieces[0]?.blocks?.total);
    expect(pieces.reduce((sum, piece) => sum + piece.bytes, 0)).toBe(bacpac);
    expect(new Set(byShard.map((shard) => shard.filter((piece) => piece.ordinal === small.length).length))).toEqual(new Set([1]));
  });

  it('does not split with one shard, and places empty files too', async () => {
    const { split, byShard } = await allShards(entries([0, 0, 10 * MiB, 5]), 1);
    expect(split.size).toBe(0);
    expect(byShard[0]).toHaveLength(4);
  });
});

describe('shard assignment of server-side copies', () => {
  it('never splits a blob the service copies itself, however large', async () => {
    const list = entries([100, 200, 10_000 * MiB]).map((entry, i) => ({ ...entry, splittable: i !== 2 }));
    const { split, byShard } = await allShards(list, 4);
    expect(split.size).toBe(0);
    const pieces = byShard.flat().filter((piece) => piece.ordinal === 2);
    expect(pieces.map((piece) => [piece.bytes, piece.blocks])).toEqual([[10_000 * MiB, undefined]]);
  });
});
