import { describe, expect, it } from 'vitest';
import { DigestTable, valueLayout } from '../src/digest-table.js';

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

  it('sized for an expected count, holds it and more (capacities need not be powers of two)', () => {
    for (const expected of [3000, 5001, 77_777]) {
      const table = new DigestTable(4, expected);
      for (let i = 0; i < expected + 1000; i++) table.upsert(DigestTable.digest(`n${i}`)).value.writeUInt32LE(i);
      expect(table.size).toBe(expected + 1000);
      for (let i = 0; i < expected + 1000; i += 97) expect(table.get(DigestTable.digest(`n${i}`))?.readUInt32LE(0)).toBe(i);
      expect(table.get(DigestTable.digest(`n${expected + 1000}`))).toBeUndefined();
    }
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
