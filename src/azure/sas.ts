/**
 * Container SAS URLs: parsing, redaction, and the checks that run before anything is sent.
 * A SAS signature is a password: it never leaves this module except inside the URL handed to the SDK.
 */
import { KxpError, type ExitCode } from '../errors.js';
import { isContainerName } from '../rules/names.js';

export interface ContainerSas {
  /** The full URL, as given (holds the signature; never print it, use `redacted`). */
  url: string;
  /** The same URL with `sig=REDACTED`. */
  redacted: string;
  /** `https://host[:port]` (+ `/account` for path-style endpoints such as Azurite). */
  endpoint: string;
  account: string;
  container: string;
  /** `account/container`: what the journal is keyed by, so new SAS URLs for the same container resume the same work. */
  identity: string;
  permissions: string | null;
  expiresOn: Date | null;
  startsOn: Date | null;
  /** Name of a stored access policy (`si=`); permissions and expiry then live on the server. */
  policy: string | null;
  /** `sr=`: `c` for a container SAS. */
  resource: string | null;
  loopback: boolean;
}

/** Which operation the URL is for: decides the permission it needs. */
export type SasPurpose = 'upload' | 'verify';

/** The fix for a --storage-from SAS: it comes from the old site's storage account, not from the restore session. */
export const SOURCE_SAS_HINT =
  'Make a new SAS for the source container (the old site\'s storage account, in the Azure portal or Storage Explorer) with read and list permissions, valid for the whole copy, then run the same command again; what was copied is kept.';

/** Query parameter names whose value is a secret, compared after percent-decoding and lowercasing. */
const SECRET_NAMES = new Set(['sig', 'signature', 'token', 'access_token', 'code', 'secret', 'password', 'key']);
/** One `name=value` pair of a query, in running text: the value stops where a URL would. */
const QUERY_PAIR = /([?&])([^=&\s"'<>#?]+)=([^&\s"'<>#]*)/g;
const PATH_STYLE_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|localhost|[^.]+)$/i;

/**
 * Replaces the value of `sig` (and any other secret-looking query parameter) everywhere in a text. Names
 * are compared as the service reads them, percent-decoded: `%73ig=` is `sig=` and is redacted too.
 */
export function redactUrl(text: string): string {
  return text.replace(QUERY_PAIR, (pair, separator: string, name: string) => (isSecretName(name) ? `${separator}${name}=REDACTED` : pair));
}

function isSecretName(raw: string): boolean {
  let name = raw;
  try {
    name = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // A malformed escape: compare the name as written.
  }
  return SECRET_NAMES.has(name.trim().toLowerCase());
}

/**
 * The parsed URL with every secret query value replaced and any user info dropped: built from what the
 * URL parser read, so no spelling of a secret parameter slips through.
 */
function redactParsed(url: URL): string {
  const pairs = url.search.replace(/^\?/, '').split('&').filter((pair) => pair !== '');
  const query = pairs.map((pair) => {
    const name = pair.split('=', 1)[0] ?? '';
    return isSecretName(name) ? `${name}=REDACTED` : pair;
  });
  return `${url.protocol}//${url.host}${url.pathname}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** The signature of a SAS URL, for tests and for scrubbing; null when there is none. */
export function sasSignature(url: string): string | null {
  try {
    return new URL(url).searchParams.get('sig');
  } catch {
    return null;
  }
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Where a blob URL names its storage account: Azure puts it in the host name (`<account>.blob.core.windows.net`),
 * emulators and IP endpoints first in the path. `segments` are the URL's path segments as the caller split them;
 * `rest` those after the account, `endpoint` what the account's containers hang under.
 */
export function locateAccount(url: URL, segments: readonly string[]): { account: string | undefined; rest: string[]; endpoint: string } {
  const pathStyle = PATH_STYLE_HOST.test(url.hostname) && !url.hostname.includes('.blob.');
  const account = pathStyle ? segments[0] : url.hostname.split('.')[0];
  const rest = pathStyle ? segments.slice(1) : [...segments];
  return { account, rest, endpoint: pathStyle ? `${url.origin}/${account ?? ''}` : url.origin };
}

/** Parses a container SAS URL. Throws SAS_INVALID / SAS_INSECURE with the fix; never echoes the signature. */
export function parseContainerSasUrl(raw: string, label: string): ContainerSas {
  const input = raw.trim();
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new KxpError('SAS_INVALID', `The ${label} is not a URL.`, { hint: sasHint(label) });
  }
  // Without a recognisable sig= the query may hold the signature under another name: show none of it.
  const redacted = url.searchParams.get('sig') ? redactParsed(url) : `${url.protocol}//${url.host}${url.pathname}${url.search ? '?(query hidden)' : ''}`;
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new KxpError('SAS_INSECURE', `The ${label} must use https (plain http is only accepted for a local emulator on a loopback address): ${redacted}`, {
      hint: 'Use the https URL exactly as the Portal shows it.',
    });
  }
  const params = url.searchParams;
  if (!params.get('sig')) {
    throw new KxpError('SAS_INVALID', `The ${label} has no signature (sig=), so it is not a SAS URL: ${redacted}`, { hint: sasHint(label) });
  }
  // What every output of this tool shows in place of a signature: copied back, it would fail as "expired or revoked".
  if (params.get('sig') === 'REDACTED') {
    throw new KxpError('SAS_INVALID', `The ${label} has its signature redacted (sig=REDACTED): it was copied from kxp-restore's own output, which never shows a signature: ${redacted}`, {
      hint: 'Copy the URL from the Portal ("Get access"), or let kxp-restore get access itself with --portal-url … --token-file … or --manual.',
    });
  }
  const { account, rest, endpoint } = locateAccount(url, url.pathname.split('/').filter((segment) => segment !== ''));
  const [container, ...extra] = rest;
  if (!account || !container || extra.length > 0) {
    throw new KxpError('SAS_INVALID', `The ${label} does not point at a container (expected https://<account>.blob.core.windows.net/<container>?…): ${redacted}`, {
      hint: sasHint(label),
    });
  }
  if (!isContainerName(container)) {
    throw new KxpError('SAS_INVALID', `The ${label} names "${container}", which is not a valid container name: ${redacted}`, { hint: sasHint(label) });
  }
  const resource = params.get('sr');
  if (resource !== null && resource !== 'c') {
    throw new KxpError('SAS_INVALID', `The ${label} is a SAS for a single ${resource === 'b' ? 'blob' : `resource (sr=${resource})`}, not for a container: ${redacted}`, {
      hint: sasHint(label),
    });
  }
  return {
    url: input,
    redacted,
    endpoint,
    account,
    container,
    identity: `${account}/${container}`,
    permissions: params.get('sp'),
    expiresOn: parseSasDate(params.get('se'), label, redacted),
    startsOn: parseSasDate(params.get('st'), label, redacted),
    policy: params.get('si'),
    resource,
    loopback,
  };
}

/**
 * The checks that can be made locally: permission (when `sp` is in the URL) and validity period (when
 * `se`/`st` are). A stored-access-policy SAS (`si=`) carries neither; the first read-only request tells.
 */
export function checkContainerSas(sas: ContainerSas, label: string, purpose: SasPurpose | 'source', now = new Date()): void {
  // A --storage-from source belongs to the old site's account: no session, no upload window, no "Get access".
  const source = purpose === 'source';
  // Past the upload window new URLs cannot help: say so before "Get access" would send the user in a circle.
  const expired = sas.expiresOn !== null && sas.expiresOn.getTime() <= now.getTime();
  if (!source && (purpose === 'upload' || expired)) {
    const closed = uploadWindowClosedError(sas, label, now);
    if (closed) throw closed;
  }
  const needed = purpose === 'upload' ? ['w'] : source ? ['r', 'l'] : ['l'];
  if (sas.permissions !== null) {
    const missing = needed.filter((letter) => !sas.permissions?.includes(letter));
    if (missing.length > 0) {
      const what = missing.map((letter) => ({ w: 'write', r: 'read', l: 'list' })[letter]).join(' and ');
      throw new KxpError('SAS_PERMISSION', `The ${label} does not allow ${what} (it grants "${sas.permissions}", ${source ? 'copying' : purpose} needs "${needed.join('')}"): ${sas.redacted}`, {
        hint: source ? SOURCE_SAS_HINT : 'Use the URL the Portal shows for the custom-restore session ("Get access"); it grants read, add, create, write, delete and list.',
      });
    }
  }
  if (expired && sas.expiresOn !== null) {
    throw new KxpError('SAS_EXPIRED', `The ${label} expired at ${sas.expiresOn.toISOString()}: ${sas.redacted}`, {
      hint: source ? SOURCE_SAS_HINT : 'Get new SAS URLs with "Get access" in the Portal (custom restore session) and run again; progress is kept.',
    });
  }
  if (sas.startsOn !== null && sas.startsOn.getTime() > now.getTime() + 5 * 60_000) {
    throw new KxpError('SAS_INVALID', `The ${label} is not valid before ${sas.startsOn.toISOString()}: ${sas.redacted}`, {
      hint: "Check this computer's clock, or wait until the start time.",
    });
  }
}

/** Uploads are allowed for 7 days after the session was created (DESIGN.md, fact 3). */
export const UPLOAD_WINDOW_MS = 7 * 24 * 3600_000;
/**
 * How far before "Get access" a SAS start time (`st`) may be set: Azure advises 15 minutes back for clock
 * skew; an hour leaves room for a Portal that sets it further back.
 */
const START_SKEW_ALLOWANCE_MS = 3600_000;

/**
 * A session's SAS URLs are issued after the session was created, and their start time (`st`) is at most
 * an hour before they were issued. So when more than 7 days and an hour have passed since `st`, the session
 * is past its upload window whatever the rest of the URL says. Without `st` nothing can be concluded.
 */
export function uploadWindowClosed(sas: Pick<ContainerSas, 'startsOn'>, now = new Date()): boolean {
  return sas.startsOn !== null && now.getTime() > sas.startsOn.getTime() + UPLOAD_WINDOW_MS + START_SKEW_ALLOWANCE_MS;
}

/** The error for a SAS URL of a session past its upload window, or null when the URL does not say so. */
export function uploadWindowClosedError(sas: ContainerSas, label: string, now = new Date(), context: { cause?: unknown; exitCode?: ExitCode } = {}): KxpError | null {
  if (!uploadWindowClosed(sas, now) || sas.startsOn === null) return null;
  return new KxpError(
    'UPLOAD_WINDOW_CLOSED',
    `The upload window of this custom-restore session has closed: uploads are allowed for 7 days after the session was created, and the ${label} was issued on ${sas.startsOn.toISOString().slice(0, 10)}. New SAS URLs ("Get access") will not help: ${sas.redacted}`,
    {
      hint: 'A new custom-restore session is needed to upload: close this one (kxp-restore session close, or "Close session" in the Portal), create a new one and upload again. If what was already uploaded is complete, restore it first (kxp-restore restore, possible up to 180 days after the session was created): closing the session discards it.',
      ...context,
    },
  );
}

function parseSasDate(value: string | null, label: string, redacted: string): Date | null {
  if (value === null || value === '') return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new KxpError('SAS_INVALID', `The ${label} has an unreadable date "${value}": ${redacted}`, { hint: sasHint(label) });
  return date;
}

function sasHint(label: string): string {
  return `Copy the ${label} from the Portal's custom restore session ("Get access") in full, quoted in the shell.`;
}
