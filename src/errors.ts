/**
 * The one error type of kxp-restore. Every failure the core reports carries a stable `code`
 * (for scripts and `--json`), the process exit status it maps to, and, where there is one,
 * the path it concerns and the fix.
 */

/**
 * Process exit statuses (DESIGN.md): 0 done, 1 failed, 2 invalid input (nothing sent), 3 stopped but resumable;
 * 130 (128 + SIGINT, the shell's convention) interrupted where there is nothing to resume.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalid: 2,
  resumable: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes. Add new ones here, never rename. */
export type ErrorCode =
  // usage and input
  | 'USAGE'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'UNREADABLE'
  | 'BACPAC_INVALID'
  /** A layout file that is not valid. */
  | 'LAYOUT_INVALID'
  /** A project's storage mapping code that kxp-restore cannot read with certainty. */
  | 'LAYOUT_UNREADABLE'
  /** The state folder (journal, lock) is on a full disk or over quota. */
  | 'STATE_DIR_FULL'
  /** The state folder cannot be written (permissions, read-only file system). */
  | 'STATE_DIR_UNWRITABLE'
  // SAS URLs and storage
  | 'SAS_INVALID'
  | 'SAS_EXPIRED'
  | 'SAS_PERMISSION'
  | 'SAS_INSECURE'
  | 'MIXED_DESTINATIONS'
  | 'ACCESS_DENIED'
  /** A remote source (--storage-from) refused to be listed or read: its SAS expired or was revoked, or the sign-in lacks a role. */
  | 'SOURCE_ACCESS_DENIED'
  /** A --storage-from URL without a SAS names a host that is not an Azure Storage endpoint: no Entra ID token is sent there. */
  | 'SOURCE_HOST_REFUSED'
  /** The session is past day 7: no SAS URL of it can write any more; a new session is needed. */
  | 'UPLOAD_WINDOW_CLOSED'
  /** Two containers swapped, or a URL that points at the other part of the session. */
  | 'WRONG_CONTAINER'
  /** Another run holds the lock of the same journal (account and container). */
  | 'LOCKED'
  | 'PROXY_REFUSED'
  | 'TLS_UNTRUSTED'
  | 'SOURCE_CHANGED'
  | 'TRANSFER_FAILED'
  | 'VERIFY_MISMATCH'
  | 'ABORTED'
  // portal and session
  | 'PORTAL_UNAUTHORIZED'
  | 'PORTAL_FORBIDDEN'
  | 'PORTAL_CONFLICT'
  | 'PORTAL_NOT_FOUND'
  | 'PORTAL_RULE'
  | 'PORTAL_UNAVAILABLE'
  | 'RESTORE_FAILED'
  | 'VERSION_MISMATCH'
  | 'NOT_CONFIRMED'
  // deployment package
  | 'PACKAGE_INVALID'
  | 'PACKAGE_TOO_LARGE'
  | 'DEPLOYMENT_FAILED'
  /** A SAS URL for a part the payload lacks, whose container holds blobs the restore would take. */
  | 'UNUSED_CONTAINER'
  // sharded uploads
  /** A manifest file that cannot be read. */
  | 'MANIFEST_INVALID'
  /** A file no longer matches the manifest a shard was given (size or fingerprint changed). */
  | 'MANIFEST_MISMATCH'
  /** `upload --finish` found a split file whose blocks are not all staged: a shard has not finished. */
  | 'SHARD_INCOMPLETE'
  | 'INTERNAL';

const defaultExit: Partial<Record<ErrorCode, ExitCode>> = {
  USAGE: ExitCode.invalid,
  VALIDATION_FAILED: ExitCode.invalid,
  NOT_FOUND: ExitCode.invalid,
  UNREADABLE: ExitCode.invalid,
  BACPAC_INVALID: ExitCode.invalid,
  LAYOUT_INVALID: ExitCode.invalid,
  LAYOUT_UNREADABLE: ExitCode.invalid,
  STATE_DIR_FULL: ExitCode.invalid,
  STATE_DIR_UNWRITABLE: ExitCode.invalid,
  SAS_INVALID: ExitCode.invalid,
  SAS_EXPIRED: ExitCode.invalid,
  SAS_PERMISSION: ExitCode.invalid,
  SAS_INSECURE: ExitCode.invalid,
  MIXED_DESTINATIONS: ExitCode.invalid,
  ACCESS_DENIED: ExitCode.resumable,
  SOURCE_ACCESS_DENIED: ExitCode.resumable,
  SOURCE_HOST_REFUSED: ExitCode.invalid,
  UPLOAD_WINDOW_CLOSED: ExitCode.invalid,
  WRONG_CONTAINER: ExitCode.invalid,
  LOCKED: ExitCode.invalid,
  ABORTED: ExitCode.resumable,
  VERSION_MISMATCH: ExitCode.invalid,
  NOT_CONFIRMED: ExitCode.invalid,
  PACKAGE_INVALID: ExitCode.invalid,
  PACKAGE_TOO_LARGE: ExitCode.invalid,
  UNUSED_CONTAINER: ExitCode.invalid,
  MANIFEST_INVALID: ExitCode.invalid,
  MANIFEST_MISMATCH: ExitCode.invalid,
  SHARD_INCOMPLETE: ExitCode.resumable,
};

export interface KxpErrorOptions {
  /** The file, blob or URL (redacted) the error concerns. */
  path?: string;
  /** What the user should do about it. Printed after the message. */
  hint?: string;
  /** Overrides the exit status implied by the code. */
  exitCode?: ExitCode;
  cause?: unknown;
}

export class KxpError extends Error {
  override readonly name = 'KxpError';
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly path: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: KxpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? defaultExit[code] ?? ExitCode.failed;
    this.path = options.path;
    this.hint = options.hint;
  }
}

export function isKxpError(value: unknown): value is KxpError {
  return value instanceof KxpError;
}

/** The shape of an error in every `--json` output and result object. */
export function errorJson(error: KxpError): { code: string; path: string | null; message: string } {
  return { code: error.code, path: error.path ?? null, message: error.hint ? `${error.message} ${error.hint}` : error.message };
}

/** Wraps anything thrown into a KxpError so the CLI has one shape to render. */
export function toKxpError(value: unknown): KxpError {
  if (value instanceof KxpError) return value;
  if (value instanceof Error && value.name === 'AbortError') {
    return new KxpError('ABORTED', 'Stopped before the work was finished.', { cause: value });
  }
  const message = value instanceof Error ? value.message : String(value);
  return new KxpError('INTERNAL', message, { cause: value });
}
