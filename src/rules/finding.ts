/** A problem found in the payload before anything is sent. Codes are stable; see docs/plan.md "Findings". */
export type FindingCode =
  | 'BACPAC_NAME'
  /** A folder in the migration folder that is almost `storage/` (`Storage/`, `storage /`). */
  | 'STORAGE_NAME'
  | 'BACPAC_INVALID'
  | 'NOT_LOWERCASE'
  | 'CASE_COLLISION'
  /** A storage name not in Unicode NFC (an error unless --nfc normalises it). */
  | 'NOT_NFC'
  /** Thumbs.db, desktop.ini, .DS_Store, ._*: left out unless --include-system-files. */
  | 'SYSTEM_FILE'
  | 'CONTAINER_NAME'
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
  /** rehearse: the bacpac has no Xperience version, so the version check could not run. */
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
