/**
 * verify for a file that shards staged and `upload --finish` committed: no machine read it whole, so its
 * blob has no Content-MD5, only the MD5 of its block MD5s in metadata. Reading the local file in the same
 * blocks gives the same value exactly when every block holds the same bytes (up to MD5 collisions), which
 * is what the whole-file Content-MD5 proves for other blobs.
 */
import { md5AndCompositeOfHandle } from '../fs/file-hash.js';
import type { PayloadFile } from '../source/types.js';
import { COMPOSITE_BLOCK_SIZE_KEY, COMPOSITE_MD5_KEY } from '../transfer/finish-split.js';
import { paced, type RetryPolicy } from '../transfer/pacer.js';
import { assertUnchanged, openSourceFile } from '../transfer/source-file.js';
import type { OpenedTarget } from './destinations/types.js';

/** The blob's composite claim, or null when it has none (not committed by --finish). */
export async function compositeClaim(file: PayloadFile, target: OpenedTarget, options: { signal?: AbortSignal; retry?: Partial<RetryPolicy> }): Promise<{ md5: string; blockSize: number } | null> {
  const properties = await paced((signal) => target.client.getBlobClient(file.blobName).getProperties({ abortSignal: signal }), { signal: options.signal, policy: options.retry, where: file.displayPath });
  const md5 = properties.metadata?.[COMPOSITE_MD5_KEY];
  const blockSize = Number(properties.metadata?.[COMPOSITE_BLOCK_SIZE_KEY]);
  return md5 && Number.isInteger(blockSize) && blockSize > 0 ? { md5, blockSize } : null;
}

/** The local file's whole and composite MD5 in one read, from the very file the scan saw. */
export async function localComposite(file: PayloadFile, blockSize: number, signal?: AbortSignal): Promise<{ md5: string; composite: string }> {
  const source = await openSourceFile(file, 'verified');
  try {
    const sums = await md5AndCompositeOfHandle(source.handle, blockSize, signal);
    await assertUnchanged(source, file, 'verified');
    return sums;
  } finally {
    await source.handle.close();
  }
}
