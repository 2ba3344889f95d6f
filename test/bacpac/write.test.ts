import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { EXAMPLE_XPERIENCE_VERSION, inspectBacpac, quickCheckBacpac, readXperienceVersion, writeBacpac, type CellValue } from '../../src/bacpac/index.js';
import { useTempDirs } from '../support/tree.js';

async function partNames(file: string): Promise<string[]> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const names: string[] = [];
  for await (const entry of zip.eachEntry()) names.push(entry.fileName);
  zip.close();
  return names;
}

describe('writeBacpac', () => {
  const tempDir = useTempDirs();

  it('writes an Xperience-shaped bacpac the inspector finds sound, with its version and exact rows', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await writeBacpac(file, { xperienceVersion: '30.5.2', hotfix: '30.5.2.14' });
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report).toMatchObject({ ok: true, checksumOk: true, containsData: true, xperienceVersion: '30.5.2', xperienceHotfix: '30.5.2.14' });
    expect(report.rows).toEqual({ total: 5, expected: 5 });
    expect(report.tables).toEqual([{ name: '[dbo].[CMS_SettingsKey]', bytes: expect.any(Number), rows: 5 }]);
    expect(await readXperienceVersion(file)).toBe('30.5.2');
    expect(await partNames(file)).toEqual([
      'model.xml',
      'DacMetadata.xml',
      '[Content_Types].xml',
      'Data/dbo.CMS_SettingsKey/TableData-000-00000.BCP',
      '_rels/.rels',
      'Origin.xml',
    ]);
  });

  it('defaults to the example version', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await writeBacpac(file);
    expect(await readXperienceVersion(file)).toBe(EXAMPLE_XPERIENCE_VERSION);
  });

  it('writes no CMS_SettingsKey table for a null version: "not an Xperience database"', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await writeBacpac(file, { xperienceVersion: null, extraTables: [{ name: 'T', columns: [{ name: 'id', type: 'int', nullable: false }], rows: [[1], [2]] }] });
    expect(await readXperienceVersion(file)).toBeNull();
    const report = await inspectBacpac(file, { rows: true });
    expect(report.ok).toBe(true);
    expect(report.rows.total).toBe(2);
    expect(report.warnings.map((w) => w.message)).toEqual(['db.bacpac is not an Xperience database (it has no CMS_SettingsKey table), so its version cannot be compared with the environment\'s.']);
  });

  it('round-trips every type it can write, with NULLs, across several BCP files', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    const row = (i: number): CellValue[] => [
      i, BigInt(i) * 10_000_000_000n, i % 100, i % 256, i % 2 === 0, `name ${i} ☃`, i % 3 === 0 ? null : 'x'.repeat(i % 50), 'AB', 'C',
      Buffer.from([i % 256, 1, 2]), i % 4 === 0 ? null : Buffer.alloc(i % 300, 9), '6f9619ff-8b86-d011-b42d-00c04fc964ff',
      new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123)), new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), '2024-02-29', `${i}.25`, 12.5, i / 3, 0.5, `<a>${i}</a>`, i % 5 === 0 ? null : 7,
    ];
    await writeBacpac(file, {
      xperienceVersion: null,
      extraTables: [
        {
          schema: 'app',
          name: 'AllTypes',
          rowsPerFile: 7,
          columns: [
            { name: 'i', type: 'int', nullable: false },
            { name: 'big', type: 'bigint', nullable: false },
            { name: 'small', type: 'smallint' },
            { name: 'tiny', type: 'tinyint', nullable: false },
            { name: 'flag', type: 'bit', nullable: false },
            { name: 'n', type: 'nvarchar', length: 50, nullable: false },
            { name: 'v', type: 'varchar', length: 60 },
            { name: 'c', type: 'char', length: 2, nullable: false },
            { name: 'nc', type: 'nchar', length: 3 },
            { name: 'b', type: 'binary', length: 3, nullable: false },
            { name: 'vb', type: 'varbinary', max: true },
            { name: 'g', type: 'uniqueidentifier', nullable: false },
            { name: 'd2', type: 'datetime2', scale: 7, nullable: false },
            { name: 'dt', type: 'datetime' },
            { name: 'd', type: 'date', nullable: false },
            { name: 'dec', type: 'decimal', precision: 10, scale: 2, nullable: false },
            { name: 'm', type: 'money' },
            { name: 'f', type: 'float', nullable: false },
            { name: 'r', type: 'real' },
            { name: 'x', type: 'xml' },
            { name: 'last', type: 'int' },
          ],
          rows: Array.from({ length: 50 }, (_, i) => row(i)),
        },
      ],
    });
    expect((await partNames(file)).filter((name) => name.startsWith('Data/'))).toHaveLength(8);
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors).toEqual([]);
    expect(report.tables).toEqual([{ name: '[app].[AllTypes]', bytes: expect.any(Number), rows: 50 }]);
    expect(report.rows).toEqual({ total: 50, expected: 50 });
  });

  it('streams generated rows and writes a schema-only export that the checks refuse', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'db.bacpac');
    await writeBacpac(file, { containsData: false });
    expect((await partNames(file)).some((name) => name.startsWith('Data/'))).toBe(false);
    const check = await quickCheckBacpac(file);
    expect(check.problems).toEqual([expect.stringContaining('ContainsExportedData is false')]);
    expect(await readdir(dir)).toEqual(['db.bacpac']);
  });

  it('is byte-for-byte reproducible', async () => {
    const dir = await tempDir();
    const options = { hotfix: '31.1.0.5', extraTables: [{ name: 'Gen', columns: [{ name: 'v', type: 'nvarchar', max: true }], rows: (function* () { for (let i = 0; i < 1000; i++) yield [`value ${i}`]; })() }] };
    await writeBacpac(path.join(dir, 'a.bacpac'), options);
    options.extraTables[0]!.rows = (function* () { for (let i = 0; i < 1000; i++) yield [`value ${i}`]; })();
    await writeBacpac(path.join(dir, 'b.bacpac'), options);
    expect((await readFile(path.join(dir, 'a.bacpac'))).equals(await readFile(path.join(dir, 'b.bacpac')))).toBe(true);
    expect((await inspectBacpac(path.join(dir, 'a.bacpac'), { rows: true })).rows).toEqual({ total: 1005, expected: 1005 });
  });

  it('leaves no file when a value cannot be encoded', async () => {
    const dir = await tempDir();
    await expect(
      writeBacpac(path.join(dir, 'db.bacpac'), { extraTables: [{ name: 'T', columns: [{ name: 'id', type: 'int', nullable: false }], rows: [[null]] }] }),
    ).rejects.toThrow('column id is NOT NULL but the value is null');
    expect(await readdir(dir)).toEqual([]);
  });
});
