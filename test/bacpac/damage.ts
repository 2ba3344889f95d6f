import { createWriteStream } from 'node:fs';
import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { repoRoot } from '../support/cli.js';

/** The two real exports (read-only ground truth) and what their Origin.xml says. */
export const fixtures = {
  food: { file: path.join(repoRoot, 'test/fixtures/bacpac/food-sql2019.bacpac'), rows: 40, parts: 11 },
  started: { file: path.join(repoRoot, 'test/fixtures/bacpac/started-sql2017.bacpac'), rows: 56983, parts: 128 },
};

/**
 * Rewrites a zip part by part into a new, valid zip: `edit` returns the new content of a part,
 * or null to leave the part out. The zip itself stays sound, so only the bacpac checks can object.
 */
export async function rewriteZip(
  source: string,
  target: string,
  edit: (name: string, data: Buffer) => Buffer | null = (_n, d) => d,
  options: { zip64?: boolean } = {},
): Promise<void> {
  const zip = await yauzl.openPromise(source, { lazyEntries: true });
  const out = new yazl.ZipFile();
  const written = finished(out.outputStream.pipe(createWriteStream(target)));
  for await (const entry of zip.eachEntry()) {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const data = edit(entry.fileName, Buffer.concat(chunks));
    if (data) out.addBuffer(data, entry.fileName, { mtime: new Date(2024, 0, 1), forceZip64Format: options.zip64 ?? false });
  }
  zip.close();
  out.end({ forceZip64Format: options.zip64 ?? false, comment: '' });
  await written;
}

/** Flips one bit of a buffer at `offset` (a copy). */
export function flipByte(data: Buffer, offset: number): Buffer {
  const copy = Buffer.from(data);
  copy[offset] = (copy[offset] ?? 0) ^ 0x01;
  return copy;
}

/** Copies a file and cuts it to `fraction` of its size. */
export async function truncatedCopy(source: string, target: string, fraction: number): Promise<void> {
  await copyFile(source, target);
  const { length } = await readFile(source);
  await truncate(target, Math.floor(length * fraction));
}

/** Copies a file and flips one byte of the raw archive inside the stored or compressed data of a part. */
export async function rawFlipCopy(source: string, target: string, part: string): Promise<void> {
  const zip = await yauzl.openPromise(source, { lazyEntries: true });
  let dataStart = -1;
  let size = 0;
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName !== part) continue;
    dataStart = (await zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
    size = entry.compressedSize;
  }
  zip.close();
  if (dataStart < 0) throw new Error(`${part} not in ${source}`);
  const bytes = await readFile(source);
  await writeFile(target, flipByte(bytes, dataStart + Math.floor(size / 2)));
}
