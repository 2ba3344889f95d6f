import { describe, expect, it } from 'vitest';
import { DigestTable, MAX_LOAD, valueLayout } from '../src/digest-table.js';

/** A 16-byte key from its first three 32-bit words (the rest zero), to place keys on purpose. */
function key(k0: number, k1: number, k2 = 0): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32LE(k0, 0);
  bytes.writeUInt32LE(k1, 4);
  bytes.writeUInt32LE(k2, 8);
  return bytes;
}

describe('DigestTable', () => {
  it('keeps every value through many growths, by name digest', () => {
    const table = new DigestTable(8);
    const count = 20_000; // well past the initial 1,024 slots: about eight growths by half
    for (let i = 0; i < count; i++) {
      const { value, created } = table.upsert(DigestTable.digest(`default/f${i}.bin`));
      expect(created).toBe(true);
      value.writeDoubleLE(i * 3.5);
    }
    expect(table.size).toBe(count);
    for (let i = 0; i < count; i += 997) expect(table.get(DigestTable.digest(`default/f${i}.bin`))?.readDoubleLE(0)).toBe(i * 3.5);
    expect(table.get(DigestTable.digest('default/absent.bin'))).toBeUndefined();
  });

  it('sized for an expected count, holds it without growing, at most 0.9 full; more makes it grow', () => {
    for (const expected of [3000, 5001, 77_777]) {
      const table = new DigestTable(4, { expected });
      const sized = table.footprint;
      expect(sized.slots * MAX_LOAD).toBeGreaterThanOrEqual(expected);
      expect(sized.slots).toBeLessThanOrEqual(Math.ceil(expected / MAX_LOAD) + 1);
      // 8-byte keys and 4-byte values: 12 bytes a slot, nothing else.
      expect(sized.bytes).toBe(sized.slots * 12);
      for (let i = 0; i < expected; i++) table.upsert(DigestTable.digest(`n${i}`)).value.writeUInt32LE(i);
      expect(table.footprint).toEqual(sized);
      for (let i = expected; i < expected + 1000; i++) table.upsert(DigestTable.digest(`n${i}`)).value.writeUInt32LE(i);
      expect(table.footprint.slots).toBeGreaterThan(sized.slots);
      expect(table.size).toBe(expected + 1000);
      for (let i = 0; i < expected + 1000; i += 97) expect(table.get(DigestTable.digest(`n${i}`))?.readUInt32LE(0)).toBe(i);
      expect(table.get(DigestTable.digest(`n${expected + 1000}`))).toBeUndefined();
    }
  });

  it('keys that want the same slot are probed past each other, across the end of the table, and survive growth', () => {
    const table = new DigestTable(4, { initialCapacity: 8 });
    // The same second word: the same home slot, the last one (0xffffffff scales to slot 7 of 8).
    const keys = [1, 2, 3, 4, 5].map((k0) => key(k0, 0xffff_ffff));
    for (const [index, each] of keys.entries()) {
      const { value, created } = table.upsert(each);
      expect(created).toBe(true);
      value.writeUInt32LE(100 + index);
    }
    for (const [index, each] of keys.entries()) expect(table.get(each)?.readUInt32LE(0)).toBe(100 + index);
    expect(table.get(key(6, 0xffff_ffff))).toBeUndefined();
    // Past 0.9 of 8 slots: grown, every key still found.
    for (const k0 of [6, 7, 8]) table.upsert(key(k0, 0xffff_ffff)).value.writeUInt32LE(k0);
    expect(table.footprint.slots).toBeGreaterThan(8);
    expect(table.size).toBe(8);
    for (const [index, each] of keys.entries()) expect(table.get(each)?.readUInt32LE(0)).toBe(100 + index);
    expect(table.get(key(8, 0xffff_ffff))?.readUInt32LE(0)).toBe(8);
  });

  it('an all-zero key is a key like any other (it shares the key beginning with 1), not an empty slot', () => {
    const table = new DigestTable(1, { initialCapacity: 4 });
    expect(table.get(key(0, 0))).toBeUndefined();
    table.upsert(key(0, 0)).value.writeUInt8(7);
    expect(table.size).toBe(1);
    expect(table.get(key(0, 0))?.readUInt8(0)).toBe(7);
    expect(table.get(key(1, 0))?.readUInt8(0)).toBe(7);
    expect(table.upsert(key(1, 0)).created).toBe(false);
    expect(table.get(key(2, 0))).toBeUndefined();
  });

  it('8-byte keys: names alike in their first 8 digest bytes are one entry; 12-byte keys tell them apart', () => {
    const narrow = new DigestTable(1);
    narrow.upsert(key(5, 6, 1)).value.writeUInt8(1);
    expect(narrow.upsert(key(5, 6, 2)).created).toBe(false);
    expect(narrow.size).toBe(1);
    const wide = new DigestTable(1, { keyBytes: 12 });
    wide.upsert(key(5, 6, 1)).value.writeUInt8(1);
    wide.upsert(key(5, 6, 2)).value.writeUInt8(2);
    expect(wide.size).toBe(2);
    expect(wide.get(key(5, 6, 1))?.readUInt8(0)).toBe(1);
    expect(wide.get(key(5, 6, 2))?.readUInt8(0)).toBe(2);
    expect(wide.get(key(5, 6, 3))).toBeUndefined();
    expect(wide.footprint.bytes).toBe(wide.footprint.slots * 13);
  });

  it('returns the existing slot on a second upsert, without counting it twice', () => {
    const table = new DigestTable(4);
    table.upsert(DigestTable.digest('a')).value.writeUInt32LE(7);
    const again = table.upsert(DigestTable.digest('a'));
    expect(again.created).toBe(false);
    expect(again.value.readUInt32LE(0)).toBe(7);
    expect(table.size).toBe(1);
  });

  it('tells apart names that differ only in case or by a trailing slash', () => {
    const table = new DigestTable(1);
    for (const [index, name] of ['Default/a.txt', 'default/a.txt', 'default/a.txt/'].entries()) table.upsert(DigestTable.digest(name)).value.writeUInt8(index);
    expect(table.size).toBe(3);
    expect(table.get(DigestTable.digest('default/a.txt'))?.readUInt8(0)).toBe(1);
  });

  it('lays value fields end to end', () => {
    expect(valueLayout({ size: 8, md5: 16, flags: 1 })).toEqual({ at: { size: 0, md5: 8, flags: 24 }, bytes: 25 });
  });
});
