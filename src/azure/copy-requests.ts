/**
 * Copy requests the SDK's public methods cannot make with a source condition. Put Block From URL takes
 * `x-ms-source-if-match` (REST API, and the SDK's generated operation under BlockBlobClient), but
 * BlockBlobClient.stageBlockFromURL passes no source conditions on; a range staged without one may come from a
 * newer version of the source than the other ranges (a torn blob). So the generated operation is called here.
 */
import type { BlockBlobClient } from '@azure/storage-blob';
import { KxpError } from '../errors.js';

interface GeneratedBlockBlob {
  stageBlockFromURL(
    blockId: string,
    contentLength: number,
    sourceUrl: string,
    options: { abortSignal?: AbortSignal; sourceRange?: string; sourceModifiedAccessConditions?: { sourceIfMatch?: string } },
  ): Promise<unknown>;
}

/** Put Block From URL of `count` bytes at `offset`, only while the source's ETag is still `etag`. */
export async function stageBlockFromUrlIfMatch(blob: BlockBlobClient, blockId: string, sourceUrl: string, range: { offset: number; count: number }, etag: string, signal?: AbortSignal): Promise<void> {
  // A private field of the SDK (checked: a test stages ranges of a source that changes, and fails without the condition).
  const generated = (blob as unknown as { blockBlobContext?: GeneratedBlockBlob }).blockBlobContext;
  if (typeof generated?.stageBlockFromURL !== 'function') {
    throw new KxpError('INTERNAL', 'This version of @azure/storage-blob has no generated Put Block From URL operation to send a source condition with.');
  }
  await generated.stageBlockFromURL(blockId, 0, sourceUrl, {
    abortSignal: signal,
    sourceRange: `bytes=${range.offset}-${range.offset + range.count - 1}`,
    sourceModifiedAccessConditions: { sourceIfMatch: etag },
  });
}
