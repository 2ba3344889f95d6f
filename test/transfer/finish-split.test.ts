import { createHash, randomBytes } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import type { PayloadFile } from '../../src/source/types.js';
import { runTransfer } from '../../src/transfer/engine.js';
import { compositeMd5 } from '../../src/fs/file-hash.js';
import { COMPOSITE_MD5_KEY, finishSplit } from '../../src/transfer/finish-split.js';
import { openTarget } from '../../src/operations/destinations/targets.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs } from '../support/tree.js';

const blockSize = 64 * 1024;

async function bigFile(dir: string, size: number): Promise<{ file: PayloadFile; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const absolutePath = path.join(dir, 'db.bacpac');
  await writeFile(absolutePath, bytes);
  const stats = await lstat(absolutePath);
  const file: PayloadFile = { kind: 'bacpac', absolutePath, displayPath: 'db.bacpac', sourceName: 'db.bacpac', blobName: 'db.bacpac', container: null, size, mtimeMs: stats.mtimeMs, dev: stats.dev, ino: stats.ino };
  return { file, bytes };
}

describe('finishSplit', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('commits the runs of blocks two shards staged, in order, with the MD5 of the block MD5s; refuses while a run is missing', async () => {
    const dir = await tempDir();
    const size = 5 * blockSize + 1234;
    const { file, bytes } = await bigFile(dir, size);
    const sasUrl = await storage.containerSasUrl('finish-split');
    const shard = async (name: string, first: number, count: number) => {
      const target = await openTarget(parseContainerSasUrl(sasUrl, 'database SAS URL'), { stateDir: path.join(dir, name) });
      try {
        const result = await runTransfer([{ file, target, blocks: { first, count, blockSize } }], { totals: { files: 1, bytes: size }, largestFile: size, blockSize, concurrency: 2 });
        expect(result.errors).toEqual([]);
        return result;
      } finally {
        await target.journal.close();
      }
    };
    await shard('shard-0', 0, 3);
    const client = storage.azurite.serviceClient.getContainerClient('finish-split');
    const split = { blobName: 'db.bacpac', size, blockSize, displayPath: 'db.bacpac' };
    await expect(finishSplit(client, split)).rejects.toMatchObject({ code: 'SHARD_INCOMPLETE', exitCode: 3, message: expect.stringContaining('3 of 6 blocks are not staged yet (blocks 3–5)') });
    expect(await client.getBlobClient('db.bacpac').exists()).toBe(false);

    await shard('shard-1', 3, 3);
    const done = await finishSplit(client, split);
    const blockMd5s = Array.from({ length: 6 }, (_, i) => createHash('md5').update(bytes.subarray(i * blockSize, (i + 1) * blockSize)).digest());
    expect(done).toEqual({ outcome: 'committed', compositeMd5: compositeMd5(blockMd5s), blocks: 6 });
    expect(Buffer.compare(await client.getBlobClient('db.bacpac').downloadToBuffer(), bytes)).toBe(0);
    const properties = await client.getBlobClient('db.bacpac').getProperties();
    expect(properties.metadata?.[COMPOSITE_MD5_KEY]).toBe(done.compositeMd5);

    expect(await finishSplit(client, split)).toMatchObject({ outcome: 'already', compositeMd5: done.compositeMd5 });
    // A shard re-run after the finish finds its blocks in place and sends nothing.
    const again = await shard('shard-1-again', 3, 3);
    expect(again.progress.bytesSent).toBe(0);
  });
});
