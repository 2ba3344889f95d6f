/**
 * What the journal keeps in memory of each blob, in a digest table keyed by 8 bytes of the name's MD5: the
 * fingerprint of the file version it hashed (8), the first 8 bytes of that version's MD5 and flags (1):
 * 8 + 17 = 25 bytes a slot, 28 a name at load 0.9. Not where the blob's record is in the file: compaction
 * keeps the first record that says what the table holds (any such record says the same).
 * The file keeps each record whole (the full MD5 included); memory only has to answer "is this version's MD5
 * the one the blob holds?", compared with the listing's Content-MD5, never sent or printed from here.
 *
 * What a 64-bit prefix can do wrong (each a chance in 2^64 per lookup, or n^2/2^65 over n names: ~3 in a
 * million at 10,000,000 names for the key):
 * - two names share a key: the later record takes the slot, and a lookup of either name compares the other's
 *   fingerprint, which digests the file's path, so it does not match (2^-64): the file is hashed again. Harmless.
 * - a changed file whose MD5 shares its first 8 bytes with the blob's (2^-64, as the 8-byte fingerprint):
 *   taken as the same content. Accepted, as for the fingerprint.
 */
import { DigestTable, valueLayout } from '../digest-table.js';
import { FINGERPRINT_BYTES, fingerprintOf, type FileEntry, type StateFields } from './journal-format.js';

export const MD5_PREFIX_BYTES = 8;
const VALUE = valueLayout({ fingerprint: FINGERPRINT_BYTES, md5: MD5_PREFIX_BYTES, flags: 1 });
const COMMITTED = 1;
/** Hashed within the racy window of the file's last change: re-hash next time. */
const RACY = 2;
/** During a compaction: a record saying what the table holds was kept already. */
const KEPT = 4;
const STATE = COMMITTED | RACY;

export class JournalTable {
  private table: DigestTable;

  constructor(expected?: number) {
    this.table = new DigestTable(VALUE.bytes, { expected });
  }

  /** Empties the table, sized for `expected` names (before loading a file of that many records). */
  resize(expected: number): void {
    this.table = new DigestTable(VALUE.bytes, { expected });
  }

  get size(): number {
    return this.table.size;
  }

  /**
   * Whether the journal hashed exactly this version of the blob's file (not racily) to this MD5 (base64):
   * true or false, or null when it holds no trusted hash of this version (a null `md5` is never the same).
   */
  sameMd5(blob: string, state: StateFields, md5: string | null): boolean | null {
    const value = this.table.get(DigestTable.digest(blob));
    if (!value || !sameFingerprint(value, fingerprintOf(state)) || (value[VALUE.at.flags]! & RACY) !== 0) return null;
    if (md5 === null) return false;
    const given = Buffer.from(md5, 'base64');
    return given.length === 16 && given.compare(value, VALUE.at.md5, VALUE.at.md5 + MD5_PREFIX_BYTES, 0, MD5_PREFIX_BYTES) === 0;
  }

  /**
   * Takes an entry into the table; false when it tells nothing the table did not hold already. A `hash` of
   * the version already committed stays committed (`entry.kind` becomes 'committed').
   */
  remember(entry: FileEntry, racyWindowMs: number): boolean {
    const { value, created } = this.table.upsert(entry.digest);
    const racy = entry.marginMs < racyWindowMs ? RACY : 0;
    let committed = entry.kind === 'committed' ? COMMITTED : 0;
    if (!created && sameVersion(value, entry)) {
      // A later `hash` of the same file state must not hide that it was committed (it may only clear RACY).
      const flags = value[VALUE.at.flags]! & STATE;
      committed |= flags & COMMITTED;
      if ((committed | racy) === flags) return false;
      if (committed) entry.kind = 'committed';
    }
    value.set(entry.fingerprint.subarray(0, FINGERPRINT_BYTES), VALUE.at.fingerprint);
    value.set(entry.md5.subarray(0, MD5_PREFIX_BYTES), VALUE.at.md5);
    value[VALUE.at.flags] = committed | racy;
    return true;
  }

  /**
   * For compaction, each record in file order: whether to keep it. It is kept when it says what the table
   * holds for its blob (version, MD5, committed, racy) and no record saying so was kept before it.
   */
  keepOnce(entry: FileEntry, racyWindowMs: number): boolean {
    const value = this.table.get(entry.digest);
    if (!value || !sameVersion(value, entry)) return false;
    const flags = value[VALUE.at.flags]!;
    const says = (entry.kind === 'committed' ? COMMITTED : 0) | (entry.marginMs < racyWindowMs ? RACY : 0);
    if ((flags & KEPT) !== 0 || (flags & STATE) !== says) return false;
    value[VALUE.at.flags] = flags | KEPT;
    return true;
  }
}

/** Whether the table's value is of the entry's file version and MD5. */
function sameVersion(value: Buffer, entry: FileEntry): boolean {
  return sameFingerprint(value, entry.fingerprint) && entry.md5.compare(value, VALUE.at.md5, VALUE.at.md5 + MD5_PREFIX_BYTES, 0, MD5_PREFIX_BYTES) === 0;
}

function sameFingerprint(value: Buffer, print: Buffer): boolean {
  return print.compare(value, VALUE.at.fingerprint, VALUE.at.fingerprint + FINGERPRINT_BYTES, 0, FINGERPRINT_BYTES) === 0;
}
