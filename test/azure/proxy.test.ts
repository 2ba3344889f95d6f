import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../src/azure/proxy.js';

const blob = new URL('https://acct.blob.core.windows.net/container?sv=x&sig=y');
const choose = (env: Record<string, string>, target = blob) => {
  const choice = proxyFor(target, env);
  return choice && { url: choice.url.href, display: choice.display, variable: choice.variable };
};

describe('proxyFor', () => {
  it('takes HTTPS_PROXY, then ALL_PROXY, then HTTP_PROXY, in either case', () => {
    expect(choose({})).toBeUndefined();
    expect(choose({ HTTP_PROXY: 'http://h:1', ALL_PROXY: 'http://a:2', HTTPS_PROXY: 'http://s:3' })?.variable).toBe('HTTPS_PROXY');
    expect(choose({ HTTP_PROXY: 'http://h:1', all_proxy: 'http://a:2' })?.variable).toBe('all_proxy');
    expect(choose({ http_proxy: 'http://h:1' })).toMatchObject({ variable: 'http_proxy', display: 'http://h:1' });
    expect(choose({ HTTPS_PROXY: '  ' })).toBeUndefined();
  });

  it('reads a bare host:port as http, and never shows credentials in the display form', () => {
    expect(choose({ HTTPS_PROXY: 'proxy.corp:3128' })).toEqual({ url: 'http://proxy.corp:3128/', display: 'http://proxy.corp:3128', variable: 'HTTPS_PROXY' });
    const withLogin = proxyFor(blob, { HTTPS_PROXY: 'http://me:p%40ss%3Aw%25rd@proxy.corp:3128' });
    expect(withLogin?.display).toBe('http://proxy.corp:3128');
    // Decoded once, for the Proxy-Authorization header.
    expect(withLogin?.login).toBe('me:p@ss:w%rd');
    expect(proxyFor(blob, { HTTPS_PROXY: 'http://proxy.corp:3128' })?.login).toBeNull();
  });

  it('never proxies loopback (the emulator) or plain http', () => {
    const env = { HTTPS_PROXY: 'http://proxy:1', HTTP_PROXY: 'http://proxy:1' };
    for (const local of ['https://127.0.0.1:10000/devstoreaccount1/c', 'https://localhost/devstoreaccount1/c', 'https://[::1]:10000/devstoreaccount1/c']) {
      expect(choose(env, new URL(local))).toBeUndefined();
    }
    expect(choose(env, new URL('http://10.1.2.3/devstoreaccount1/c'))).toBeUndefined();
  });

  it('honours NO_PROXY: *, names with or without a leading dot (and their subdomains), IPs and ports', () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: 'http://proxy:1', NO_PROXY: noProxy });
    expect(choose(env('*'))).toBeUndefined();
    expect(choose(env('.core.windows.net'))).toBeUndefined();
    expect(choose(env('core.windows.net'))).toBeUndefined();
    expect(choose(env('*.windows.net'))).toBeUndefined();
    expect(choose(env('acct.blob.core.windows.net:443'))).toBeUndefined();
    expect(choose(env('acct.blob.core.windows.net:8443'))).toBeDefined();
    expect(choose(env('other.net, indows.net'))).toBeDefined();
    expect(choose({ HTTPS_PROXY: 'http://proxy:1', no_proxy: '10.0.0.5' }, new URL('https://10.0.0.5/acct/c'))).toBeUndefined();
    expect(choose({ HTTPS_PROXY: 'http://proxy:1', no_proxy: '0.0.5' }, new URL('https://10.0.0.5/acct/c'))).toBeDefined();
    expect(choose(env('core.windows.net.'))).toBeUndefined();
    expect(choose(env('acct.blob.core.windows.net'), new URL('https://acct.blob.core.windows.net./c'))).toBeUndefined();
  });

  it('compares IP entries as addresses: CIDR ranges and IPv6 in any spelling', () => {
    const via = (noProxy: string, target: string) => choose({ HTTPS_PROXY: 'http://proxy:1', NO_PROXY: noProxy }, new URL(target));
    expect(via('10.0.0.0/8', 'https://10.20.30.40/acct/c')).toBeUndefined();
    expect(via('10.0.0.0/8', 'https://11.0.0.1/acct/c')).toBeDefined();
    expect(via('fd00::/8', 'https://[fd12::34]/acct/c')).toBeUndefined();
    expect(via('2001:DB8:0::1', 'https://[2001:db8::1]/acct/c')).toBeUndefined();
    expect(via('[2001:db8::1]:443', 'https://[2001:db8::1]/acct/c')).toBeUndefined();
    expect(via('10.0.0.0/99', 'https://10.0.0.1/acct/c')).toBeDefined();
    expect(via('10.0.0.0/8', 'https://ten.example/acct/c')).toBeDefined();
  });

  it('refuses what it cannot use, naming the variable, without echoing it', () => {
    const thrown = (value: string) => {
      try {
        proxyFor(blob, { HTTPS_PROXY: value });
      } catch (error) {
        return `${String(error)} ${(error as { hint?: string }).hint ?? ''}`;
      }
      return 'nothing thrown';
    };
    expect(thrown('socks5://u:secret@p:1080')).toMatch(/HTTPS_PROXY uses socks5.*Set HTTPS_PROXY to an http/);
    expect(thrown('socks5://u:secret@p:1080')).not.toContain('secret');
    expect(thrown('http://[bad')).toMatch(/HTTPS_PROXY is not a proxy URL/);
    // A bare % in the login would otherwise fail inside the proxy library, on every retry, as a network error.
    expect(thrown('http://me:100%zz@proxy.corp:3128')).toMatch(/USAGE|% that is not followed by two hex digits.*Percent-encode/);
    expect(thrown('http://me:100%zz@proxy.corp:3128')).not.toContain('100%zz');
  });
});
