import { describe, expect, it } from 'vitest';
import { renderResumeCommand } from '../../src/report/upload.js';

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
  });
});
