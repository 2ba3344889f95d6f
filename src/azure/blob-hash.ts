/** A blob's bytes, downloaded and hashed as a stream: what proves its content, whatever its Content-MD5 says. */
import { createHash } from 'node:crypto';
import type { BlobClient } from '@azure/storage-blob';

/** Base64 MD5 of the blob's bytes. One attempt: callers retry it whole through their pacer. */
export async function md5OfBlobBytes(blob: BlobClient, signal: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  const response = await blob.download(0, undefined, { abortSignal: signal });
  for await (const chunk of response.readableStreamBody ?? []) hash.update(chunk as Buffer);
  return hash.digest('base64');
}
