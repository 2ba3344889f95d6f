/**
 * Writes a valid ZIP64 archive whose large entries are holes: the file is sparse, so a package "over
 * 2 GB" costs a few KiB of disk and no time. Every entry is stored (no compression) with ZIP64 sizes and
 * offsets in its central directory record; a ZIP64 end-of-central-directory record closes it.
 */
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

export type SparseEntry = { name: string; data: Buffer } | { name: string; holeBytes: number };

const MAX32 = 0xffffffff;

function zip64Extra(uncompressed: number, compressed: number, offset: number): Buffer {
  const extra = Buffer.alloc(4 + 24);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(24, 2);
  extra.writeBigUInt64LE(BigInt(uncompressed), 4);
  extra.writeBigUInt64LE(BigInt(compressed), 12);
  extra.writeBigUInt64LE(BigInt(offset), 20);
  return extra;
}

export async function writeSparseZip64(file: string, entries: readonly SparseEntry[]): Promise<number> {
  const handle = await open(file, 'w');
  try {
    let position = 0;
    const central: Buffer[] = [];
    for (const entry of entries) {
      const name = Buffer.from(entry.name, 'utf8');
      const size = 'data' in entry ? entry.data.length : entry.holeBytes;
      // A hole reads as zeros; its CRC is never checked because nothing reads the entry's data.
      const crc = 'data' in entry ? crc32(entry.data) : 0;
      const localExtra = zip64Extra(size, size, 0).subarray(0, 20);
      localExtra.writeUInt16LE(16, 2);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(45, 4);
      local.writeUInt16LE(0x0800, 6);
      local.writeUInt16LE(0, 8);
      local.writeUInt16LE(0, 10);
      local.writeUInt16LE(0x21, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(MAX32, 18);
      local.writeUInt32LE(MAX32, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(localExtra.length, 28);
      const header = Buffer.concat([local, name, localExtra]);
      await handle.write(header, 0, header.length, position);
      const offset = position;
      position += header.length;
      if ('data' in entry) await handle.write(entry.data, 0, entry.data.length, position);
      position += size;
      const record = Buffer.alloc(46);
      record.writeUInt32LE(0x02014b50, 0);
      record.writeUInt16LE(45, 4);
      record.writeUInt16LE(45, 6);
      record.writeUInt16LE(0x0800, 8);
      record.writeUInt16LE(0, 10);
      record.writeUInt16LE(0, 12);
      record.writeUInt16LE(0x21, 14);
      record.writeUInt32LE(crc, 16);
      record.writeUInt32LE(MAX32, 20);
      record.writeUInt32LE(MAX32, 24);
      record.writeUInt16LE(name.length, 28);
      record.writeUInt16LE(28, 30);
      record.writeUInt32LE(MAX32, 42);
      central.push(record, name, zip64Extra(size, size, offset));
    }
    const directory = Buffer.concat(central);
    const directoryOffset = position;
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(BigInt(entries.length), 24);
    end64.writeBigUInt64LE(BigInt(entries.length), 32);
    end64.writeBigUInt64LE(BigInt(directory.length), 40);
    end64.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(directoryOffset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(MAX32, 12);
    end.writeUInt32LE(MAX32, 16);
    const tail = Buffer.concat([directory, end64, locator, end]);
    await handle.write(tail, 0, tail.length, position);
    return position + tail.length;
  } finally {
    await handle.close();
  }
}

/** Every file entry of a (small) zip, name → data: to rebuild a package around a hole. */
export async function readZipEntries(file: string): Promise<Array<{ name: string; data: Buffer }>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  try {
    const entries: Array<{ name: string; data: Buffer }> = [];
    for await (const entry of zip.eachEntry()) {
      const parts: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) parts.push(chunk as Buffer);
      entries.push({ name: entry.fileName, data: Buffer.concat(parts) });
    }
    return entries;
  } finally {
    zip.close();
  }
}
