/**
 * What verify can prove about a blob copied from a remote source. First, that no server-side copy into it is
 * unfinished (pending, failed or aborted: its content is not the source's, whatever its properties say). Without
 * reading it: equal size, and equal Content-MD5 when both sides have one, else the source ETag the copy recorded
 * (the service copied exactly that version). A copy in blocks carries the MD5 kxp-restore committed, its own claim:
 * with --hash (or --deep) every copied blob is downloaded from the restore container and hashed here, and compared
 * with the source's Content-MD5, or where it has none with the source's bytes, downloaded too.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { asSourceFailure, type SourceName } from '../azure/errors.js';
import { etagDigest, type RemoteBlob } from '../azure/listing.js';
import type { RemoteFile } from '../source/types.js';
import { paced, type RetryPolicy } from '../transfer/pacer.js';

export interface CompareCopyOptions {
  source: ContainerClient;
  /** The source's name: a failure to read it is told as the source's (never the restore session's "Get access"). */
  sourceName?: SourceName;
  destination: ContainerClient;
  /** Read the bytes (--hash, --deep). */
  hash: boolean;
  /** Size of the blob, so a large download gets the time it needs. */
  bytes?: number;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
}

export async function compareCopy(file: Omit<RemoteFile, 'reader'>, remote: RemoteBlob, options: CompareCopyOptions): Promise<{ reason: string | null; hashed: boolean }> {
  if (remote.copyUnfinished) return { reason: 'the server-side copy into this blob has not finished (pending, failed or aborted); run upload again', hashed: false };
  if (remote.size !== file.size) return { reason: `size differs: source ${file.size} bytes, restore container ${remote.size} bytes`, hashed: false };
  if (options.hash) {
    const read = { ...options, bytes: file.size };
    const [source, destination] = await Promise.all([file.md5 ?? md5OfBlob(options.source, file.name, read, options.sourceName), md5OfBlob(options.destination, file.blobName, read)]);
    const whose = file.md5 === null ? 'MD5 of the source (downloaded)' : 'source Content-MD5';
    return { reason: source === destination ? null : `content differs: ${whose} ${source}, the restore blob's bytes hash to ${destination} (downloaded)`, hashed: true };
  }
  if (file.md5 !== null && remote.md5 !== null) {
    return { reason: file.md5 === remote.md5 ? null : `content differs: source Content-MD5 ${file.md5}, restore container ${remote.md5}`, hashed: false };
  }
  if (remote.sourceEtag === etagDigest(file.etag)) return { reason: null, hashed: false };
  return {
    reason:
      remote.sourceEtag === null
        ? 'cannot be proven: there is no Content-MD5 on both sides and no recorded source ETag (the blob was not copied by kxp-restore); run verify --hash to compare the bytes'
        : 'the source changed since it was copied (its ETag differs from the one recorded); run upload again',
    hashed: false,
  };
}

/** Downloads a blob and returns its base64 MD5; the bytes pass through this machine. */
async function md5OfBlob(container: ContainerClient, name: string, options: CompareCopyOptions, source?: SourceName): Promise<string> {
  return paced(
    async (signal) => {
      const response = await container
        .getBlobClient(name)
        .download(0, undefined, { abortSignal: signal })
        .catch((error: unknown) => {
          throw source ? asSourceFailure(error, source) : error;
        });
      const hash = createHash('md5');
      for await (const chunk of response.readableStreamBody as AsyncIterable<Buffer>) hash.update(chunk);
      return hash.digest('base64');
    },
    { signal: options.signal, policy: options.retry, where: name, bytes: options.bytes },
  );
}
