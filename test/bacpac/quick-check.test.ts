import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { quickCheckBacpac } from '../../src/bacpac/quick-check.js';
import { useTempDirs } from '../support/tree.js';
import { fixtures, flipByte, rawFlipCopy, rewriteZip, truncatedCopy } from './damage.js';

describe('quickCheckBacpac', () => {
  const tempDir = useTempDirs();

  it.each(Object.entries(fixtures))('finds the real export %s sound', async (_name, fixture) => {
    expect(await quickCheckBacpac(fixture.file)).toEqual({ ok: true, problems: [] });
  });

  it('refuses a file that is not a zip', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await writeFile(file, 'CREATE TABLE x (id int);\n'.repeat(100));
    const result = await quickCheckBacpac(file);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^db\.bacpac is not a zip archive, so it is not a BACPAC; export the database again/)]);
  });

  it('refuses an empty file', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await writeFile(file, '');
    expect((await quickCheckBacpac(file)).problems).toEqual([expect.stringMatching(/^db\.bacpac is empty \(0 bytes\), so it is not a BACPAC/)]);
  });

  it('refuses a truncated copy', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await truncatedCopy(fixtures.started.file, file, 0.6);
    const result = await quickCheckBacpac(file);
    expect(result.problems).toEqual([expect.stringMatching(/^db\.bacpac is truncated or incomplete/)]);
  });

  it('refuses a re-zipped copy whose model.xml has one byte changed (checksum mismatch)', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await rewriteZip(fixtures.food.file, file, (name, data) => (name === 'model.xml' ? flipByte(data, 2000) : data));
    const result = await quickCheckBacpac(file);
    expect(result.problems).toEqual([expect.stringMatching(/^db\.bacpac: the SHA-256 of model\.xml \([0-9A-F]{64}\) differs from the checksum in Origin\.xml \(B77D1683/)]);
  });

  it('refuses a copy with one raw byte of model.xml flipped inside the zip', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await rawFlipCopy(fixtures.food.file, file, 'model.xml');
    const result = await quickCheckBacpac(file);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^db\.bacpac: the part model\.xml is damaged \(.+\); export the database again/)]);
  });

  it('refuses a copy without Origin.xml', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await rewriteZip(fixtures.food.file, file, (name, data) => (name === 'Origin.xml' ? null : data));
    const result = await quickCheckBacpac(file);
    expect(result.problems).toEqual(['db.bacpac has no Origin.xml part, so it is not a complete BACPAC; export the database again (SqlPackage /Action:Export or SSMS "Export Data-tier Application") and use the new .bacpac.']);
  });

  it('refuses an export without data (ContainsExportedData false)', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await rewriteZip(fixtures.food.file, file, (name, data) =>
      name === 'Origin.xml' ? Buffer.from(data.toString('utf8').replace('<ContainsExportedData>true<', '<ContainsExportedData>false<')) : data,
    );
    const result = await quickCheckBacpac(file);
    expect(result.problems).toEqual([expect.stringMatching(/^db\.bacpac holds no table data \(Origin\.xml ContainsExportedData is false\)/)]);
  });

  it('refuses a copy whose table data parts were all removed', async () => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await rewriteZip(fixtures.food.file, file, (name, data) => (name.startsWith('Data/') ? null : data));
    expect((await quickCheckBacpac(file)).problems).toEqual([expect.stringMatching(/^db\.bacpac holds no table data \(no Data\/…\/\*\.BCP parts\) although Origin\.xml records 40 rows/)]);
  });

  it('rejects with the reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(quickCheckBacpac(fixtures.food.file, { signal: controller.signal })).rejects.toThrow('stop now');
  });
});
