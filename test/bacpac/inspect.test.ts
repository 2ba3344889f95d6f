import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_XPERIENCE_VERSION, inspectBacpac, readXperienceVersion } from '../../src/bacpac/index.js';
import { repoRoot } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';
import { fixtures, flipByte, rawFlipCopy, rewriteZip, truncatedCopy } from './damage.js';

describe('inspectBacpac on the real exports', () => {
  const tempDir = useTempDirs();

  it('reads food-sql2019 as sound with exactly 40 rows', async () => {
    const report = await inspectBacpac(fixtures.food.file, { rows: true });
    expect(report.errors).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      checksumOk: true,
      containsData: true,
      schemaProvider: 'Microsoft.Data.Tools.Schema.Sql.Sql150DatabaseSchemaProvider',
      rows: { total: 40, expected: 40 },
      xperienceVersion: null,
      productVersion: '16.0.6384.0',
      exportTime: '2023-03-14T17:15:31.6548634+02:00',
      objectCounts: expect.objectContaining({ Table: 6, SimpleColumn: 28 }),
    });
    expect(report.sourceServer).toMatch(/^Microsoft SQL Server 2019/);
    expect(report.tables).toContainEqual({ name: '[dbo].[carts]', bytes: 234, rows: 18 });
    expect(report.warnings.map((w) => w.message)).toEqual([expect.stringContaining('is not an Xperience database')]);
  });

  it('reads started-sql2017 as sound with exactly 56983 rows across multi-file tables', async () => {
    const tables: string[] = [];
    const report = await inspectBacpac(fixtures.started.file, { rows: true, onEvent: (e) => e.type === 'table-rows' && tables.push(e.table) });
    expect(report.errors).toEqual([]);
    expect(report.rows).toEqual({ total: 56983, expected: 56983 });
    expect(report.tables).toHaveLength(30);
    expect(report.tables.find((t) => t.name === '[dbo].[ClassMembers]')?.rows).toBe(22000);
    expect(tables).toHaveLength(30);
    expect(report.schemaProvider).toContain('Sql140');
  });

  it('leaves rows uncounted without the rows option', async () => {
    const report = await inspectBacpac(fixtures.food.file);
    expect(report.ok).toBe(true);
    expect(report.rows).toEqual({ total: null, expected: 40 });
    expect(report.tables.every((t) => t.rows === undefined)).toBe(true);
  });

  it('reads a ZIP64-format copy (as bacpacs past 4 GB are) the same way', async () => {
    const file = path.join(await tempDir(), 'zip64.bacpac');
    await rewriteZip(fixtures.started.file, file, undefined, { zip64: true });
    expect((await readFile(file)).includes(Buffer.from('PK\x06\x06', 'latin1')), 'ZIP64 end of central directory').toBe(true);
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors).toEqual([]);
    expect(report.rows).toEqual({ total: 56983, expected: 56983 });
  });

  it('finds the bundled example sound, at the example version', async () => {
    const report = await inspectBacpac(path.join(repoRoot, 'examples/migration/db.bacpac'), { rows: true });
    expect(report).toMatchObject({ ok: true, errors: [], warnings: [], xperienceVersion: EXAMPLE_XPERIENCE_VERSION, checksumOk: true });
    expect(report.rows.total).toBe(report.rows.expected);
  });

  it('stops counting rows when aborted, rejecting with the reason', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = inspectBacpac(fixtures.started.file, {
      rows: true,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type !== 'table-rows') return;
        seen.push(event.table);
        controller.abort(new Error('interrupted by the test'));
      },
    });
    await expect(run).rejects.toThrow('interrupted by the test');
    expect(seen).toHaveLength(1);
  });

  it('says a non-Xperience export has no version', async () => {
    expect(await readXperienceVersion(fixtures.food.file)).toBeNull();
  });
});

describe('inspectBacpac on damaged copies', () => {
  const tempDir = useTempDirs();
  const target = async () => path.join(await tempDir(), 'db.bacpac');

  it('refuses a truncated file', async () => {
    const file = await target();
    await truncatedCopy(fixtures.started.file, file, 0.9);
    const report = await inspectBacpac(file, { rows: true });
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([{ code: 'BACPAC_INVALID', path: file, message: expect.stringMatching(/^db\.bacpac is truncated or incomplete/) }]);
  });

  it('refuses a file that is not a zip', async () => {
    const file = await target();
    await writeFile(file, Buffer.alloc(5000, 7));
    const report = await inspectBacpac(file);
    expect(report.errors).toEqual([{ code: 'BACPAC_INVALID', path: file, message: expect.stringMatching(/is not a zip archive, so it is not a BACPAC/) }]);
  });

  it('refuses a valid zip whose model.xml had one byte changed', async () => {
    const file = await target();
    await rewriteZip(fixtures.started.file, file, (name, data) => (name === 'model.xml' ? flipByte(data, 5000) : data));
    const report = await inspectBacpac(file, { rows: true });
    expect(report.checksumOk).toBe(false);
    expect(report.errors.map((e) => e.code)).toEqual(['BACPAC_CHECKSUM']);
    expect(report.errors[0]?.message).toMatch(/differs from the checksum in Origin\.xml \(9CCEB26F/);
  });

  it('refuses a raw byte flip inside the compressed model.xml', async () => {
    const file = await target();
    await rawFlipCopy(fixtures.food.file, file, 'model.xml');
    const report = await inspectBacpac(file);
    expect(report.errors).toEqual([{ code: 'BACPAC_INVALID', path: `${file}/model.xml`, message: expect.stringMatching(/the part model\.xml is damaged/) }]);
  });

  it('refuses a copy without Origin.xml', async () => {
    const file = await target();
    await rewriteZip(fixtures.food.file, file, (name, data) => (name === 'Origin.xml' ? null : data));
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors).toEqual([{ code: 'BACPAC_INVALID', path: `${file}/Origin.xml`, message: expect.stringMatching(/has no Origin\.xml part/) }]);
  });

  it('refuses an export without data', async () => {
    const file = await target();
    await rewriteZip(fixtures.food.file, file, (name, data) =>
      name === 'Origin.xml' ? Buffer.from(data.toString('utf8').replace('>true</ContainsExportedData>', '>false</ContainsExportedData>')) : data,
    );
    const report = await inspectBacpac(file);
    expect(report.containsData).toBe(false);
    expect(report.errors.map((e) => e.code)).toEqual(['BACPAC_NO_DATA']);
  });

  it('refuses table data cut short inside a row, naming the BCP file', async () => {
    const file = await target();
    const part = 'Data/dbo.ClassMembers/TableData-003-00000.BCP';
    await rewriteZip(fixtures.started.file, file, (name, data) => (name === part ? data.subarray(0, data.length - 3) : data));
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors).toEqual([
      { code: 'BACPAC_INVALID', path: `${file}/${part}`, message: expect.stringMatching(/TableData-003-00000\.BCP: the data ends inside row \d+ \(column \w+\)/) },
    ]);
  });

  it('refuses a row total that differs from Origin.xml', async () => {
    const file = await target();
    await rewriteZip(fixtures.started.file, file, (name, data) => (name === 'Data/dbo.ClassMembers/TableData-003-00000.BCP' ? null : data));
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors.map((e) => e.code)).toEqual(['BACPAC_ROWS']);
    expect(report.errors[0]?.message).toMatch(/holds \d+ rows but Origin\.xml records 56983/);
  });
});
