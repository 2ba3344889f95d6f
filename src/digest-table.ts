/**
 * A hash table sized for millions of blobs: keys are the 16-byte MD5 of a name, values a fixed number of
 * bytes, all in a few flat buffers. A Map of objects costs 200–400 bytes per blob (the name, the path, the
 * MD5 text, the object); this costs (17 + value bytes) / load, 60–90 bytes a name with the 29–33-byte values
 * of the journal and the listing (load 0.5–0.75), and no garbage-collector work per entry. Names are not kept: whoever needs them again (verify's "extra" blobs) lists them again.
 * A 128-bit digest makes two names sharing a slot as unlikely as an MD5 collision.
 */
import { hash } from 'node:crypto';

const KEY_WORDS = 4;
const INITIAL_CAPACITY = 1024;
const MAX_LOAD = 0.75;
/** Capacities are any whole number (not powers of two): a table sized for what it will hold wastes no half. */
const GROWTH = 1.5;

/** Byte offsets of fixed-width fields laid end to end in a table value, and the value's width. */
export function valueLayout<Field extends string>(widths: Record<Field, number>): { at: Record<Field, number>; bytes: number } {
  const at = {} as Record<Field, number>;
  let bytes = 0;
  for (const field of Object.keys(widths) as Field[]) {
    at[field] = bytes;
    bytes += widths[field];
  }
  return { at, bytes };
}

export class DigestTable {
  private capacity: number;
  private keys: Uint32Array;
  private used: Uint8Array;
  private values: Buffer;
  private count = 0;

  /** `expected`: how many names it will likely hold (e.g. the plan's file count), to allocate once. */
  constructor(
    readonly valueBytes: number,
    expected = 0,
  ) {
    this.capacity = Math.max(INITIAL_CAPACITY, Math.ceil(expected / MAX_LOAD) + 1);
    this.keys = new Uint32Array(this.capacity * KEY_WORDS);
    this.used = new Uint8Array(this.capacity);
    this.values = Buffer.alloc(this.capacity * valueBytes);
  }

  /** The key of a name. */
  static digest(name: string): Buffer {
    return hash('md5', name, 'buffer');
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for the name, as a view into the table (valid until the next insert), or undefined. */
  get(key: Buffer): Buffer | undefined {
    const slot = this.find(key);
    return this.used[slot] ? this.valueAt(slot) : undefined;
  }

  /** The value slot for the name, created zero-filled if it was not there: write into the view returned. */
  upsert(key: Buffer): { value: Buffer; created: boolean } {
    if ((this.count + 1) / this.capacity > MAX_LOAD) this.grow();
    const slot = this.find(key);
    if (this.used[slot]) return { value: this.valueAt(slot), created: false };
    this.used[slot] = 1;
    this.count++;
    for (let word = 0; word < KEY_WORDS; word++) this.keys[slot * KEY_WORDS + word] = key.readUInt32LE(word * 4);
    return { value: this.valueAt(slot), created: true };
  }

  private valueAt(slot: number): Buffer {
    return this.values.subarray(slot * this.valueBytes, (slot + 1) * this.valueBytes);
  }

  /**
   * Linear probing from the slot the key's first word scales to (k0 / 2^32 of the way through the table):
   * the slot holding the key, or the empty one where it would go.
   */
  private find(key: Buffer): number {
    const k0 = key.readUInt32LE(0);
    const k1 = key.readUInt32LE(4);
    const k2 = key.readUInt32LE(8);
    const k3 = key.readUInt32LE(12);
    const capacity = this.capacity;
    for (let slot = Math.floor((k0 / 0x1_0000_0000) * capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      if (!this.used[slot]) return slot;
      const at = slot * KEY_WORDS;
      if (this.keys[at] === k0 && this.keys[at + 1] === k1 && this.keys[at + 2] === k2 && this.keys[at + 3] === k3) return slot;
    }
  }

  private grow(): void {
    const { capacity, keys, used, values } = this;
    this.capacity = Math.ceil(capacity * GROWTH);
    this.keys = new Uint32Array(this.capacity * KEY_WORDS);
    this.used = new Uint8Array(this.capacity);
    this.values = Buffer.alloc(this.capacity * this.valueBytes);
    this.count = 0;
    const key = Buffer.alloc(16);
    for (let slot = 0; slot < capacity; slot++) {
      if (!used[slot]) continue;
      for (let word = 0; word < KEY_WORDS; word++) key.writeUInt32LE(keys[slot * KEY_WORDS + word] ?? 0, word * 4);
      values.copy(this.upsert(key).value, 0, slot * this.valueBytes, (slot + 1) * this.valueBytes);
    }
  }
}
