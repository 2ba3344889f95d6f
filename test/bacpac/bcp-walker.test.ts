import { describe, expect, it } from 'vitest';
import { bcpLayout } from '../../src/bacpac/bcp-layout.js';
import { BcpFormatError, BcpRowWalker } from '../../src/bacpac/bcp-walker.js';
import { readModel } from '../../src/bacpac/xperience-version.js';
import { tableDataParts, dataFolder } from '../../src/bacpac/table-data.js';
import { BacpacArchive } from '../../src/bacpac/zip.js';
import { fixtures } from './damage.js';

/** Every table of a real export as (fields, whole BCP bytes of each file). */
async function realTables(file: string) {
  const archive = await BacpacArchive.open(file);
  try {
    const model = await readModel(archive);
    const parts = tableDataParts(archive);
    const tables = [];
    for (const table of model.tables) {
      const fields = bcpLayout(table.columns);
      if (typeof fields === 'string') throw new Error(fields);
      const files: Buffer[] = [];
      for (const entry of parts.get(dataFolder(table)) ?? []) {
        const chunks: Buffer[] = [];
        for await (const chunk of archive.chunks(entry)) chunks.push(chunk);
        files.push(Buffer.concat(chunks));
      }
      tables.push({ name: table.name, fields, files });
    }
    return tables;
  } finally {
    archive.close();
  }
}

function countRows(fields: ConstructorParameters<typeof BcpRowWalker>[0], data: Buffer, chunkSize: number): number {
  const walker = new BcpRowWalker(fields);
  for (let at = 0; at < data.length; at += chunkSize) walker.push(data.subarray(at, at + chunkSize));
  walker.end();
  return walker.rows;
}

describe('BcpRowWalker', () => {
  it('counts the same rows whatever the chunk boundaries (1, 3 and 7 bytes, whole file)', async () => {
    const tables = await realTables(fixtures.started.file);
    for (const chunkSize of [1, 3, 7, 1 << 20]) {
      let total = 0;
      for (const table of tables) for (const data of table.files) total += countRows(table.fields, data, chunkSize);
      expect(total, `chunks of ${chunkSize}`).toBe(fixtures.started.rows);
    }
  });

  it('refuses a length that the column type cannot have, naming row and column', async () => {
    const tables = await realTables(fixtures.food.file);
    const carts = tables.find((t) => t.name === '[dbo].[carts]');
    const data = Buffer.from(carts!.files[0]!);
    data[4] = 0x07; // the nullable int userId of row 1 claims 7 bytes
    expect(() => countRows(carts!.fields, data, 64)).toThrow(BcpFormatError);
    expect(() => countRows(carts!.fields, data, 64)).toThrow(/^row 1, column userId \(int\): a value of 7 bytes is impossible at byte 4/);
  });

  it('refuses data that ends inside a row', async () => {
    const tables = await realTables(fixtures.food.file);
    const items = tables.find((t) => t.name === '[dbo].[items]');
    const data = items!.files[0]!;
    expect(() => countRows(items!.fields, data.subarray(0, data.length - 1), 5)).toThrow(/^the data ends inside row 14 \(column cartId\)/);
  });
});
