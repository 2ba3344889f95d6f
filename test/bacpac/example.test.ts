import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { useTempDirs } from '../support/tree.js';

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))).sort();
}

// Runs the real script (it imports dist/, which `npm test` builds first).
describe('scripts/make-example.js', () => {
  const tempDir = useTempDirs();

  it('writes exactly the committed examples/migration, byte for byte', async () => {
    const out = path.join(await tempDir(), 'migration');
    const zip = path.join(path.dirname(out), 'DeploymentPackage.zip');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts', 'make-example.js'), out, zip]);
    expect((await readFile(zip)).equals(await readFile(path.join(repoRoot, 'examples', 'DeploymentPackage.zip'))), 'examples/DeploymentPackage.zip').toBe(true);
    const committed = path.join(repoRoot, 'examples', 'migration');
    const files = await listFiles(out);
    expect(files).toEqual(await listFiles(committed));
    expect(files.length).toBeGreaterThan(30);
    expect(files.every((file) => file === file.toLowerCase())).toBe(true);
    for (const file of files) {
      expect((await readFile(path.join(out, file))).equals(await readFile(path.join(committed, file))), file).toBe(true);
    }
  });
});
