/**
 * Needs dist/ built. The state folder on a real full disk (a tiny tmpfs, mounted for the test: needs root
 * and a kernel that lets it mount) and a folder this user cannot write: each named as such, exit 2.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const PAGE = 4096;

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN); probed once, for real. */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=4k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s']);
  return probe.status === 0;
}

/** Mounts a tmpfs of `pages` pages at a fresh folder, fills all but `free` pages, runs `body`, unmounts. */
async function onTinyDisk<T>(tempDir: () => Promise<string>, pages: number, free: number, body: (mount: string) => Promise<T>): Promise<T> {
  const mount = await tempDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${pages * PAGE},mode=0755`, 'tmpfs', mount]);
  try {
    await writeFile(path.join(mount, 'filler'), Buffer.alloc((pages - free) * PAGE, 1));
    return await body(mount);
  } finally {
    execFileSync('umount', [mount]);
  }
}

describe('the state folder', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  const mountable = canMountTmpfs();

  it.skipIf(!mountable)('on a full disk: STATE_DIR_FULL naming the folder and the fix, exit 2, nothing sent', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha', 'storage/default/b.txt': 'beta' });
    const url = await storage.containerSasUrl('full-at-start');
    await onTinyDisk(tempDir, 4, 0, async (mount) => {
      const stateDir = path.join(mount, 'state');
      const result = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir, '--no-progress']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`error [STATE_DIR_FULL]: The state folder ${stateDir} is full (ENOSPC)`);
      expect(result.stderr).toContain(`path: ${stateDir}`);
      expect(result.stderr).toMatch(/fix: +Free space on that disk, or give another folder with --state-dir/);
      expect(result.stderr).not.toContain('INTERNAL');
      // No half-written lock is left behind to block the next run.
      expect((await readdir(stateDir)).filter((name) => name.endsWith('.lock'))).toEqual([]);
    });
    const blobs = [];
    for await (const blob of new ContainerClient(url).listBlobsFlat()) blobs.push(blob.name);
    expect(blobs).toEqual([]);
  });

  it.skipIf(!mountable)('filling up during the run: STATE_DIR_FULL, exit 2, and the next run with room goes on', async () => {
    const dir = await tempDir();
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`storage/default/f${String(i).padStart(3, '0')}.txt`] = `file ${i}`;
    await writeTree(dir, files);
    const url = await storage.containerSasUrl('full-during-run');
    // Two free pages: the lock and the first 4 KiB of the journal; 300 records of 52 bytes need more.
    await onTinyDisk(tempDir, 8, 2, async (mount) => {
      const stateDir = path.join(mount, 'state');
      const result = await spawnCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir, '--no-progress']).done;
      expect(result.stderr).toContain(`error [STATE_DIR_FULL]: The state folder ${stateDir} is full (ENOSPC)`);
      expect(result.exitCode).toBe(2);
    });
    // It filled up during the run, not before: some blobs were committed first.
    let committed = 0;
    for await (const blob of new ContainerClient(url).listBlobsFlat()) committed += blob.name ? 1 : 0;
    expect(committed).toBeGreaterThan(0);
    const rerun = await runCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', await tempDir(), '--no-progress', '--json']);
    expect(rerun.exitCode).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ ok: true, files: { total: 300 } });
  });

  it('that this user cannot write: STATE_DIR_UNWRITABLE (not UNREADABLE) naming it, exit 2', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'storage/default/a.txt': 'alpha' });
    const url = await storage.containerSasUrl('unwritable');
    const stateDir = path.join(await tempDir(), 'state');
    await mkdir(stateDir);
    await chmod(stateDir, 0o555);
    // As root, without the capability that writes whatever the mode bits say.
    const result = await spawnCli(['upload', dir, '--storage-only', '--storage-sas-url', url, '--state-dir', stateDir, '--no-progress'], { withoutReadOverride: true }).done;
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error [STATE_DIR_UNWRITABLE]: The state folder ${stateDir} cannot be written (EACCES)`);
    expect(result.stderr).toMatch(/fix: +Make that folder writable by this user, or give another folder with --state-dir/);
    expect(result.stderr).not.toContain('UNREADABLE');
  });
});
