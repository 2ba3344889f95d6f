/** The remote side of resume and verify: every blob of a container with its size and Content-MD5. */
import type { ContainerClient } from '@azure/storage-blob';

export interface RemoteBlob {
  name: string;
  size: number;
  /** Base64 Content-MD5 as stored on the blob; null when the blob has none. */
  md5: string | null;
}

export interface ListOptions {
  signal?: AbortSignal;
  prefix?: string;
}

/** Lists a container into a map by blob name (one request per 5,000 blobs). */
export async function listRemoteBlobs(container: ContainerClient, options: ListOptions = {}): Promise<Map<string, RemoteBlob>> {
  const blobs = new Map<string, RemoteBlob>();
  const pages = container.listBlobsFlat({ abortSignal: options.signal, prefix: options.prefix }).byPage({ maxPageSize: 5000 });
  for await (const page of pages) {
    for (const item of page.segment.blobItems) {
      const md5 = item.properties.contentMD5;
      blobs.set(item.name, {
        name: item.name,
        size: item.properties.contentLength ?? 0,
        md5: md5 && md5.length > 0 ? Buffer.from(md5).toString('base64') : null,
      });
    }
  }
  return blobs;
}
