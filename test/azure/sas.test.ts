import { describe, expect, it } from 'vitest';
import { checkContainerSas, parseContainerSasUrl, redactUrl } from '../../src/azure/sas.js';

const SIG = 'AbCdEf0123456789%2Bsecret%3D';
const azure = (query: string) => `https://acct.blob.core.windows.net/restore-db?${query}&sig=${SIG}`;

describe('container SAS URLs', () => {
  it('parses an Azure URL: account from the host, container from the path, and the SAS fields', () => {
    const sas = parseContainerSasUrl(azure('sv=2022-11-02&sr=c&sp=racwdl&st=2026-01-01T00:00:00Z&se=2026-01-08T00:00:00Z&spr=https'), 'database SAS URL');
    expect(sas).toMatchObject({
      account: 'acct',
      container: 'restore-db',
      identity: 'acct/restore-db',
      endpoint: 'https://acct.blob.core.windows.net',
      permissions: 'racwdl',
      resource: 'c',
      policy: null,
      loopback: false,
    });
    expect(sas.expiresOn?.toISOString()).toBe('2026-01-08T00:00:00.000Z');
    expect(sas.redacted).toContain('sig=REDACTED');
    expect(sas.redacted).not.toContain('secret');
  });

  it('parses a path-style emulator URL on loopback over http', () => {
    const sas = parseContainerSasUrl(`http://127.0.0.1:10000/devstoreaccount1/files?sv=2022-11-02&sr=c&sp=rw&sig=${SIG}`, 'storage SAS URL');
    expect(sas).toMatchObject({ account: 'devstoreaccount1', container: 'files', endpoint: 'http://127.0.0.1:10000/devstoreaccount1', loopback: true });
  });

  it.each([
    ['not a URL', 'nonsense', /SAS_INVALID|not a URL/],
    ['plain http to a remote host', `http://acct.blob.core.windows.net/c1c?sp=w&sig=${SIG}`, /must use https/],
    ['no signature', 'https://acct.blob.core.windows.net/files?sp=w', /no signature/],
    ['a signature under another name', `https://acct.blob.core.windows.net/files?sp=w&nosig=${SIG}`, /no signature/],
    ['a mistyped signature over plain http', `http://acct.blob.core.windows.net/files?sp=w&sgi=${SIG}`, /must use https/],
    ['a blob URL', azure('sp=w').replace('/restore-db?', '/restore-db/db.bacpac?'), /does not point at a container/],
    ['a blob SAS', azure('sp=w&sr=b'), /single blob/],
    ['a bad container name', azure('sp=w').replace('restore-db', 'Restore_DB'), /not a valid container name/],
    ['a URL copied from this tool\'s own output', azure('sp=w').replace(/sig=[^&]*/, 'sig=REDACTED'), /signature redacted/],
  ])('refuses %s, never echoing the signature', (_label, url, message) => {
    let thrown: unknown;
    try {
      parseContainerSasUrl(url, 'storage SAS URL');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ exitCode: 2 });
    expect(String((thrown as Error).message)).toMatch(message);
    expect(String((thrown as Error).message)).not.toContain('secret');
  });

  it('checks permission and expiry before anything is sent; a policy SAS (si=) is left to the first request', () => {
    const now = new Date('2026-01-05T00:00:00Z');
    const check = (query: string, purpose: 'upload' | 'verify' = 'upload') => () => checkContainerSas(parseContainerSasUrl(azure(query), 'database SAS URL'), 'database SAS URL', purpose, now);
    expect(check('sp=rl')).toThrow(expect.objectContaining({ code: 'SAS_PERMISSION', exitCode: 2 }));
    expect(check('sp=racwdl&se=2026-01-04T23:59:59Z')).toThrow(expect.objectContaining({ code: 'SAS_EXPIRED', exitCode: 2, hint: expect.stringMatching(/Get access/) }));
    expect(check('sp=racwdl&st=2026-02-01T00:00:00Z')).toThrow(expect.objectContaining({ code: 'SAS_INVALID' }));
    expect(check('sp=racwdl&se=2026-01-06T00:00:00Z')).not.toThrow();
    expect(check('sp=rl', 'verify')).not.toThrow();
    expect(check('sp=w', 'verify')).toThrow(expect.objectContaining({ code: 'SAS_PERMISSION' }));
    expect(check('si=restore-policy')).not.toThrow();
  });

  it('knows the upload window closed once st is more than 7 days and an hour ago; verify hears it only for an expired URL', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const check = (query: string, purpose: 'upload' | 'verify' = 'upload') => () => checkContainerSas(parseContainerSasUrl(azure(query), 'storage SAS URL'), 'storage SAS URL', purpose, now);
    const closed = expect.objectContaining({ code: 'UPLOAD_WINDOW_CLOSED', exitCode: 2, message: expect.stringContaining('upload window of this custom-restore session has closed'), hint: expect.stringContaining('new custom-restore session') });
    expect(check('sp=racwdl&st=2026-01-02T22:59:59Z&se=2026-01-20T00:00:00Z')).toThrow(closed);
    expect(check('sp=racwdl&st=2026-01-02T22:59:59Z&se=2026-01-09T22:59:59Z')).toThrow(closed);
    expect(check('sp=racwdl&st=2026-01-02T22:59:59Z&se=2026-01-09T22:59:59Z', 'verify')).toThrow(closed);
    expect(check('sp=racwdl&st=2026-01-02T22:59:59Z&se=2026-01-20T00:00:00Z', 'verify')).not.toThrow();
    expect(check('sp=racwdl&st=2026-01-02T23:00:01Z&se=2026-01-20T00:00:00Z')).not.toThrow();
    expect(check('sp=racwdl&se=2026-01-09T00:00:00Z')).toThrow(expect.objectContaining({ code: 'SAS_EXPIRED', hint: expect.stringMatching(/Get access/) }));
  });

  it('redacts sig and other secret-looking parameters anywhere in a text', () => {
    const text = `failed: ${azure('sp=w')} and https://x.example/?token=abc&a=1 and ?access_token=zzz`;
    expect(redactUrl(text)).toBe(
      `failed: https://acct.blob.core.windows.net/restore-db?sp=w&sig=REDACTED and https://x.example/?token=REDACTED&a=1 and ?access_token=REDACTED`,
    );
  });

  it('redacts on the parsed URL: a percent-encoded name (%73ig=) is the signature, and is redacted', () => {
    const encoded = `https://acct.blob.core.windows.net/restore-db?sv=2022-11-02&sr=c&sp=racwdl&%73ig=${SIG}`;
    const sas = parseContainerSasUrl(encoded, 'database SAS URL');
    expect(sas.redacted).toBe('https://acct.blob.core.windows.net/restore-db?sv=2022-11-02&sr=c&sp=racwdl&%73ig=REDACTED');
    expect(redactUrl(`failed: ${encoded} (403)`)).toBe('failed: https://acct.blob.core.windows.net/restore-db?sv=2022-11-02&sr=c&sp=racwdl&%73ig=REDACTED (403)');
    expect(redactUrl(`x?%53IG=${SIG}&S%69g=${SIG}&sp=rl`)).toBe('x?%53IG=REDACTED&S%69g=REDACTED&sp=rl');
    expect(redactUrl(`x?si%67nature=${SIG}`)).not.toContain('secret');
    const withUser = parseContainerSasUrl(`https://user:pass@acct.blob.core.windows.net/restore-db?sp=w&sig=${SIG}`, 'database SAS URL');
    expect(withUser.redacted).not.toContain('pass');
  });
});
