import { describe, expect, it } from 'vitest';
import { sasSignature } from '../../src/azure/sas.js';
import { learnFromExportFolder } from '../../src/layout/export.js';
import { layoutFileJson } from '../../src/rules/layout-model.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { useTempDirs, writeTree } from '../support/tree.js';

describe('learning a layout from a "Storage and files" export', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  it('from a downloaded folder: containers and their top-level folders; stray files noted', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'export/default/assets/contentitems/a/b.png': 'b',
      'export/default/assets/media/lib/c.png': 'c',
      'export/default/readme.txt': 'r',
      'export/search-index/app_data/searchindex/seg.bin': 's',
      'export/Bad_Name/x/y.txt': 'y',
    });
    const layout = await learnFromExportFolder('export', { cwd: dir });
    expect(layoutFileJson(layout)).toEqual({ containers: { default: ['assets/'], 'search-index': ['app_data/'] } });
    expect(layout.notes.join('\n')).toContain('default/readme.txt');
    expect(layout.notes.join('\n')).toContain('"Bad_Name" is not a valid container name');

    const cli = await runCli(['layout', '--from-export', 'export'], { cwd: dir });
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toMatch(/container default\n\s+assets\/\s+← learned from the export export/);
    expect(cli.stdout).toContain('"search-index": [');
  });

  it('from a container SAS URL on Azurite, listed by folder; the signature is never printed', async () => {
    const url = await storage.containerSasUrl('export-1', { permissions: 'rl' });
    const container = storage.azurite.serviceClient.getContainerClient('export-1');
    for (const name of ['default/assets/contentitems/a/b.png', 'default/assets/media/c.png', 'media-libraries/assets/media/lib/d.png']) {
      await container.getBlockBlobClient(name).upload('x', 1);
    }
    const result = await runCli(['layout', '--from-export', url, '--json']);
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.layoutFile).toEqual({ containers: { default: ['assets/'], 'media-libraries': ['assets/'] } });
    expect(json.from).toContain('sig=REDACTED');
    expect(result.stdout + result.stderr).not.toContain(sasSignature(url) ?? 'no signature');
  });

  it('an empty export or one without list permission exits 2', async () => {
    const empty = await runCli(['layout', '--from-export', await storage.containerSasUrl('export-2', { permissions: 'rl' })]);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('holds no <container>/<folder>/… files');
    const writeOnly = await runCli(['layout', '--from-export', await storage.containerSasUrl('export-3', { permissions: 'w' })]);
    expect(writeOnly.exitCode).toBe(2);
    expect(writeOnly.stderr).toContain('does not allow list');
  });
});
