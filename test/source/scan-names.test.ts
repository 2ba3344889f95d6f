/** Issue 10 points 5 and 7: Unicode names are one name; OS clutter is left out; both through the real scan on real files. */
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPayload } from '../../src/operations/plan.js';
import { scanPayload } from '../../src/source/payload.js';
import type { PayloadSource } from '../../src/source/types.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const NFC = 'caf\u00e9.jpg';
const NFD = 'cafe\u0301.jpg';

describe('scan: Unicode names and system files', () => {
  const tempDir = useTempDirs();
  const storage = async (files: Record<string, string>) => {
    const dir = await tempDir();
    await writeTree(dir, Object.fromEntries(Object.entries(files).map(([name, body]) => [`storage/default/${name}`, body])));
    return dir;
  };
  const plan = (source: PayloadSource) => planPayload({ storageOnly: true, ...source }, { cwd: source.dir });
  const blobNames = async (source: PayloadSource) => {
    const names: string[] = [];
    for await (const event of scanPayload(source, { cwd: source.dir })) if (event.type === 'file') names.push(event.file.blobName);
    return names;
  };

  it.each([
    ['café in NFC and NFD', NFC, NFD],
    ['a final sigma and a plain one', 'ΟΔΟΣ-1.jpg', 'οδοσ-1.jpg'],
    ['dotless ı and capital I', 'ıcon.png', 'Icon.png'],
  ])('reports %s as one name, also under --lowercase and --nfc', async (_label, first, second) => {
    const dir = await storage({ [first]: 'a', [second]: 'b' });
    for (const source of [{ dir, lowercase: true }, { dir, lowercase: true, nfc: true }]) {
      const report = await plan(source);
      expect(report.errors.map((finding) => finding.code)).toContain('CASE_COLLISION');
    }
  });

  it('reports a name not in NFC (NOT_NFC) and sends it as NFC with --nfc', async () => {
    const dir = await storage({ [NFD]: 'a' });
    const report = await plan({ dir });
    expect(report.errors).toEqual([expect.objectContaining({ code: 'NOT_NFC', path: `storage/default/${NFD}` })]);
    expect(report.errors[0]?.message).toContain('--nfc');
    const fixed = await plan({ dir, nfc: true });
    expect(fixed.errors).toEqual([]);
    expect(await blobNames({ dir, nfc: true })).toEqual([`default/${NFC}`]);
    expect(await blobNames({ dir, nfc: true, lowercase: true })).toEqual([`default/${NFC}`]);
  });

  it('lowercases code point by code point: a final Σ becomes σ, İ becomes i (no added dot)', async () => {
    const dir = await storage({ 'ΟΔΟΣ.jpg': 'a', 'İSTANBUL.png': 'b' });
    expect((await blobNames({ dir, lowercase: true })).sort()).toEqual(['default/istanbul.png', 'default/οδοσ.jpg']);
  });

  it('leaves out Thumbs.db, desktop.ini, .DS_Store and ._* with a warning each, unless --include-system-files', async () => {
    const dir = await storage({ 'a.png': 'a', 'Thumbs.db': 't', 'sub/desktop.ini': 'd', 'sub/.DS_Store': 'x', 'sub/._a.png': 'r', 'sub/b.png': 'b' });
    await writeTree(dir, { 'storage/.DS_Store': 'top' });
    const report = await plan({ dir });
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((finding) => finding.code === 'SYSTEM_FILE').map((finding) => finding.path).sort()).toEqual([
      'storage/.DS_Store',
      'storage/default/Thumbs.db',
      'storage/default/sub/.DS_Store',
      'storage/default/sub/._a.png',
      'storage/default/sub/desktop.ini',
    ]);
    expect(await blobNames({ dir })).toEqual(['default/a.png', 'default/sub/b.png']);
    const included = await plan({ dir, includeSystemFiles: true, lowercase: true });
    expect(included.warnings.map((finding) => finding.code)).not.toContain('SYSTEM_FILE');
    // The one at the top is outside any container, so it is an error once it is not left out.
    expect(included.errors.map((finding) => finding.code)).toEqual(['OUTSIDE_CONTAINER']);
    await symlink(path.join(dir, 'storage/default/a.png'), path.join(dir, 'storage/default/link.png'));
    expect((await plan({ dir })).warnings.map((finding) => finding.code)).toContain('SYMLINK');
  });
});
