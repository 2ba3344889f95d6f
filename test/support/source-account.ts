/**
 * A "source" storage account beside the restore account in one Azurite (AZURITE_ACCOUNTS), holding an
 * Xperience 13 shaped media library as many sites keep it in Azure Blob Storage: uppercase names, a blob
 * outside every mapping, another site whose names would collide once mapped and lowercased, and a 300 MiB
 * video committed from one staged 4 MiB block repeated (cheap to make, a real 300 MiB blob to the service).
 */
import { createHash, randomBytes } from 'node:crypto';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { createContainerSasUrl, type ContainerSasOptions } from '../../src/azure/azurite.js';

export const SOURCE_ACCOUNT = 'sourceacct';
export const SOURCE_KEY = randomBytes(64).toString('base64');
export const MiB = 1024 * 1024;
export const BIG_BLOB_BYTES = 300 * MiB;
/** The mapping for the site's media libraries kept as media libraries. */
export const MEDIA_MAP = 'MySite/media/=default/assets/media/';

export interface SourceAccount {
  endpoint: string;
  credential: StorageSharedKeyCredential;
  service: BlobServiceClient;
  /** A container SAS URL of the source account (read and list unless told). */
  sasUrl(container: string, options?: ContainerSasOptions): string;
}

export function sourceAccount(baseUrl: string): SourceAccount {
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/${SOURCE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(SOURCE_ACCOUNT, SOURCE_KEY);
  return {
    endpoint,
    credential,
    service: new BlobServiceClient(endpoint, credential),
    sasUrl: (container, options = {}) => createContainerSasUrl({ blobEndpoint: endpoint, credential }, container, { permissions: 'rl', ...options }),
  };
}

/** Source blob name → restore blob name (with MEDIA_MAP and --lowercase), for the blobs that are copied. */
export const COPIED: Record<string, string> = {
  'MySite/media/Docs/Price List.PDF': 'default/assets/media/docs/price list.pdf',
  'MySite/media/Images/Banner.jpg': 'default/assets/media/images/banner.jpg',
  'MySite/media/Images/Logo.PNG': 'default/assets/media/images/logo.png',
  'MySite/media/Videos/Intro.mp4': 'default/assets/media/videos/intro.mp4',
};
/** Outside every mapping: reported, skipped. */
export const UNMAPPED = ['OtherSite/media/Images/logo.png', 'readme.txt'];

/**
 * Fills the source container; returns the MD5 of each small blob (the video has none, as block uploads often
 * do). The video is 300 MiB, or with `videoBlocks` that many 4 MiB blocks (Azurite reads a whole blob to check a
 * copy source, so tests that only need a blob without MD5 keep it small).
 */
export async function fillXperienceMedia(container: ContainerClient, videoBlocks = BIG_BLOB_BYTES / (4 * MiB)): Promise<Record<string, string>> {
  await container.createIfNotExists();
  const md5s: Record<string, string> = {};
  const small: Record<string, Buffer> = {
    'MySite/media/Docs/Price List.PDF': randomBytes(70_000),
    'MySite/media/Images/Banner.jpg': randomBytes(120_000),
    'MySite/media/Images/Logo.PNG': randomBytes(5_000),
    'OtherSite/media/Images/logo.png': randomBytes(4_000),
    'readme.txt': Buffer.from('Media libraries of MySite.\n'),
  };
  for (const [name, body] of Object.entries(small)) {
    const md5 = createHash('md5').update(body).digest();
    await container.getBlockBlobClient(name).upload(body, body.length, { blobHTTPHeaders: { blobContentMD5: md5 } });
    md5s[name] = md5.toString('base64');
  }
  const big = container.getBlockBlobClient('MySite/media/Videos/Intro.mp4');
  const id = Buffer.from('block-000000').toString('base64');
  await big.stageBlock(id, randomBytes(4 * MiB), 4 * MiB);
  await big.commitBlockList(Array<string>(videoBlocks).fill(id), { blobHTTPHeaders: { blobContentType: 'video/mp4' } });
  return md5s;
}

/** Every blob of a container: name → size, Content-MD5 (base64 or null) and metadata. */
export async function blobsOf(container: ContainerClient): Promise<Record<string, { size: number; md5: string | null; metadata: Record<string, string> }>> {
  const found: Record<string, { size: number; md5: string | null; metadata: Record<string, string> }> = {};
  for await (const item of container.listBlobsFlat({ includeMetadata: true })) {
    const md5 = item.properties.contentMD5;
    found[item.name] = { size: item.properties.contentLength ?? 0, md5: md5 ? Buffer.from(md5).toString('base64') : null, metadata: item.metadata ?? {} };
  }
  return found;
}
