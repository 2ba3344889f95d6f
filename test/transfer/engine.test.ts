import { unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import type { PayloadFile } from '../../src/source/types.js';
import { runTransfer, type TransferItem } from '../../src/transfer/engine.js';
import { SyncReads } from '../../src/transfer/source-file.js';
import type { TransferEvent } from '../../src/transfer/events.js';
import { openTarget } from '../../src/operations/destinations/targets.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs } from '../support/tree.js';

/** A file as a scan saw it (device and inode from lstat when it exists), with the size the scan found. */
const payloadFile = async (dir: string, name: string, size: number): Promise<PayloadFile> => {
  const stats = await lstat(path.join(dir, name)).catch(() => null);
  return {
    kind: 'storage',
    absolutePath: path.join(dir, name),
    displayPath: name,
    sourceName: `default/${name}`,
    blobName: `default/${name}`,
    container: 'default',
    size,
    mtimeMs: 0,
    dev: stats?.dev ?? 0,
    ino: stats?.ino ?? 0,
  };
};

describe('runTransfer', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('reports a file that vanished or grew since the scan as failed, and still sends the others', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'kept.txt'), 'kept');
    await writeFile(path.join(dir, 'grew.txt'), 'grew a lot since the scan');
    const target = await openTarget(parseContainerSasUrl(await storage.containerSasUrl('engine'), 'storage SAS URL'), { stateDir: path.join(dir, 'state') });
    const files = await Promise.all([payloadFile(dir, 'kept.txt', 4), payloadFile(dir, 'gone.txt', 10), payloadFile(dir, 'grew.txt', 4)]);
    const items: TransferItem[] = files.map((file) => ({ file, target }));
    const events: TransferEvent[] = [];
    try {
      const result = await runTransfer(items, { totals: { files: 3, bytes: 18 }, largestFile: 10, concurrency: 1, onEvent: (event) => events.push(event) });
      expect(result.progress).toMatchObject({ filesUploaded: 1, filesFailed: 2, bytesSent: 4 });
      expect(result.errors.map((error) => [error.code, error.path])).toEqual([
        ['SOURCE_CHANGED', 'gone.txt'],
        ['SOURCE_CHANGED', 'grew.txt'],
      ]);
      expect(events.filter((event) => event.type === 'file-done').map((event) => event.type === 'file-done' && event.outcome)).toEqual(['uploaded', 'failed', 'failed']);
    } finally {
      await target.journal.close();
    }
  });

  it('names a large file deleted while its blocks were being sent as SOURCE_CHANGED, not an internal error', async () => {
    const dir = await tempDir();
    const blockSize = 64 * 1024;
    await writeFile(path.join(dir, 'big.bin'), Buffer.alloc(3 * blockSize, 7));
    const target = await openTarget(parseContainerSasUrl(await storage.containerSasUrl('engine-deleted'), 'storage SAS URL'), { stateDir: path.join(dir, 'state') });
    let deleted = false;
    try {
      const result = await runTransfer([{ file: await payloadFile(dir, 'big.bin', 3 * blockSize), target }], {
        totals: { files: 1, bytes: 3 * blockSize },
        largestFile: 3 * blockSize,
        blockSize,
        concurrency: 1,
        onEvent: (event) => {
          // The first block is on its way: the file goes away under the run (its open handle still reads).
          if (event.type === 'file-progress' && !deleted) {
            deleted = true;
            unlinkSync(path.join(dir, 'big.bin'));
          }
        },
      });
      expect(deleted).toBe(true);
      expect(result.errors.map((error) => [error.code, error.path, error.message])).toEqual([
        ['SOURCE_CHANGED', 'big.bin', 'The file was deleted or moved while it was being uploaded; nothing of this version was committed.'],
      ]);
      expect(await target.client.getBlobClient('default/big.bin').exists()).toBe(false);
    } finally {
      await target.journal.close();
    }
  });

  it('stops everything with the reason when the payload cannot be walked further', async () => {
    const dir = await tempDir();
    const target = await openTarget(parseContainerSasUrl(await storage.containerSasUrl('engine-walk'), 'storage SAS URL'), { stateDir: path.join(dir, 'state') });
    async function* broken(): AsyncGenerator<TransferItem> {
      yield* [];
      throw new Error('folder vanished');
    }
    try {
      await expect(runTransfer(broken(), { totals: { files: 1, bytes: 1 }, largestFile: 1 })).rejects.toMatchObject({ code: 'INTERNAL', message: 'folder vanished' });
    } finally {
      await target.journal.close();
    }
  });

  it('a small file rewritten between its open and its read (same size) is not uploaded: the single Put checks it is unchanged after reading', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'note.txt'), 'first version');
    const target = await openTarget(parseContainerSasUrl(await storage.containerSasUrl('engine-single-put'), 'storage SAS URL'), { stateDir: path.join(dir, 'state') });
    try {
      const file = await payloadFile(dir, 'note.txt', 13);
      const result = await runTransfer([{ file, target }], {
        totals: { files: 1, bytes: 13 },
        largestFile: 13,
        concurrency: 1,
        // The asynchronous path (a synchronous read leaves no moment between the open and the read to write in).
        syncReads: new SyncReads({ maxBytes: 0 }),
        // file-start comes after the file was opened and checked, before its bytes are read: rewrite it there.
        onEvent: (event) => {
          if (event.type !== 'file-start') return;
          writeFileSync(file.absolutePath, 'other version');
          utimesSync(file.absolutePath, new Date(), new Date(Date.now() + 5000));
        },
      });
      expect(result.errors.map((error) => [error.code, error.message])).toEqual([['SOURCE_CHANGED', expect.stringContaining('changed while it was being uploaded')]]);
      expect(await target.client.getBlobClient('default/note.txt').exists()).toBe(false);
    } finally {
      await target.journal.close();
    }
  });

  it('reads small files synchronously while that is fast; after a slow read the next files take the asynchronous path, and every file arrives whole', async () => {
    const dir = await tempDir();
    const names = Array.from({ length: 6 }, (_, i) => `f${i}.txt`);
    await Promise.all(names.map((name, i) => writeFile(path.join(dir, name), `file ${i} `.repeat(i + 1))));
    const target = await openTarget(parseContainerSasUrl(await storage.containerSasUrl('engine-sync-reads'), 'storage SAS URL'), { stateDir: path.join(dir, 'state') });
    // The first read is timed as slow (10 ms on this clock), the others as fast.
    let ticks = 0;
    const syncReads = new SyncReads({ cooldownCalls: 3, now: () => (++ticks === 1 ? 0 : 10) });
    try {
      const files = await Promise.all(names.map(async (name) => payloadFile(dir, name, (await lstat(path.join(dir, name))).size)));
      const bytes = files.reduce((sum, file) => sum + file.size, 0);
      const result = await runTransfer(
        files.map((file) => ({ file, target })),
        { totals: { files: files.length, bytes }, largestFile: Math.max(...files.map((file) => file.size)), concurrency: 1, syncReads },
      );
      expect(result.errors).toEqual([]);
      expect(result.progress).toMatchObject({ filesUploaded: 6, bytesSent: bytes });
      // f0 read synchronously (slow), f1-f3 opened asynchronously, f4 and f5 synchronously again.
      expect(syncReads.counts).toEqual({ sync: 3, slow: 1 });
      for (const [i, name] of names.entries()) {
        const blob = target.client.getBlobClient(`default/${name}`);
        expect((await blob.downloadToBuffer()).toString()).toBe(`file ${i} `.repeat(i + 1));
      }
    } finally {
      await target.journal.close();
    }
  });
});
