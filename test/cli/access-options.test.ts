import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accessResumeWords, resolveAccess, type AccessArgs } from '../../src/cli/access-options.js';
import type { CliContext } from '../../src/cli/context.js';
import { closedPort } from '../support/net.js';

const DB = 'https://acct.blob.core.windows.net/restore-db?sv=2024-11-04&sr=c&sp=racwl&se=2099-01-01T00%3A00%3A00Z&sig=realDbSignature';
const STORAGE = 'https://acct.blob.core.windows.net/restore-files?sv=2024-11-04&sr=c&sp=racwl&se=2099-01-01T00%3A00%3A00Z&sig=realFilesSignature';

function context(env: NodeJS.ProcessEnv = {}): CliContext & { err: () => string } {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
    env,
    cwd: process.cwd(),
    signal: new AbortController().signal,
    setExitCode: () => undefined,
    err: () => err,
  };
}

const args = (extra: Partial<AccessArgs>): AccessArgs => ({ json: false, manual: false, ...extra });

describe('resolveAccess', () => {
  it('asks no Portal when both URLs are given another way', async () => {
    const deadPortal = `http://127.0.0.1:${await closedPort()}`;
    const ctx = context({ KXP_STORAGE_SAS_URL: STORAGE, KXP_PORTAL_TOKEN: 'token' });
    const resolved = await resolveAccess(args({ 'db-sas-url': DB, 'portal-url': deadPortal }), ctx);
    expect(resolved).toEqual({ dbSasUrl: DB, storageSasUrl: STORAGE, origins: { db: 'flag', storage: 'env' } });
    expect(ctx.err()).toBe('');
  });

  it('asks the named Portal when a URL is missing, and says when it cannot be reached', async () => {
    const deadPortal = `http://127.0.0.1:${await closedPort()}`;
    const fromFlag = resolveAccess(args({ 'db-sas-url': DB, 'portal-url': deadPortal, 'token-file': '/nonexistent/token' }), context());
    await expect(fromFlag).rejects.toMatchObject({ code: 'UNREADABLE' });
    // The driver is made at once (a bad token file is a usage error before anything else); access is asked lazily.
    const fromEnv = await resolveAccess(args({}), context({ KXP_PORTAL_URL: deadPortal, KXP_PORTAL_TOKEN: 'token' }));
    expect(fromEnv.origins).toEqual({ db: 'none', storage: 'none' });
    await expect(fromEnv.getAccess?.({ database: true, storage: true })).rejects.toMatchObject({ code: 'PORTAL_UNAVAILABLE' });
  });

  it('says an empty SAS URL file is empty', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kxp-empty-url-'));
    try {
      await writeFile(path.join(dir, 'db.url'), '\n');
      const ctx = { ...context(), cwd: dir };
      await expect(resolveAccess(args({ 'db-sas-url-file': 'db.url' }), ctx)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('db.url is empty') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves a missing URL missing when no Portal is named (the operation then says which one it needs)', async () => {
    await expect(resolveAccess(args({ 'storage-sas-url': STORAGE }), context())).resolves.toEqual({ dbSasUrl: undefined, storageSasUrl: STORAGE, origins: { db: 'none', storage: 'flag' } });
  });
});

describe('accessResumeWords', () => {
  it('repeats flag URLs redacted and files as given; names the Portal for URLs it gave, never a token', () => {
    const fromPortal = { dbSasUrl: DB, storageSasUrl: STORAGE, origins: { db: 'flag', storage: 'portal' } } as const;
    const http = accessResumeWords(args({ 'db-sas-url': DB, 'portal-url': 'http://127.0.0.1:7070', 'token-file': 'dev.token', token: 'secret-token' }), fromPortal);
    expect(http).toEqual(['--db-sas-url', DB.replace('realDbSignature', 'REDACTED'), '--portal-url', 'http://127.0.0.1:7070', '--token-file', 'dev.token']);
    expect(accessResumeWords(args({ manual: true }), { ...fromPortal, origins: { db: 'portal', storage: 'portal' } })).toEqual(['--manual']);
    const noPortal = accessResumeWords(args({ 'db-sas-url-file': 'db.url', 'portal-url': 'http://127.0.0.1:7070' }), { ...fromPortal, origins: { db: 'file', storage: 'env' } });
    expect(noPortal).toEqual(['--db-sas-url-file', 'db.url']);
  });
});
