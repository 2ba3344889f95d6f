/** --storage-from input errors that need no service: each a coded error, exit 2, naming what is wrong. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { remoteResumeEnvironment, remoteResumeWords } from '../../src/cli/source-options.js';
import { renderResumeCommand } from '../../src/report/upload.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

describe('--storage-from input', () => {
  it('a malformed % escape in the name prefix is USAGE with the URL (redacted), exit 2, not "URI malformed"', async () => {
    const url = 'https://oldsite.blob.core.windows.net/media/My%ZZSite/?sv=2024-08-04&sp=rl&se=2099-01-01T00:00:00Z&sr=c&sig=c2VjcmV0';
    const result = await runCli(['plan', '--storage-from', url]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE]: The name prefix in the --storage-from URL has a % that is not followed by two hex digits.');
    expect(result.stderr).toContain('path: https://oldsite.blob.core.windows.net/media/My%ZZSite/?');
    expect(result.stderr).toContain('sig=REDACTED');
    expect(result.stderr).not.toContain('c2VjcmV0');
    expect(result.stderr).not.toMatch(/URI malformed|INTERNAL/);
  });
});

describe('--storage-from URLs from a file or the environment', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  const warning = /--storage-from with a SAS puts the source signature in the process list/;

  it('reads them from --storage-from-file (one a line, quotes dropped) and KXP_STORAGE_FROM; warns only for a SAS on the command line', async () => {
    const url = await storage.containerSasUrl('old-media');
    await new ContainerClient(url).getBlockBlobClient('site/logo.png').upload('png', 3);
    const dir = await tempDir();
    const file = path.join(dir, 'source.url');
    await writeFile(file, `"${url}"\n`);
    const args = ['plan', '--map', 'site/=default/assets/', '--json'];

    const fromFile = await runCli([...args, '--storage-from-file', file]);
    expect(fromFile.stderr).not.toMatch(warning);
    expect(fromFile.exitCode).toBe(0);
    expect(JSON.parse(fromFile.stdout).totals.containers).toEqual({ default: { files: 1, bytes: 3 } });

    const fromEnv = await runCli(args, { env: { KXP_STORAGE_FROM: url } });
    expect(fromEnv.stderr).not.toMatch(warning);
    expect(fromEnv.exitCode).toBe(0);

    const fromFlag = await runCli([...args, '--storage-from', url]);
    expect(fromFlag.stderr).toMatch(warning);
    expect(fromFlag.exitCode).toBe(0);

    const empty = path.join(dir, 'empty.url');
    await writeFile(empty, '\n');
    const refused = await runCli([...args, '--storage-from-file', empty]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`--storage-from-file ${empty} is empty`);
  });

  it("refuses the restore's own storage container as a source, exit 2, nothing sent", async () => {
    const url = await storage.containerSasUrl('restore-files');
    await new ContainerClient(url).getBlockBlobClient('default/a.txt').upload('abc', 3);
    const result = await runCli(['upload', '--storage-from', url, '--map', '=', '--storage-sas-url', url, '--no-progress', '--state-dir', await tempDir()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error [USAGE]: The --storage-from source devstoreaccount1/restore-files is the restore's own storage container; nothing was sent.");
    const names = [];
    for await (const blob of new ContainerClient(url).listBlobsFlat()) names.push(blob.name);
    expect(names).toEqual(['default/a.txt']);
  });

  it('the resume command works as printed: never sig=REDACTED; a flag SAS is named as KXP_STORAGE_FROM or a file instead', () => {
    const signed = 'https://oldsite.blob.core.windows.net/media?sv=2024-08-04&sp=rl&sr=c&sig=c2VjcmV0';
    const plain = 'https://other.blob.core.windows.net/library';
    const args = { 'storage-from': [signed, plain], 'storage-from-file': ['more.url'], map: ['=default/'] };
    const words = remoteResumeWords(args);
    expect(words).toEqual(['--storage-from', plain, '--storage-from-file', 'more.url', '--map', '=default/']);
    const text = renderResumeCommand(['kxp-restore', 'upload', ...words], remoteResumeEnvironment(args));
    expect(text).not.toMatch(/REDACTED|c2VjcmV0/);
    expect(text).toContain('read -rs KXP_STORAGE_FROM && export KXP_STORAGE_FROM');
    expect(text).toContain('--storage-from-file FILE');
    expect(remoteResumeEnvironment({ 'storage-from': [plain] })).toEqual([]);
  });
});
