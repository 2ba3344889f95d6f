/**
 * What the emulator's "Restore to environment" does, over real Azurite containers: first check what the
 * real restore is documented to need (a `db.bacpac`, lowercase storage names in per-container folders,
 * the same Xperience version as the environment), then replace the environment's database and delete and
 * recreate its storage containers from the uploaded folders with server-side copies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import pLimit from 'p-limit';
import { KxpError } from '../../errors.js';
import { blobNameProblem, containerNameProblem, DATABASE_BLOB_NAME, hasUppercase } from '../../rules/names.js';

/** Reads the Xperience version of a bacpac file; null when it cannot tell. */
export type BacpacVersionReader = (file: string, options: { signal?: AbortSignal }) => Promise<string | null>;

export interface RestoreSource {
  /** The session's database container (account-key client). */
  database: ContainerClient;
  /** The session's storage container (account-key client). */
  storage: ContainerClient;
  /** A read-only URL of a blob, for the server-side copy. */
  copySourceUrl(container: ContainerClient, blobName: string): string;
}

export interface RestoreTarget {
  /** Where the environment keeps its database (`db.bacpac` with its version in metadata). */
  database: ContainerClient;
  /** The environment's storage account: one container per uploaded top-level folder. */
  storage: BlobServiceClient;
  version: string;
  name: string;
}

export interface ValidatedSource {
  databaseVersion: string | null;
  /** Storage blob names of the session container, grouped by target container. */
  containers: Map<string, string[]>;
}

const EXAMPLES = 3;
/** Server-side copies in flight at once. */
const COPY_CONCURRENCY = 16;

function examples(names: readonly string[]): string {
  const shown = names.slice(0, EXAMPLES).join(', ');
  return names.length > EXAMPLES ? `${shown} and ${names.length - EXAMPLES} more` : shown;
}

async function listNames(container: ContainerClient, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ abortSignal: signal })) names.push(blob.name);
  return names;
}

/** Checks the uploaded data as the real restore does; throws RESTORE_FAILED / VERSION_MISMATCH with the reason. */
export async function validateRestoreSource(
  source: RestoreSource,
  target: RestoreTarget,
  readVersion: BacpacVersionReader,
  signal?: AbortSignal,
): Promise<ValidatedSource> {
  const databaseNames = await listNames(source.database, signal);
  if (!databaseNames.includes(DATABASE_BLOB_NAME)) {
    const found = databaseNames.length ? ` It holds: ${examples(databaseNames)}.` : ' It is empty.';
    throw new KxpError('RESTORE_FAILED', `The database container has no blob named ${DATABASE_BLOB_NAME}.${found}`, {
      hint: `Upload the database export as exactly "${DATABASE_BLOB_NAME}" (kxp-restore upload names it so), then restore again.`,
    });
  }

  const containers = new Map<string, string[]>();
  const uppercase: string[] = [];
  const outside: string[] = [];
  const badContainer: string[] = [];
  const badName: string[] = [];
  for (const name of await listNames(source.storage, signal)) {
    if (hasUppercase(name)) uppercase.push(name);
    const slash = name.indexOf('/');
    if (slash < 0) {
      outside.push(name);
      continue;
    }
    const container = name.slice(0, slash);
    const problem = containerNameProblem(container.toLowerCase());
    if (problem) badContainer.push(`${name} (folder "${container}" ${problem})`);
    else if (blobNameProblem(name.slice(slash + 1))) badName.push(name);
    const list = containers.get(container) ?? [];
    list.push(name);
    containers.set(container, list);
  }
  const problems: string[] = [];
  if (uppercase.length) problems.push(`${uppercase.length} storage name(s) contain uppercase letters, e.g. ${examples(uppercase)}; names must be fully lowercase`);
  if (outside.length) problems.push(`${outside.length} storage file(s) are not inside a container folder, e.g. ${examples(outside)}; put them under <container>/ (default/assets/… for the default mapping)`);
  if (badContainer.length) problems.push(`top-level folders must be valid container names: ${examples(badContainer)}`);
  if (badName.length) problems.push(`${badName.length} blob name(s) are invalid, e.g. ${examples(badName)}`);
  if (problems.length) {
    throw new KxpError('RESTORE_FAILED', `The storage container does not have the required shape: ${problems.join('; ')}.`, {
      hint: 'Fix the names in the migration folder (or upload with --lowercase), upload again into a new session, then restore.',
    });
  }

  const databaseVersion = await readUploadedVersion(source.database, readVersion, signal);
  if (databaseVersion !== null && databaseVersion !== target.version) {
    throw new KxpError('VERSION_MISMATCH', `The uploaded database is Xperience version ${databaseVersion} but the ${target.name} environment runs ${target.version}; the restore would fail, so it was not started.`, {
      hint: `Export the database from a site on ${target.version} (or upgrade the environment to ${databaseVersion} first with a deployment package), upload it, and restore again.`,
    });
  }
  return { databaseVersion, containers };
}

async function readUploadedVersion(database: ContainerClient, readVersion: BacpacVersionReader, signal?: AbortSignal): Promise<string | null> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kxp-emulator-restore-'));
  try {
    const file = path.join(dir, DATABASE_BLOB_NAME);
    await database.getBlobClient(DATABASE_BLOB_NAME).downloadToFile(file, 0, undefined, { abortSignal: signal });
    return await readVersion(file, { signal });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Replaces the environment's database and storage. Reports progress through `onStep`. */
export async function applyRestore(
  source: RestoreSource,
  target: RestoreTarget,
  validated: ValidatedSource,
  onStep: (step: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  onStep('replacing the database');
  await target.database.createIfNotExists({ abortSignal: signal });
  const database = target.database.getBlobClient(DATABASE_BLOB_NAME);
  await copyBlob(database, source.copySourceUrl(source.database, DATABASE_BLOB_NAME), signal);
  await database.setMetadata({ xperienceversion: validated.databaseVersion ?? target.version }, { abortSignal: signal });

  onStep('deleting the storage containers');
  for await (const container of target.storage.listContainers({ abortSignal: signal })) {
    await target.storage.deleteContainer(container.name, { abortSignal: signal });
  }

  const total = [...validated.containers.values()].reduce((sum, names) => sum + names.length, 0);
  let copied = 0;
  onStep(`copying storage: 0/${total} blobs`);
  const limit = pLimit(COPY_CONCURRENCY);
  for (const [containerName, names] of validated.containers) {
    const container = target.storage.getContainerClient(containerName);
    await container.create({ abortSignal: signal });
    await Promise.all(
      names.map((name) =>
        limit(async () => {
          const blob = container.getBlobClient(name.slice(containerName.length + 1));
          await copyBlob(blob, source.copySourceUrl(source.storage, name), signal);
          copied++;
          onStep(`copying storage: ${copied}/${total} blobs`);
        }),
      ),
    );
  }
}

async function copyBlob(target: ReturnType<ContainerClient['getBlobClient']>, sourceUrl: string, signal?: AbortSignal): Promise<void> {
  const poller = await target.beginCopyFromURL(sourceUrl, { abortSignal: signal, intervalInMs: 200 });
  const result = await poller.pollUntilDone();
  if (result.copyStatus !== 'success') {
    throw new KxpError('RESTORE_FAILED', `Copying ${target.name} ended with status ${result.copyStatus ?? 'unknown'}.`);
  }
}
