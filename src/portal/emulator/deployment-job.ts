/**
 * What the emulator's deployment does with a package's `$StorageAssets/<container>/<path>` files: each
 * goes into the environment's container of that name, by the package's deployment mode: `Create` adds
 * new files and never overwrites one already there, `CreateUpdate` overwrites (seed, "-StorageAssetsDeploymentMode").
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import { STORAGE_ASSETS_DIRECTORY, type DeploymentMode } from '../../package/metadata.js';
import { PackageArchive } from '../../package/zip.js';

export interface StorageAssetsOutcome {
  added: number;
  overwritten: number;
  /** Already in the environment and left as they were (Create mode). */
  kept: number;
}

export async function deployStorageAssets(file: string, storage: BlobServiceClient, mode: DeploymentMode, signal?: AbortSignal): Promise<StorageAssetsOutcome> {
  const outcome: StorageAssetsOutcome = { added: 0, overwritten: 0, kept: 0 };
  const prefix = `${STORAGE_ASSETS_DIRECTORY}/`;
  const archive = await PackageArchive.open(file, { signal });
  const created = new Set<string>();
  try {
    for await (const entry of archive.entries(signal)) {
      if (entry.isDirectory || !entry.name.startsWith(prefix)) continue;
      const storagePath = entry.name.slice(prefix.length);
      const slash = storagePath.indexOf('/');
      const containerName = storagePath.slice(0, slash);
      const container = storage.getContainerClient(containerName);
      if (!created.has(containerName)) {
        await container.createIfNotExists({ abortSignal: signal });
        created.add(containerName);
      }
      const blob = container.getBlockBlobClient(storagePath.slice(slash + 1));
      const exists = await blob.exists({ abortSignal: signal });
      if (exists && mode === 'Create') {
        outcome.kept++;
        continue;
      }
      await blob.uploadStream(await archive.openStream(entry), undefined, undefined, { abortSignal: signal });
      if (exists) outcome.overwritten++;
      else outcome.added++;
    }
  } finally {
    archive.close();
  }
  return outcome;
}
