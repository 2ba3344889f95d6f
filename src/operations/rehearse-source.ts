/**
 * `rehearse --storage-from`: the source containers held inside the rehearsal's own Azurite. Azurite copies blob
 * to blob only between accounts of one instance (DESIGN.md fact 9; a source on another instance or in Azure is
 * "not found"), so rehearse starts its Azurite with one extra account per source account, named as the source's,
 * copies each source container (under its prefix) into it through this machine, and then uploads from that copy:
 * upload, verify and the environment check run the real server-side copy path within the emulator.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { createContainerSasUrl, AZURITE_ACCOUNT, type RunningAzurite } from '../azure/azurite.js';
import { parseRemoteSourceUrl } from '../azure/remote-source.js';
import { KxpError } from '../errors.js';
import { isStorageAccountName } from '../rules/names.js';
import type { PayloadSource } from '../source/types.js';
import { listBlobs, openContainerSources } from '../source/remote.js';
import { pagedSourceListing, type RemoteSourceOptions } from './remote.js';

export interface RehearsalAccount {
  name: string;
  key: string;
}

/** One account per distinct source account (parsed only: no request), to start the rehearsal's Azurite with. */
export function rehearsalSourceAccounts(source: PayloadSource, taken: readonly string[]): RehearsalAccount[] {
  const names = [...new Set((source.storageFrom ?? []).map((url) => parseRemoteSourceUrl(url).account))];
  for (const name of names) {
    if (name === AZURITE_ACCOUNT || taken.includes(name) || !isStorageAccountName(name)) {
      throw new KxpError('USAGE', `The --storage-from account "${name}" cannot be held in the rehearsal's emulator (its name is the emulator's own or not a storage account name).`, {
        hint: 'Rehearse with a source in an account of another name.',
      });
    }
  }
  return names.map((name) => ({ name, key: randomBytes(64).toString('base64') }));
}

export interface MirrorResult {
  /** The payload with every --storage-from pointing at its copy in the rehearsal's Azurite (read+list SAS). */
  source: PayloadSource;
  blobs: number;
  bytes: number;
}

/** Copies every blob the sources list (under their prefixes) into the rehearsal's accounts; names, bytes and Content-MD5 kept. */
export async function mirrorRemoteSources(source: PayloadSource, azurite: RunningAzurite, accounts: readonly RehearsalAccount[], options: RemoteSourceOptions = {}): Promise<MirrorResult> {
  const remotes = openContainerSources(source, options);
  if (remotes.length === 0) return { source, blobs: 0, bytes: 0 };
  const result = { blobs: 0, bytes: 0 };
  const urls: string[] = [];
  const base = azurite.blobEndpoint.slice(0, -AZURITE_ACCOUNT.length - 1);
  for (const { reader } of remotes) {
    const { account, container, prefix } = reader.source;
    const key = accounts.find((candidate) => candidate.name === account)?.key;
    if (key === undefined) throw new KxpError('INTERNAL', `No rehearsal account for ${account}.`);
    const endpoint = { blobEndpoint: `${base}/${account}`, credential: new StorageSharedKeyCredential(account, key) };
    const target = new ContainerClient(`${endpoint.blobEndpoint}/${container}`, endpoint.credential);
    await target.createIfNotExists({ abortSignal: options.signal });
    for await (const blob of listBlobs(reader, pagedSourceListing(options), options.signal)) {
      const downloaded = await reader.client.getBlobClient(blob.name).download(0, undefined, { abortSignal: options.signal });
      const body = downloaded.readableStreamBody;
      if (!body) throw new KxpError('INTERNAL', `No body for ${reader.source.label}/${blob.name}.`);
      const copy = target.getBlockBlobClient(blob.name);
      await copy.uploadStream(body as Readable, 4 * 1024 * 1024, 4, {
        abortSignal: options.signal,
        blobHTTPHeaders: { blobContentType: blob.contentType, blobContentMD5: blob.md5 === null ? undefined : Buffer.from(blob.md5, 'base64') },
      });
      result.blobs++;
      result.bytes += blob.size;
    }
    urls.push(createContainerSasUrl(endpoint, container, { permissions: 'rl' }).replace('?', `${prefix ? `/${prefix.split('/').map(encodeURIComponent).join('/')}` : ''}?`));
  }
  return { source: { ...source, storageFrom: urls }, ...result };
}
