import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accessResumeWords, resolveAccess, resumeEnvironment, type AccessArgs } from '../../src/cli/access-options.js';
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
    // The one thing said: a URL as a flag is visible in the process list.
    expect(ctx.err()).toMatch(/^warning: --db-sas-url puts the SAS URL in the process list, readable by every user of this computer for the whole run; prefer --db-sas-url-file FILE or the KXP_DB_SAS_URL environment variable\.\n$/);
  });

  it('asks the named Portal when a URL is missing, and says when it cannot be reached', async () => {
    const deadPortal = `http://127.0.0.1:${await closedPort()}`;
    const fromFlag = resolveAccess(args({ 'db-sas-url': DB, 'portal-url': deadPortal, 'token-file': '/nonexistent/token' }), context());
    await expect(fromFlag).rejects.toMatchObject({ code: 'UNREADABLE' });
    // The driver is made at once (a bad token file is a usage error before anything else); access is asked lazily.
    const named = await resolveAccess(args({ 'portal-url': deadPortal }), context({ KXP_PORTAL_TOKEN: 'token' }));
    expect(named.origins).toEqual({ db: 'none', storage: 'none' });
    await expect(named.getAccess?.({ database: true, storage: true })).rejects.toMatchObject({ code: 'PORTAL_UNAVAILABLE' });
  });

  it('never takes the Portal from KXP_PORTAL_URL alone: warns and asks nothing', async () => {
    const ctx = context({ KXP_PORTAL_URL: 'http://127.0.0.1:7070', KXP_PORTAL_TOKEN: 'token' });
    const fromEnv = await resolveAccess(args({}), ctx);
    expect(fromEnv).toEqual({ dbSasUrl: undefined, storageSasUrl: undefined, origins: { db: 'none', storage: 'none' } });
    expect(ctx.err()).toContain('KXP_PORTAL_URL is set but ignored: a Portal is used only when named on the command line');
  });

  it('reads a SAS URL file saved as UTF-16 with a byte-order mark and CRLF (Windows PowerShell), or UTF-8 with one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kxp-utf16-url-'));
    try {
      await writeFile(path.join(dir, 'db.url'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${DB}\r\n`, 'utf16le')]));
      const be = Buffer.from(`${STORAGE}\r\n`, 'utf16le').swap16();
      await writeFile(path.join(dir, 'files.url'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
      const ctx = { ...context(), cwd: dir };
      await expect(resolveAccess(args({ 'db-sas-url-file': 'db.url', 'storage-sas-url-file': 'files.url' }), ctx)).resolves.toMatchObject({ dbSasUrl: DB, storageSasUrl: STORAGE });
      await writeFile(path.join(dir, 'db.url'), `\ufeff${DB}\r\n\r\n`);
      await expect(resolveAccess(args({ 'db-sas-url-file': 'db.url' }), ctx)).resolves.toMatchObject({ dbSasUrl: DB });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says two URLs in one file are two URLs (not "expired or revoked"), quoting neither', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kxp-two-urls-'));
    try {
      await writeFile(path.join(dir, 'both.url'), `${DB}\n${STORAGE}\n`);
      const ctx = { ...context(), cwd: dir };
      const refused = resolveAccess(args({ 'storage-sas-url-file': 'both.url' }), ctx);
      await expect(refused).rejects.toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringContaining('both.url holds 2 lines, 2 of them URLs; it must hold one SAS URL alone') });
      const message = await refused.catch((error: Error & { hint?: string }) => `${error.message} ${error.hint}`);
      expect(message).not.toMatch(/realDbSignature|realFilesSignature|restore-db/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes a URL wrapped in one pair of quotes in a file or the environment (was "not a URL", naming no file)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kxp-quoted-url-'));
    try {
      await writeFile(path.join(dir, 'db.url'), `"${DB}"\n`);
      await writeFile(path.join(dir, 'files.url'), `'${STORAGE}'`);
      const ctx = { ...context(), cwd: dir };
      await expect(resolveAccess(args({ 'db-sas-url-file': 'db.url', 'storage-sas-url-file': 'files.url' }), ctx)).resolves.toMatchObject({ dbSasUrl: DB, storageSasUrl: STORAGE });
      await expect(resolveAccess(args({}), context({ KXP_DB_SAS_URL: `"${DB}"`, KXP_STORAGE_SAS_URL: `\u201c${STORAGE}\u201d` }))).resolves.toMatchObject({ dbSasUrl: DB, storageSasUrl: STORAGE });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
  it('never repeats a flag URL (the environment form is named instead); files as given; names the Portal for URLs it gave, never a token', () => {
    const fromPortal = { dbSasUrl: DB, storageSasUrl: STORAGE, origins: { db: 'flag', storage: 'portal' } } as const;
    const http = accessResumeWords(args({ 'db-sas-url': DB, 'portal-url': 'http://127.0.0.1:7070', 'token-file': 'dev.token', token: 'secret-token' }), fromPortal);
    expect(http).toEqual(['--portal-url', 'http://127.0.0.1:7070', '--token-file', 'dev.token']);
    expect(resumeEnvironment(fromPortal)).toEqual(['KXP_DB_SAS_URL']);
    expect(accessResumeWords(args({ manual: true }), { ...fromPortal, origins: { db: 'portal', storage: 'portal' } })).toEqual(['--manual']);
    const noPortal = accessResumeWords(args({ 'db-sas-url-file': 'db.url', 'portal-url': 'http://127.0.0.1:7070' }), { ...fromPortal, origins: { db: 'file', storage: 'env' } });
    expect(noPortal).toEqual(['--db-sas-url-file', 'db.url']);
  });
});
