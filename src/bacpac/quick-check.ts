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
