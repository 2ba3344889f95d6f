/**
 * What an Azure Storage failure means for the transfer: try again, stop the run (access), or give up
 * on this file. The one place that reads SDK error shapes.
 */
import { ExitCode, KxpError } from '../errors.js';
import { redactUrl } from './sas.js';

/** `permission`: the SAS is valid but does not grant what the request needs (new URLs of the same kind would not help). */
export type FailureKind = 'retry' | 'access' | 'permission' | 'proxy' | 'certificate' | 'fatal';

export interface Classified {
  kind: FailureKind;
  /** Short reason for retry events and messages: "HTTP 503 ServerBusy", "ECONNRESET", "timeout". */
  reason: string;
  status: number | undefined;
  /** Milliseconds the service asked us to wait (Retry-After), if it did. */
  retryAfterMs: number | undefined;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined } };
  details?: { errorCode?: string };
  request?: { method?: string };
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR', 'ERR_STREAM_PREMATURE_CLOSE', 'PARSE_ERROR',
]);

/** TLS failures of trust: sending again meets the same certificate, so they are never retried. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const CERTIFICATE_HINT =
  'Behind a proxy or firewall that inspects TLS, this computer must trust its root certificate: set NODE_EXTRA_CA_CERTS to that certificate (a PEM file from your IT team), then re-run the same command; progress is kept.';

const PROXY_LOGIN_HINT =
  'Check the user name and password in the proxy variable (HTTPS_PROXY, ALL_PROXY or HTTP_PROXY: http://user:password@host:port, with @ : % percent-encoded), then re-run the same command; progress is kept.';
const PROXY_BLOCK_HINT =
  'Ask for https to *.blob.core.windows.net to be allowed through the proxy (or list the host in NO_PROXY if it must be reached directly), then re-run the same command; progress is kept.';

export const ACCESS_HINT = 'Get new SAS URLs with "Get access" in the Portal (custom restore session) and re-run the same command; progress is kept.';

/** The HTTP status behind an error (a KxpError wraps the SDK's in its cause). */
export function statusOf(error: unknown): number | undefined {
  const direct = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof direct === 'number') return direct;
  const cause = (error as { cause?: { statusCode?: unknown } } | undefined)?.cause?.statusCode;
  return typeof cause === 'number' ? cause : undefined;
}

/** `timedOut` tells a per-request timeout (retry) from the caller's own abort (stop). */
export function classifyAzureError(thrown: unknown, timedOut = false): Classified {
  const error = (thrown ?? {}) as SdkErrorShape;
  const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  const serviceCode = error.details?.errorCode ?? error.code;
  const retryAfterMs = parseRetryAfter(error.response?.headers?.get?.('retry-after'));
  if (timedOut || error.name === 'AbortError') return { kind: 'retry', reason: 'timeout', status, retryAfterMs };
  if (status === 407) return { kind: 'proxy', reason: 'HTTP 407 Proxy Authentication Required', status, retryAfterMs };
  // Azure Storage (and Azurite) stamp every answer with a request id; a refusal without one came from a proxy or
  // firewall on the way (a blocked CONNECT is replayed as the response), and new SAS URLs would not help.
  if ((status === 403 || status === 401) && !error.response?.headers?.get?.('x-ms-request-id')) {
    return { kind: 'proxy', reason: `HTTP ${status} from a proxy or firewall, not from Azure Storage (the answer has no Azure request id)`, status, retryAfterMs };
  }
  // Azure's word for a SAS (or its stored access policy) that lacks the permission: not expired, not revoked.
  if (status === 403 && serviceCode === 'AuthorizationPermissionMismatch') return { kind: 'permission', reason: 'HTTP 403 AuthorizationPermissionMismatch', status, retryAfterMs };
  if (status === 403 || status === 401) return { kind: 'access', reason: `HTTP ${status} ${serviceCode ?? ''}`.trim(), status, retryAfterMs };
  // The service computed another MD5 than the one sent: the bytes were damaged on the way. Sending again is the cure.
  if (status === 400 && isChecksumMismatch(serviceCode, error.message)) {
    return { kind: 'retry', reason: `HTTP 400 ${serviceCode ?? ''} MD5 mismatch: damaged in transit`, status, retryAfterMs };
  }
  if (status !== undefined && RETRY_STATUS.has(status)) return { kind: 'retry', reason: `HTTP ${status} ${serviceCode ?? ''}`.trim(), status, retryAfterMs };
  if (status === undefined && error.code !== undefined && CERTIFICATE_CODES.has(error.code)) return { kind: 'certificate', reason: error.code, status, retryAfterMs };
  if (status === undefined && (error.code === undefined || NETWORK_CODES.has(error.code) || error.name === 'RestError')) {
    return { kind: 'retry', reason: error.code ?? 'network error', status, retryAfterMs };
  }
  return { kind: 'fatal', reason: status === undefined ? (error.code ?? error.name ?? 'error') : `HTTP ${status} ${serviceCode ?? ''}`.trim(), status, retryAfterMs };
}

/** Azure says Md5Mismatch (or Crc64Mismatch); Azurite says InvalidOperation "Provided contentMD5 doesn't match". */
function isChecksumMismatch(serviceCode: string | undefined, message: string | undefined): boolean {
  if (serviceCode === 'Md5Mismatch' || serviceCode === 'Crc64Mismatch') return true;
  return /content-?md5 (?:doesn't|does not|did not) match/i.test(message ?? '');
}

/** The error a caller sees once retries are over or not allowed. `where` is a blob name or a redacted URL. */
export function azureFailure(thrown: unknown, classified: Classified, where: string, attempts = 1): KxpError {
  if (classified.kind === 'access') {
    return new KxpError('ACCESS_DENIED', `Azure Storage refused access (${classified.reason}): the SAS URL has expired, was revoked, or does not allow this.`, {
      path: where,
      hint: ACCESS_HINT,
      cause: thrown,
    });
  }
  if (classified.kind === 'permission') {
    const reading = ['GET', 'HEAD'].includes((thrown as SdkErrorShape | undefined)?.request?.method?.toUpperCase() ?? '');
    return new KxpError('SAS_PERMISSION', `This SAS URL cannot ${reading ? 'list or read' : 'write'}: Azure Storage refused the request (${classified.reason}); the SAS, or the stored access policy it names, does not grant that permission.`, {
      path: where,
      hint: 'Use the SAS URLs of the custom-restore session ("Get access" in the Portal): they grant read, add, create, write, delete and list. A read-only URL (for example from a read-only stored access policy) cannot upload.',
      cause: thrown,
    });
  }
  if (classified.kind === 'certificate') {
    return new KxpError('TLS_UNTRUSTED', `The TLS certificate presented for Azure Storage is not trusted (${classified.reason}), so nothing was sent over that connection.`, {
      path: where,
      hint: CERTIFICATE_HINT,
      exitCode: ExitCode.resumable,
      cause: thrown,
    });
  }
  if (classified.kind === 'proxy') {
    return new KxpError('PROXY_REFUSED', `The proxy refused to connect to Azure Storage (${classified.reason}).`, {
      path: where,
      hint: classified.status === 407 ? PROXY_LOGIN_HINT : PROXY_BLOCK_HINT,
      exitCode: ExitCode.resumable,
      cause: thrown,
    });
  }
  const detail = thrown instanceof Error ? redactUrl(thrown.message.split('\n')[0] ?? '').trim() : String(thrown);
  if (classified.status === 404) {
    return new KxpError('TRANSFER_FAILED', `The container was not found (${classified.reason}).`, {
      path: where,
      hint: 'Check that the SAS URL is the one of the current custom-restore session.',
      cause: thrown,
    });
  }
  const prefix = attempts > 1 ? `Gave up after ${attempts} attempts: ` : '';
  const text = detail && detail !== classified.reason ? `${classified.reason}: ${detail}` : classified.reason;
  return new KxpError('TRANSFER_FAILED', `${prefix}${text.replace(/\.?$/, '.')}`, {
    path: where,
    hint: classified.kind === 'retry' ? 'The service or the network kept failing; run the same command again later to resume.' : undefined,
    cause: thrown,
  });
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const SOURCE_ACCESS_HINT =
  'Give a new SAS for the source container (read and list), or sign in with an identity that has "Storage Blob Data Reader" (and, for copies, "Storage Blob Delegator") on it, then re-run the same command; what was copied is kept.';

/** A remote source (--storage-from) refused: said so, so nobody renews the restore container's SAS instead. */
export function sourceAccessDenied(where: string, cause: unknown, why = 'its SAS has expired or was revoked, or the signed-in identity may not read it'): KxpError {
  return new KxpError('SOURCE_ACCESS_DENIED', `The remote SOURCE refused access (not the restore container): ${why}.`, { path: where, hint: SOURCE_ACCESS_HINT, cause });
}

/** How a --storage-from source is named in messages: `<account>/<container>` and its redacted URL. */
export interface SourceName {
  label: string;
  redacted: string;
}

/** @azure/identity could not get a token (no sign-in available, or the directory refused it). */
export function isSignInFailure(thrown: unknown): boolean {
  const name = (thrown as { name?: string } | undefined)?.name;
  return name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError';
}

/**
 * Failures while listing or reading a source account, in the source's words (never the restore session's
 * "Get access"): sign-in failures and refusals become SOURCE_ACCESS_DENIED, a missing container NOT_FOUND (no
 * retry); the rest is left to the pacer.
 */
export function asSourceFailure(thrown: unknown, source: SourceName): unknown {
  if (isSignInFailure(thrown)) return sourceAccessDenied(source.redacted, thrown);
  const classified = classifyAzureError(thrown);
  if (classified.kind === 'access') return sourceAccessDenied(source.redacted, thrown);
  if (classified.kind === 'permission') return sourceAccessDenied(source.redacted, thrown, `its SAS (or the stored access policy it names) does not grant list and read (${classified.reason})`);
  if (classified.status === 404) {
    return new KxpError('NOT_FOUND', `The --storage-from source container ${source.label} was not found (${classified.reason}).`, {
      path: source.redacted,
      hint: "Check the account and container in the --storage-from URL: they name the old site's storage, not the restore session's.",
      cause: thrown,
    });
  }
  return thrown;
}
