/**
 * The storage rules of the custom restore and of a deployment package's `$StorageAssets`, for one file
 * named by its storage path `<container>/<path…>` (forward slashes): the same name rules `plan` applies
 * folder by folder (rules/names.ts), for sources that hand over whole paths (a zip's directory).
 */
import { error, type Finding } from './finding.js';
import { blobNameLimitsProblem, collisionKey, containerNameProblem, hasUppercase, lowercaseName, segmentProblem } from './names.js';

/** Findings for one storage file; `shown` is how the user sees it (e.g. `$StorageAssets/default/a.png` in a zip). */
export function storagePathFindings(storagePath: string, shown: string): Finding[] {
  const slash = storagePath.indexOf('/');
  if (slash < 0) {
    return [error('OUTSIDE_CONTAINER', shown, `Files must sit inside a container folder (<container>/…); move ${storagePath} into one, for example default/${storagePath}.`)];
  }
  const findings: Finding[] = [];
  const container = storagePath.slice(0, slash);
  const containerProblem = containerNameProblem(container.toLowerCase());
  if (containerProblem) {
    findings.push(error('CONTAINER_NAME', shown, `"${container}" is not a valid container name: it ${containerProblem}. Each top-level storage folder becomes a storage container; rename it to the container name of your Blob storage mapping (for example "default").`));
  }
  if (hasUppercase(storagePath)) {
    findings.push(error('NOT_LOWERCASE', shown, `"${storagePath}" has uppercase letters; every storage name must be lowercase. Rename it to "${lowercaseName(storagePath)}".`));
  }
  const blobName = storagePath.slice(slash + 1);
  const limits = blobNameLimitsProblem(blobName);
  if (limits) findings.push(error('BLOB_NAME', shown, `The blob name "${blobName}" ${limits}. Shorten the path.`));
  for (const segment of blobName.split('/')) {
    const problem = segment === '' ? 'is empty ("//" in the path)' : segmentProblem(segment);
    if (problem) {
      findings.push(error('BLOB_NAME', shown, `The path segment "${segment}" ${problem}; it cannot be part of a blob name. Rename it.`));
      break;
    }
  }
  return findings;
}

/** Finds storage paths that become the same name once lowercased; remembers one name per lowercased form. */
export class CaseCollisions {
  private readonly seen = new Map<string, string>();

  /** A CASE_COLLISION finding when `storagePath` meets an earlier path, else null. */
  add(storagePath: string, shown: (storagePath: string) => string): Finding | null {
    const key = collisionKey(storagePath);
    const earlier = this.seen.get(key);
    if (earlier === undefined) {
      this.seen.set(key, storagePath);
      return null;
    }
    return error('CASE_COLLISION', shown(storagePath), `${shown(earlier)} and ${shown(storagePath)} become the same name once lowercased, so one would overwrite the other. Rename or remove one of them.`);
  }
}
