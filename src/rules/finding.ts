/** A problem found in the payload before anything is sent. Codes are stable; see docs/plan.md "Findings". */
export type FindingCode =
  | 'BACPAC_NAME'
  /** A folder in the migration folder that is almost `storage/` (`Storage/`, `storage /`). */
  | 'STORAGE_NAME'
  /**
   * An entry where the payload's shape has no place for it: at the top of a migration folder anything but
   * db.bacpac, storage/, the state folder and OS clutter; a first-level storage folder named like a path prefix
   * (`assets`); `--storage` one level too deep. Named with what it looks like and the fix (rename, --bacpac/--storage, --ignore).
   */
  | 'UNEXPECTED_ENTRY'
  /** The payload lacks db.bacpac or every storage file, and the user did not say so (--database-only, --storage-only, or naming only one part). */
  | 'MISSING_PART'
  | 'BACPAC_INVALID'
  /** The database's Xperience version is one the SaaS can never take: Kentico 13 or older, or below 30.1.0. */
  | 'BACPAC_VERSION'
  | 'NOT_LOWERCASE'
  | 'CASE_COLLISION'
  /** A storage name not in Unicode NFC (an error unless --nfc normalises it). */
  | 'NOT_NFC'
  /** Thumbs.db, desktop.ini, .DS_Store, ._*: left out unless --include-system-files. */
  | 'SYSTEM_FILE'
  | 'CONTAINER_NAME'
  /** kxp-restore's own state folder (.kxp-restore) at the top of a storage folder: never uploaded, never a container. */
  | 'STATE_FOLDER'
  | 'OUTSIDE_CONTAINER'
  | 'BLOB_NAME'
  | 'SYMLINK'
  | 'UNREADABLE'
  | 'EMPTY'
  | 'EMPTY_FOLDER'
  | 'IGNORED'
  | 'STORAGE_LIMIT'
  | 'SPECIAL_FILE'
  /** A remote source blob that no --map prefix covers: skipped, counted, with examples. */
  | 'UNMAPPED'
  /** A --map whose source prefix starts no blob of any --storage-from (often the case differs). */
  | 'MAP_UNMATCHED'
  /** The bacpac is not an Xperience database (no CMSDBVersion), so its version cannot be compared with anything. */
  | 'NOT_XPERIENCE'
  // deployment package (`package check`, `--package`)
  | 'PACKAGE_SIZE'
  | 'PACKAGE_METADATA'
  | 'PACKAGE_ASSEMBLY'
  | 'PACKAGE_CD_REPOSITORY'
  | 'PACKAGE_VERSION'
  /** The bacpac's CMSDBVersion differs from the package's Xperience version. */
  | 'VERSION_MISMATCH'
  /** Storage layout (src/rules/layout.ts): a top-level folder that is no container of the layout. */
  | 'UNMAPPED_CONTAINER'
  /** Storage layout: a file inside a container but outside every path prefix that container serves. */
  | 'UNMAPPED_PATH'
  /** Storage layout: a file under a path the project excludes from the containers (ExcludeAzureStoragePath). */
  | 'EXCLUDED_PATH'
  /** Storage layout: a container of the layout with no files; the restore recreates it empty. */
  | 'EMPTY_CONTAINER'
  /** --project: two different files would become the same blob. */
  | 'DUPLICATE_BLOB';

export type Severity = 'error' | 'warning';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** The file or folder concerned, as the user would type it (relative to the migration folder when possible). */
  path: string;
  /** What is wrong and how to fix it, in one or two sentences. */
  message: string;
}

export function error(code: FindingCode, path: string, message: string): Finding {
  return { code, severity: 'error', path, message };
}

export function warning(code: FindingCode, path: string, message: string): Finding {
  return { code, severity: 'warning', path, message };
}

/** How many findings of one code a report keeps; past it they are only counted (a million-file payload can hold a million). */
export const KEPT_PER_CODE = 100;

/** Findings of one code past the first KEPT_PER_CODE: counted, not kept. */
export interface OmittedFindings {
  code: FindingCode;
  severity: Severity;
  count: number;
}

/** Keeps the first KEPT_PER_CODE findings of each code and severity, and counts all of them. */
export class FindingTally {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  errorCount = 0;
  warningCount = 0;
  private readonly perCode = new Map<string, OmittedFindings>();

  constructor(private readonly keptPerCode = KEPT_PER_CODE) {}

  /** Counts the finding and keeps it if fewer than the cap of its code are kept; says whether it was kept. */
  add(finding: Finding): boolean {
    const key = `${finding.severity} ${finding.code}`;
    let seen = this.perCode.get(key);
    if (!seen) this.perCode.set(key, (seen = { code: finding.code, severity: finding.severity, count: 0 }));
    seen.count++;
    if (finding.severity === 'error') this.errorCount++;
    else this.warningCount++;
    if (seen.count > this.keptPerCode) return false;
    (finding.severity === 'error' ? this.errors : this.warnings).push(finding);
    return true;
  }

  /** Per code and severity, how many findings were counted but not kept. */
  omitted(): OmittedFindings[] {
    return [...this.perCode.values()].filter((seen) => seen.count > this.keptPerCode).map((seen) => ({ ...seen, count: seen.count - this.keptPerCode }));
  }
}
