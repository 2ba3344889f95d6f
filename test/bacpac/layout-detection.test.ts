import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectBacpac, readXperienceVersion, writeBacpac } from '../../src/bacpac/index.js';
import { useTempDirs } from '../support/tree.js';

// The real exports have no uniqueidentifier/datetime2 NOT NULL or ntext columns, so the reader
// answers those layout questions from the data. Each combination of answers must be found.
const combinations = [false, true].flatMap((guidPrefixed) =>
  [false, true].flatMap((timePrefixed) => [false, true].map((legacyLob4) => ({ guidPrefixed, timePrefixed, legacyLob4 }))),
);

describe('BCP layout detection', () => {
  const tempDir = useTempDirs();

  it.each(combinations)('reads data written with %o', async (variants) => {
    const file = path.join(await tempDir(), 'db.bacpac');
    await writeBacpac(file, {
      xperienceVersion: '30.2.1',
      bcpVariants: variants,
      extraTables: [
        {
          name: 'CMS_Document',
          columns: [
            { name: 'DocumentID', type: 'int', nullable: false },
            { name: 'DocumentGUID', type: 'uniqueidentifier', nullable: false },
            { name: 'DocumentModified', type: 'datetime2', scale: 7, nullable: false },
            { name: 'DocumentTime', type: 'time', scale: 3, nullable: false },
            { name: 'DocumentLegacy', type: 'ntext' },
          ],
          rows: Array.from({ length: 40 }, (_, i) => [
            i,
            `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
            new Date(Date.UTC(2024, 0, 1 + i)),
            new Date(Date.UTC(1970, 0, 1, 0, 0, i)),
            i % 2 ? null : `legacy text ${i}`,
          ]),
        },
      ],
    });
    const report = await inspectBacpac(file, { rows: true });
    expect(report.errors).toEqual([]);
    expect(report.rows).toEqual({ total: 43, expected: 43 });
    expect(report.xperienceVersion).toBe('30.2.1');
    expect(await readXperienceVersion(file)).toBe('30.2.1');
  });
});
