/**
 * The outbound proxy for an https storage URL, from the environment in the Azure SDK's order:
 * HTTPS_PROXY, then ALL_PROXY, then HTTP_PROXY, in upper or lower case; NO_PROXY lists hosts to reach
 * directly. Loopback hosts (the emulator, the only ones plain http is allowed to) are always
 * reached directly: a proxy could not reach this machine's loopback anyway.
 */
import { BlockList, isIP } from 'node:net';
import { KxpError } from '../errors.js';
import { isLoopbackHost } from './sas.js';

export interface ProxyChoice {
  /** The proxy to send through, without credentials (the proxy library's debug output prints it). */
  url: URL;
  /** `user:password`, percent-decoded, when the URL carries them (for Proxy-Authorization). */
  login: string | null;
  /** The proxy without credentials, for messages. */
  display: string;
  /** The variable it came from. */
  variable: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

export function proxyFor(target: URL, env: Environment = process.env): ProxyChoice | undefined {
  const host = bareHost(target.hostname);
  if (target.protocol !== 'https:' || isLoopbackHost(host)) return undefined;
  const found = ['HTTPS_PROXY', 'ALL_PROXY', 'HTTP_PROXY'].map((name) => variable(env, name)).find((entry) => entry !== undefined);
  if (!found) return undefined;
  const noProxy = variable(env, 'NO_PROXY');
  if (noProxy && bypasses(noProxy.value, host, target.port || '443')) return undefined;
  const url = parseProxy(found.value, found.name);
  const login = loginOf(url, found.name);
  url.username = '';
  url.password = '';
  return { url, login, display: `${url.protocol}//${url.host}`, variable: found.name };
}

function variable(env: Environment, name: string): { name: string; value: string } | undefined {
  for (const spelled of [name, name.toLowerCase()]) {
    const value = env[spelled]?.trim();
    if (value) return { name: spelled, value };
  }
  return undefined;
}

function parseProxy(value: string, name: string): URL {
  // A bare `host:port` is how many people write it; curl reads it as http.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new KxpError('USAGE', `${name} is not a proxy URL.`, { hint: `Set ${name} to http://host:port (or unset it to connect directly).` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KxpError('USAGE', `${name} uses ${url.protocol.slice(0, -1)}, which kxp-restore cannot speak; only http:// and https:// proxies are supported.`, {
      hint: `Set ${name} to an http:// or https:// proxy, or unset it to connect directly.`,
    });
  }
  return url;
}

function loginOf(url: URL, name: string): string | null {
  if (!url.username && !url.password) return null;
  try {
    return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw new KxpError('USAGE', `The user name or password in ${name} has a % that is not followed by two hex digits.`, {
      hint: `Percent-encode special characters in ${name} (% as %25, @ as %40, : as %3A).`,
    });
  }
}

/**
 * NO_PROXY: `*`; host names (a name or `.name` also covers its subdomains; a trailing dot is ignored); IP
 * addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), compared as addresses, not as text; each optionally
 * `:port`.
 */
function bypasses(list: string, host: string, port: string): boolean {
  const hostIp = isIP(host);
  return list.split(/[\s,]+/).some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '') return false;
    if (entry === '*') return true;
    const { name, port: entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) return false;
    const pattern = bareHost(name).replace(/^\*?\./, '');
    if (hostIp !== 0) return ipMatches(host, hostIp, pattern);
    return host === pattern || host.endsWith(`.${pattern}`);
  });
}

function ipMatches(host: string, family: number, pattern: string): boolean {
  const [address = '', prefix] = pattern.split('/');
  const patternFamily = isIP(address);
  if (patternFamily !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const range = new BlockList();
  if (prefix === undefined) range.addAddress(address, type);
  else if (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)) range.addSubnet(address, Number(prefix), type);
  else return false;
  return range.check(host, type);
}

function splitPort(entry: string): { name: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', port: bracketed[2] };
  const parts = entry.split(':');
  // More than one colon and no brackets: an IPv6 address without a port.
  if (parts.length === 2 && /^\d+$/.test(parts[1] ?? '')) return { name: parts[0] ?? '', port: parts[1] };
  return { name: entry };
}

function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}
