import { describe, expect, it } from 'vitest';
import { notUploadedLines, renderDestinations, renderResumeCommand } from '../../src/report/upload.js';

describe('renderResumeCommand', () => {
  it('prints one line that POSIX shells and PowerShell read alike when single quotes can carry every word', () => {
    const text = renderResumeCommand(['kxp-restore', 'upload', '/data/my migration', '--storage', './App/$StorageAssets', '--token-file', 'a,b@c.token']);
    expect(text).toBe("Progress is kept. To resume, run:\n  kxp-restore upload '/data/my migration' --storage './App/$StorageAssets' --token-file 'a,b@c.token'\n");
  });

  it("prints a line for each shell when a word holds a single quote (escaped differently in each)", () => {
    const text = renderResumeCommand(['kxp-restore', 'upload', "/data/o'brien"]);
    expect(text).toContain("  POSIX shells: kxp-restore upload '/data/o'\\''brien'\n");
    expect(text).toContain("  PowerShell:   kxp-restore upload '/data/o''brien'\n");
  });

  it('names the environment variable (both shells) or file flag to use instead of a URL flag', () => {
    const text = renderResumeCommand(['kxp-restore', 'upload', 'm'], ['KXP_DB_SAS_URL', 'KXP_STORAGE_SAS_URL']);
    expect(text).toContain('read -rs KXP_DB_SAS_URL && export KXP_DB_SAS_URL');
    expect(text).toContain('$env:KXP_STORAGE_SAS_URL = Read-Host -MaskInput');
    expect(text).toContain('add --db-sas-url-file FILE and --storage-sas-url-file FILE.');
    expect(text).not.toMatch(/https?:/);
    expect(text).toContain('(a new one from "Get access" if it expired or was revoked)');
  });

  it('sends the renewal of a source URL to the source account, never to "Get access"', () => {
    const source = renderResumeCommand(['kxp-restore', 'upload', 'm'], ['KXP_STORAGE_FROM']);
    expect(source).toContain('after putting the SAS URL (for KXP_STORAGE_FROM, a new SAS of the source account if the old one expired) where');
    expect(source).not.toContain('Get access');
    const both = renderResumeCommand(['kxp-restore', 'upload', 'm'], ['KXP_STORAGE_SAS_URL', 'KXP_STORAGE_FROM']);
    expect(both).toContain('(for the restore containers, a new one from "Get access" if it expired or was revoked; for KXP_STORAGE_FROM, a new SAS of the source account');
  });
});

describe('renderDestinations', () => {
  it('names each container in a line that fits 80 columns: an Azure account host is implied, others are shown', () => {
    const text = renderDestinations(
      {
        type: 'destinations',
        db: { identity: 'contosomigration/s1a2b3c4d5-database', endpoint: 'https://contosomigration.blob.core.windows.net', loopback: false },
        storage: { identity: 'devstoreaccount1/s1a2b3c4d5-storage', endpoint: 'http://127.0.0.1:10000/devstoreaccount1', loopback: true },
        grantedBy: 'the Portal at https://xperience-portal.com',
      },
      'Uploading to',
    );
    expect(text).toBe(
      'Uploading to:\n  database  contosomigration/s1a2b3c4d5-database\n  storage   devstoreaccount1/s1a2b3c4d5-storage (this computer, 127.0.0.1:10000)\n  access granted by the Portal at https://xperience-portal.com\n',
    );
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const elsewhere = renderDestinations({ type: 'destinations', db: null, grantedBy: null, storage: { identity: 'acct/files', endpoint: 'https://storage.contoso.example/acct', loopback: false } }, 'Verifying against');
    expect(elsewhere).toBe('Verifying against:\n  storage   acct/files at https://storage.contoso.example/acct\n');
  });
});

describe('notUploadedLines', () => {
  it('counts the entries the plan only counted (past the first 100 of a kind) and says where the listed ones are', () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ code: 'SYSTEM_FILE' as const, path: `storage/default/${i}/Thumbs.db` }));
    const lines = notUploadedLines([...entries, { code: 'SYMLINK', path: 'storage/default/link' }], { SYSTEM_FILE: 400 });
    expect(lines[0]).toMatch(/^Not uploaded: 1 symbolic link .*; 500 operating-system files /);
    expect(lines.at(-1)).toBe('  … and 491 more (the first 100 of each kind in --json)');
    expect(notUploadedLines(entries.slice(0, 12)).at(-1)).toBe('  … and 2 more (all in --json)');
  });

  it('never says "nothing was left out" after --storage-from blobs no --map covers were skipped', () => {
    const warnings = [{ code: 'UNMAPPED', path: 'oldsite/media', message: '2 source blobs match no --map prefix and are skipped' }];
    const lines = notUploadedLines([], {}, warnings);
    expect(lines).toEqual([
      'Not copied: the --storage-from blobs no --map covers, in oldsite/media (see the UNMAPPED warning).',
      'Not uploaded: nothing else was left out of the payload.',
    ]);
    expect(lines.join('\n')).not.toContain('nothing was left out');
    expect(notUploadedLines([])).toEqual(['Not uploaded: nothing was left out of the payload.']);
  });
});
