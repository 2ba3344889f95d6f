import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openManifest, writeManifest, type ManifestEntry } from '../../src/transfer/manifest.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('manifest', () => {
  const list: ManifestEntry[] = [
    { kind: 'local', role: 'database', blob: 'db.bacpac', size: 10, path: 'db.bacpac', fingerprint: 'abc' },
    { kind: 'local', role: 'storage', blob: 'default/assets/a.png', size: 3, path: 'default/assets/a.png', fingerprint: 'def' },
    { kind: 'remote', role: 'storage', blob: 'default/media/b.jpg', size: 5, source: 0, sourceName: 'MySite/media/b.jpg', etag: '"0x1"' },
  ];

  it('round-trips a header and its entries, streamed, as often as asked', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'kxp-manifest-')), 'payload.kxpm');
    await writeManifest(file, { payload: { description: './migration' }, layout: null, blockSize: 8 * 1024 * 1024, files: 3, bytes: 18, parts: { database: true, storage: true } }, list);
    const { header, entries } = await openManifest(file);
    expect(header).toMatchObject({ format: 'kxp-restore-manifest', version: 1, files: 3, bytes: 18 });
    expect(await collect(entries())).toEqual(list.map((entry, ordinal) => ({ ...entry, ordinal })));
    expect((await collect(entries())).length).toBe(3);
    expect(gunzipSync(await readFile(file)).toString()).not.toMatch(/sig=/);
  });

  it('refuses a missing, foreign, truncated or damaged manifest with the file named', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kxp-manifest-'));
    await expect(openManifest(path.join(dir, 'none.kxpm'))).rejects.toMatchObject({ code: 'NOT_FOUND', exitCode: 2 });
    await writeFile(path.join(dir, 'plain.kxpm'), '{"format":"kxp-restore-manifest"}\n');
    await expect(openManifest(path.join(dir, 'plain.kxpm'))).rejects.toMatchObject({ code: 'MANIFEST_INVALID', path: path.join(dir, 'plain.kxpm') });
    await writeFile(path.join(dir, 'foreign.kxpm'), gzipSync('{"hello":1}\n'));
    await expect(openManifest(path.join(dir, 'foreign.kxpm'))).rejects.toThrow(/not a kxp-restore manifest/);
    const header = JSON.stringify({ format: 'kxp-restore-manifest', version: 1, createdAt: '', payload: { description: '' }, layout: null, blockSize: 1, files: 2, bytes: 0 });
    await writeFile(path.join(dir, 'short.kxpm'), gzipSync(`${header}\n${JSON.stringify(list[0])}\n`));
    const short = await openManifest(path.join(dir, 'short.kxpm'));
    await expect(collect(short.entries())).rejects.toThrow(/names 2 files but it holds 1/);
    await writeFile(path.join(dir, 'bad.kxpm'), gzipSync(`${header}\n{"kind":"local"}\n`));
    const bad = await openManifest(path.join(dir, 'bad.kxpm'));
    await expect(collect(bad.entries())).rejects.toThrow(/line 2 is not a manifest entry/);
  });
});
