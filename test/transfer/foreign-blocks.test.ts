import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const MiB = 1024 * 1024;

describe('blocks another tool left uncommitted', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  /** A committed 5 MB blob, and another tool's upload of a new version that never committed. */
  async function committedWithForeignBlocks(container: string, foreignId: string) {
    const url = await storage.containerSasUrl(container);
    const blob = new ContainerClient(url).getBlockBlobClient('default/big.bin');
    const committed = randomBytes(5 * 1000 * 1000);
    await blob.uploadData(committed, { blockSize: MiB, maxSingleShotSize: MiB });
    await blob.stageBlock(Buffer.from(foreignId).toString('base64'), randomBytes(1000), 1000);
    return { url, blob, committed };
  }

  for (const [container, label, foreignId] of [
    ['foreign-short', 'IDs too short to carry an MD5', 'azcopy-0001'],
    ['foreign-long', 'IDs long enough for compact ones', 'other-tool-block-0000000000000000000001'],
  ] as const) {
    it(`keeps the committed blob whole when a later failure stops the new version (${label})`, async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'storage/default/big.bin');
      await writeTree(dir, { 'storage/default/big.bin': randomBytes(2 * MiB) });
      const { url, blob, committed } = await committedWithForeignBlocks(container, foreignId);

      // The file changes while it is being sent: the run fails before its Put Block List.
      let changed = false;
      const result = await uploadPayload({ dir, storageOnly: true }, {
        storageSasUrl: url,
        blockSizeMiB: 0.25,
        concurrency: 2,
        onEvent: (event: UploadEvent) => {
          if (event.type === 'file-progress' && !changed) {
            changed = true;
            appendFileSync(file, 'more');
          }
        },
      });
      expect(result.ok).toBe(false);
      expect(result.errors).toEqual([expect.objectContaining({ code: 'SOURCE_CHANGED' })]);
      expect(Buffer.from(await blob.downloadToBuffer()).equals(committed)).toBe(true);

      // The next run replaces it; its commit also discards the foreign blocks.
      const replacement = randomBytes(2 * MiB);
      await writeTree(dir, { 'storage/default/big.bin': replacement });
      expect(await uploadPayload({ dir, storageOnly: true }, { storageSasUrl: url, blockSizeMiB: 0.25 })).toMatchObject({ ok: true, files: { uploaded: 1 } });
      expect(Buffer.from(await blob.downloadToBuffer()).equals(replacement)).toBe(true);
      expect((await blob.getBlockList('uncommitted')).uncommittedBlocks ?? []).toEqual([]);
    });
  }
});
