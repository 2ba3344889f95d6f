/**
 * One source model (issue 17 point 2): the same payload through each kind of source, a migration folder, a
 * project folder read through its layout, and a remote container on Azurite, gives the same entries (names
 * mapped, sizes, the bytes each one reads or copies) and the same findings.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPayload, type Payload } from '../../src/source/payload.js';
import type { PayloadSource, SourceEvent } from '../../src/source/types.js';
import { useAzurite } from '../support/azurite.js';
import { useTempDirs, writeTree } from '../support/tree.js';

/** Project-relative paths as a site keeps them (mixed case on disk), and their bytes. */
const FILES: Record<string, string> = {
  'Assets/Media/Banner.JPG': 'banner bytes',
  'Assets/contentitems/ab/Photo.png': 'a photo',
  'Assets/media/docs/Price List.pdf': 'prices, 2026',
};
/** Two containers: the payload has nothing for `media`, which each kind must report the same way. */
const LAYOUT = JSON.stringify({ containers: { default: ['assets/'], media: ['medialib/'] } });
const BACPAC = 'not a real bacpac: the model does not read it';

interface Seen {
  kind: string;
  blobName: string;
  container: string | null;
  size: number;
  bytes: string;
}

/** Every event of one pass, each entry with the bytes it reads (local) or the service would copy (remote). */
async function pass(payload: Payload): Promise<{ entries: Seen[]; findings: string[] }> {
  const entries: Seen[] = [];
  const findings: string[] = [];
  for await (const event of payload.events() as AsyncIterable<SourceEvent>) {
    if (event.type === 'finding') findings.push(`${event.finding.severity} ${event.finding.code} ${event.finding.path}`);
    if (event.type !== 'file') continue;
    const file = event.file;
    const bytes = file.kind === 'remote' ? (await file.reader.client.getBlobClient(file.name).downloadToBuffer()).toString() : await readFile(file.absolutePath, 'utf8');
    entries.push({ kind: file.kind === 'remote' ? 'storage' : file.kind, blobName: file.blobName, container: file.container, size: file.size, bytes });
  }
  entries.sort((a, b) => (a.blobName < b.blobName ? -1 : 1));
  return { entries, findings };
}

describe('one source model: each kind yields the same entries', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();

  async function common(): Promise<{ root: string; bacpac: string; layoutFile: string }> {
    const root = await tempDir();
    await writeTree(root, { 'site.bacpac': BACPAC, 'layout.json': LAYOUT });
    return { root, bacpac: path.join(root, 'site.bacpac'), layoutFile: path.join(root, 'layout.json') };
  }

  it('a migration folder, the same files as a project folder under its layout, and in a remote container', async () => {
    const { root, bacpac, layoutFile } = await common();
    // 1. A migration folder: storage/<container>/<project path>, names lowercased on the way.
    const dir = path.join(root, 'migration');
    await writeTree(dir, Object.fromEntries(Object.entries(FILES).map(([name, body]) => [`storage/default/${name}`, body])));
    const folder: PayloadSource = { dir, bacpac, layoutFile, lowercase: true };
    // 2. A project folder: the files where the project keeps them, mapped by the layout (lowercased, as Xperience does).
    const project = path.join(root, 'project');
    await writeTree(project, { ...FILES, 'Program.cs': '// code is not storage', 'bin/Site.dll': 'MZ' });
    const fromProject: PayloadSource = { project, bacpac, layoutFile };
    // 3. A remote container: the same files as blobs under another prefix, mapped and lowercased.
    const sourceUrl = await storage.containerSasUrl('site-media', { permissions: 'rl' });
    const container = storage.azurite.serviceClient.getContainerClient('site-media');
    for (const [name, body] of Object.entries(FILES)) await container.getBlockBlobClient(`MySite/${name}`).upload(body, Buffer.byteLength(body));
    const remote: PayloadSource = { storageFrom: [sourceUrl], map: ['MySite/=default/'], bacpac, layoutFile, lowercase: true };

    const a = await pass(await openPayload(folder, { cwd: root }));
    const b = await pass(await openPayload(fromProject, { cwd: root }));
    const c = await pass(await openPayload(remote, { cwd: root }));
    expect(a.entries).toEqual([
      { kind: 'bacpac', blobName: 'db.bacpac', container: null, size: BACPAC.length, bytes: BACPAC },
      { kind: 'storage', blobName: 'default/assets/contentitems/ab/photo.png', container: 'default', size: 7, bytes: 'a photo' },
      { kind: 'storage', blobName: 'default/assets/media/banner.jpg', container: 'default', size: 12, bytes: 'banner bytes' },
      { kind: 'storage', blobName: 'default/assets/media/docs/price list.pdf', container: 'default', size: 12, bytes: 'prices, 2026' },
    ]);
    expect(b.entries).toEqual(a.entries);
    expect(c.entries).toEqual(a.entries);
    // What the rules said: the layout's second container gets nothing, whatever the kind.
    expect(a.findings).toEqual(['warning EMPTY_CONTAINER media/']);
    expect(b.findings).toEqual(a.findings);
    expect(c.findings).toEqual(a.findings);
  });

  it('the rules say the same of the same mistake in each kind: a name that is not lowercase, a path the layout does not serve', async () => {
    const { root, bacpac, layoutFile } = await common();
    const files = { 'default/assets/Logo.png': 'logo', 'default/media/stray.png': 'stray' };
    const dir = path.join(root, 'migration');
    await writeTree(dir, Object.fromEntries(Object.entries(files).map(([name, body]) => [`storage/${name}`, body])));
    const sourceUrl = await storage.containerSasUrl('mistakes', { permissions: 'rl' });
    const container = storage.azurite.serviceClient.getContainerClient('mistakes');
    for (const [name, body] of Object.entries(files)) await container.getBlockBlobClient(name).upload(body, body.length);

    const codes = async (source: PayloadSource) => (await pass(await openPayload(source, { cwd: root }))).findings.map((finding) => finding.split(' ').slice(0, 2).join(' '));
    const local = await codes({ dir, bacpac, layoutFile });
    expect(local).toEqual(['error NOT_LOWERCASE', 'error UNMAPPED_PATH', 'warning EMPTY_CONTAINER']);
    expect(await codes({ storageFrom: [sourceUrl], bacpac, layoutFile })).toEqual(local);
  });

  it('the layout is resolved once per payload, and each pass reads the sources again (streamed, nothing kept)', async () => {
    const { root, bacpac, layoutFile } = await common();
    const project = path.join(root, 'project');
    await writeTree(project, FILES);
    const payload = await openPayload({ project, bacpac, layoutFile }, { cwd: root });
    expect(payload.layout).toMatchObject({ source: 'layout-file', rules: [{ container: 'default', prefix: 'assets/' }, { container: 'media', prefix: 'medialib/' }] });
    expect(payload.sources.map((source) => source.kind)).toEqual(['folder', 'project']);
    const first = await pass(payload);
    await writeTree(project, { 'Assets/Media/New.png': 'new' });
    const second = await pass(payload);
    expect(second.entries.map((entry) => entry.blobName)).toEqual([...first.entries.map((entry) => entry.blobName), 'default/assets/media/new.png'].sort());
  });
});
