/**
 * Issue 21 point 3: the state folder (journal with local paths, lock with host and pid) is never inside a
 * payload root: the migration folder, --storage, --project, or the folder named storage above a --storage.
 * Real files, real runs against Azurite.
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

async function blobNames(url: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of new ContainerClient(url).listBlobsFlat()) names.push(blob.name);
  return names;
}

async function exists(target: string): Promise<boolean> {
  return access(target).then(
    () => true,
    () => false,
  );
}

describe('the state folder is never inside the payload', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('a --state-dir inside a --project folder: exit 2 naming both folders and the fix, nothing sent, nothing created', async () => {
    const project = await tempDir();
    await writeTree(project, { 'assets/media/a.txt': 'alpha', 'layout.json': JSON.stringify({ containers: { default: ['assets/'] } }) });
    const url = await storage.containerSasUrl('state-in-project');
    const result = await runCli(['upload', '--project', '.', '--layout', 'layout.json', '--storage-sas-url', url, '--state-dir', 'assets/media/.state', '--no-progress'], { cwd: project });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE]: The state folder assets/media/.state is inside the project folder .');
    expect(result.stderr).toMatch(/fix: +Choose a --state-dir outside \., or leave --state-dir out to use the default \(\.kxp-restore\)/);
    expect(await exists(path.join(project, 'assets/media/.state'))).toBe(false);
    expect(await blobNames(url)).toEqual([]);
  });

  it("a --state-dir in a migration folder beside storage/: refused; its own .kxp-restore is the default and accepted", async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const url = await storage.containerSasUrl('state-in-dir');
    const refused = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', path.join(dir, 'state'), '--no-progress']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`error [USAGE]: The state folder ${path.join(dir, 'state')} is inside the migration folder ${dir}`);
    expect(await blobNames(url)).toEqual([]);
    const accepted = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', path.join(dir, '.kxp-restore'), '--no-progress']);
    expect(accepted.exitCode).toBe(0);
    expect(await blobNames(url)).toEqual(['default/a.txt']);
  });

  it('--storage naming a container folder (…/storage/default): refused as one level too deep (issue 18 point 2), and no state folder goes into storage/', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.txt': 'alpha' });
    const url = await storage.containerSasUrl('state-storage-default');
    const result = await runCli(['upload', '--storage', path.join(dir, 'storage/default'), '--storage-sas-url', url, '--no-progress']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/UNEXPECTED_ENTRY[\s\S]*one level too deep/);
    expect(await exists(path.join(dir, 'storage/.kxp-restore'))).toBe(false);
    expect(await blobNames(url)).toEqual([]);
    // The corrected run sees only the container.
    const plan = await runCli(['plan', dir, '--storage-only']);
    expect(plan.stdout + plan.stderr).not.toContain('.kxp-restore');
    expect(plan.exitCode).toBe(0);
  });

  it('an explicit --state-dir in the storage folder above such a --storage: refused, naming that folder', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/assets/a.txt': 'alpha' });
    const url = await storage.containerSasUrl('state-storage-parent');
    const result = await runCli(['upload', '--storage', 'storage/default', '--storage-sas-url', url, '--state-dir', 'storage/.kxp-restore', '--no-progress'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error [USAGE]: The state folder storage/.kxp-restore is inside the storage folder storage,');
    expect(result.stderr).toContain('leave --state-dir out to use the default (.kxp-restore)');
    expect(await blobNames(url)).toEqual([]);
  });

  it("a .kxp-restore left in a storage folder is the tool's own folder: never advised as a container name, never uploaded", async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/.kxp-restore/journal.log': 'local paths' });
    await mkdir(path.join(dir, 'storage/.kxp-restore/locks'));
    const plan = await runCli(['plan', dir]);
    expect(plan.exitCode).not.toBe(0);
    const output = plan.stdout + plan.stderr;
    expect(output).toMatch(/error +STATE_FOLDER +\S*storage\/\.kxp-restore/);
    expect(output).toContain("is kxp-restore's own state folder");
    expect(output).toContain(`Move it out of the storage folder, to ${path.join(dir, '.kxp-restore')}`);
    expect(output).not.toContain('CONTAINER_NAME');
    expect(output).not.toMatch(/rename it to the container name/);
  });
});
