/**
 * The journal's file format (version 3): a 16-byte header, then fixed-width binary records of 52 bytes, each
 * closed by a CRC-32 of its own bytes. Fixed widths make a torn tail (a crash in the middle of a write) a
 * file length that is not a whole number of records, cut back on the next open; the CRC catches anything
 * else that is not a record we wrote. No names or paths are stored, only digests, so a record costs the
 * same whatever the blob name's length (the JSON-lines form of version 2 cost ~380 bytes a file).
 *
 * Record: kind (1) · role (1) · reserved (2) · MD5 of the blob name (16) · fingerprint of the file state (8)
 *         · whole-file MD5 (16) · hashing margin in ms, int32 (4) · CRC-32 of the 48 bytes before (4).
 */
import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { createReadStream } from 'node:fs';
import type { ContainerRole } from '../rules/container-role.js';

export const HEADER = Buffer.from('kxp-journal v3\n\0', 'latin1');
export const RECORD_BYTES = 52;
const CRC_AT = RECORD_BYTES - 4;
export const FINGERPRINT_BYTES = 8;

export type RecordKind = 'hash' | 'committed';

/** One file record: what the journal remembers of one blob. */
export interface FileEntry {
  kind: RecordKind;
  /** MD5 of the blob name (the table key). */
  digest: Buffer;
  /** Digest of (path, device, inode, size, mtime, ctime): one version of the local file. */
  fingerprint: Buffer;
  md5: Buffer;
  /** How long after the file's last change it was hashed (ms, clamped to int32); small = racy. */
  marginMs: number;
}

export type JournalEntry = FileEntry | { kind: 'role'; role: ContainerRole };

const KIND_CODES = { hash: 1, committed: 2, role: 3 } as const;
const ROLE_CODES = { database: 1, storage: 2 } as const;

/** The 52 bytes of one record, written into `into` at `at`. */
export function encodeEntry(entry: JournalEntry, into: Buffer = Buffer.alloc(RECORD_BYTES), at = 0): Buffer {
  into.fill(0, at, at + RECORD_BYTES);
  into[at] = KIND_CODES[entry.kind];
  if (entry.kind === 'role') {
    into[at + 1] = ROLE_CODES[entry.role];
  } else {
    entry.digest.copy(into, at + 4, 0, 16);
    entry.fingerprint.copy(into, at + 20, 0, FINGERPRINT_BYTES);
    entry.md5.copy(into, at + 28, 0, 16);
    into.writeInt32LE(clampInt32(entry.marginMs), at + 44);
  }
  into.writeUInt32LE(crc32(into.subarray(at, at + CRC_AT)), at + CRC_AT);
  return into;
}

/** The entry in one record's bytes (views into them), or null for bytes we did not write (bad CRC, unknown kind). */
export function decodeEntry(record: Buffer): JournalEntry | null {
  if (record.length !== RECORD_BYTES || record.readUInt32LE(CRC_AT) !== crc32(record.subarray(0, CRC_AT))) return null;
  const kind = record[0];
  if (kind === KIND_CODES.role) {
    const role = record[1] === ROLE_CODES.database ? 'database' : record[1] === ROLE_CODES.storage ? 'storage' : null;
    return role ? { kind: 'role', role } : null;
  }
  if (kind !== KIND_CODES.hash && kind !== KIND_CODES.committed) return null;
  return {
    kind: kind === KIND_CODES.hash ? 'hash' : 'committed',
    digest: record.subarray(4, 20),
    fingerprint: record.subarray(20, 20 + FINGERPRINT_BYTES),
    md5: record.subarray(28, 44),
    marginMs: record.readInt32LE(44),
  };
}

export function clampInt32(value: number): number {
  return Math.max(-0x8000_0000, Math.min(0x7fff_ffff, Math.round(value)));
}

/**
 * The records of a version-3 file in order, streamed in runs of whole records (one buffer per read, not one
 * promise per record: a million records open in a fraction of the time). Reads `records` whole records after
 * the header and ignores anything after them (a torn tail). Each buffer is only valid until the next one.
 */
export async function* readRecordRuns(file: string, records: number): AsyncGenerator<Buffer> {
  if (records === 0) return;
  const end = HEADER.length + records * RECORD_BYTES - 1;
  const stream = createReadStream(file, { start: HEADER.length, end, highWaterMark: RECORD_BYTES * 4096 }) as AsyncIterable<Buffer>;
  let carry = Buffer.alloc(0);
  for await (const chunk of stream) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = bytes.length - (bytes.length % RECORD_BYTES);
    if (whole > 0) yield bytes.subarray(0, whole);
    carry = Buffer.from(bytes.subarray(whole));
  }
}

/** Each record of a run of whole records (a view into it). */
export function* recordsOf(run: Buffer): Generator<Buffer> {
  for (let at = 0; at < run.length; at += RECORD_BYTES) yield run.subarray(at, at + RECORD_BYTES);
}

/** The fields of one version of a local file, as FileState holds them or version 2 stored them (decimal strings). */
export interface StateFields {
  path: string;
  size: number;
  dev: bigint | string;
  ino: bigint | string;
  mtimeNs: bigint | string;
  ctimeNs: bigint | string;
  seenAtMs: number;
}

/** What identifies one version of a local file: its path, device, inode, size, mtime and ctime, digested. */
export function fingerprintOf(state: StateFields): Buffer {
  const fields = [state.path, state.size, state.dev, state.ino, state.mtimeNs, state.ctimeNs];
  return hash('md5', fields.join('\0'), 'buffer').subarray(0, FINGERPRINT_BYTES);
}

/** How long after its last change (the later of mtime and ctime) the file's state was taken, in ms. */
export function hashingMarginMs(state: StateFields): number {
  const mtime = BigInt(state.mtimeNs);
  const ctime = BigInt(state.ctimeNs);
  return state.seenAtMs - Number((mtime > ctime ? mtime : ctime) / 1_000_000n);
}
