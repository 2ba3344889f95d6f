import { open } from 'node:fs/promises';
import { runCheapChecks } from './cheap-checks.js';
import { ArchiveError, BacpacArchive } from './zip.js';

export interface BacpacQuickCheck {
  ok: boolean;
  /** Each problem: one sentence naming what is wrong and the fix. */
  problems: string[];
}

/**
 * The cheap checks `plan` and `upload` run before sending a bacpac: a readable zip (ZIP64 included,
 * never read whole), the required parts, data present, and model.xml's SHA-256 equal to Origin.xml's checksum.
 * Warnings are not problems. Aborting rejects with the signal's reason.
 */
export async function quickCheckBacpac(file: string, options: { signal?: AbortSignal } = {}): Promise<BacpacQuickCheck> {
  let archive: BacpacArchive;
  try {
    archive = await BacpacArchive.open(file, options);
  } catch (error) {
    if (error instanceof ArchiveError) return { ok: false, problems: [error.message] };
    throw error;
  }
  try {
    const { issues } = await runCheapChecks(archive, options);
    const problems = issues.filter((issue) => issue.code !== 'BACPAC_WARNING').map((issue) => issue.message);
    return { ok: problems.length === 0, problems };
  } finally {
    archive.close();
  }
}

/**
 * Whether a file is a readable BACPAC, cheaply: a zip signature, then the zip's directory holding model.xml and
 * Origin.xml. Nothing is decompressed; any failure (not a zip, damaged, unreadable) is a no.
 */
export async function looksLikeBacpac(file: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return false;
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead < 4 || head.readUInt32LE(0) !== ZIP_LOCAL_HEADER) return false;
  } finally {
    await handle.close();
  }
  let archive: BacpacArchive;
  try {
    archive = await BacpacArchive.open(file, options);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return false;
  }
  try {
    return archive.entry('model.xml') !== undefined && archive.entry('Origin.xml') !== undefined;
  } finally {
    archive.close();
  }
}

/** `PK\x03\x04`, the first bytes of a zip holding at least one file. */
const ZIP_LOCAL_HEADER = 0x04034b50;
