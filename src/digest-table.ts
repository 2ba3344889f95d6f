/**
 * A hash table sized for millions of blobs: keys are the first 8 or 12 bytes of the MD5 of a name (the
 * owner chooses by what a collision between two names would cost it), values a fixed number of bytes, all in
 * two flat arrays: no object, no name and no garbage-collector work per entry. A Map of objects costs
 * 200–400 bytes a blob. This costs (key + value bytes) / load a name: a table sized from the expected count
 * is filled to at most 0.9 and never grows in the common path (growing keeps the old and the new arrays alive
 * at once, 2.5 times the old table). Measured figures per name: docs/measurements.md ("Memory per file").
 * An all-zero first word marks an empty slot (no `used` byte per slot), so a key's first word is made
 * non-zero: a key beginning with a zero word is the key beginning with 1 and otherwise equal (a collision
 * far rarer than one of the key itself).
 * Names are not kept: whoever needs them again (verify's "extra" blobs) lists them again.
 */
import { hash } from 'node:crypto';

/** Key widths: 8 bytes where a collision only costs work, 12 where it could hide a difference. */
export type KeyBytes = 8 | 12;

/** The most a table is filled: sized so the expected count reaches it, grown past it. */
export const MAX_LOAD = 0.9;
const INITIAL_CAPACITY = 1024;
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

export interface DigestTableOptions {
  /** How many names it will likely hold (e.g. the plan's file count), to allocate once. */
  expected?: number;
  /** Default 8. */
  keyBytes?: KeyBytes;
  /** Slots to start from when nothing is expected (tests force collisions and growth with a few). */
  initialCapacity?: number;
}

export class DigestTable {
  private capacity: number;
  private readonly keyWords: number;
  private keys: Uint32Array;
  private values: Buffer;
  private count = 0;

  constructor(
    readonly valueBytes: number,
    options: DigestTableOptions = {},
  ) {
    this.keyWords = (options.keyBytes ?? 8) / 4;
    this.capacity = Math.max(options.initialCapacity ?? INITIAL_CAPACITY, Math.ceil((options.expected ?? 0) / MAX_LOAD) + 1);
    this.keys = new Uint32Array(this.capacity * this.keyWords);
    this.values = Buffer.alloc(this.capacity * valueBytes);
  }

  /** The key of a name: its MD5, of which the table uses the first 8 or 12 bytes. */
  static digest(name: string): Buffer {
    return hash('md5', name, 'buffer');
  }

  get size(): number {
    return this.count;
  }

  /** Slots allocated, and the bytes they take (what the table costs in memory). */
  get footprint(): { slots: number; bytes: number } {
    return { slots: this.capacity, bytes: this.keys.byteLength + this.values.length };
  }

  /** The value stored for the key, as a view into the table (valid until the next insert), or undefined. */
  get(key: Buffer): Buffer | undefined {
    const slot = this.find(key);
    return this.keys[slot * this.keyWords] !== 0 ? this.valueAt(slot) : undefined;
  }

  /** The value slot for the key, created zero-filled if it was not there: write into the view returned. */
  upsert(key: Buffer): { value: Buffer; created: boolean } {
    if (this.count + 1 > this.capacity * MAX_LOAD) this.grow();
    const slot = this.find(key);
    const at = slot * this.keyWords;
    if (this.keys[at] !== 0) return { value: this.valueAt(slot), created: false };
    this.count++;
    this.keys[at] = firstWord(key);
    for (let word = 1; word < this.keyWords; word++) this.keys[at + word] = key.readUInt32LE(word * 4);
    return { value: this.valueAt(slot), created: true };
  }

  private valueAt(slot: number): Buffer {
    return this.values.subarray(slot * this.valueBytes, (slot + 1) * this.valueBytes);
  }

  /**
   * Linear probing from the slot the key's second word scales to (k1 / 2^32 of the way through the table):
   * the slot holding the key, or the empty one where it would go. (The second word: the first is bent to
   * be non-zero, so it is not quite uniform.)
   */
  private find(key: Buffer): number {
    const k0 = firstWord(key);
    const k1 = key.readUInt32LE(4);
    const k2 = this.keyWords === 3 ? key.readUInt32LE(8) : 0;
    const { capacity, keys, keyWords } = this;
    for (let slot = Math.floor((k1 / 0x1_0000_0000) * capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const at = slot * keyWords;
      const stored = keys[at];
      if (stored === 0) return slot;
      if (stored === k0 && keys[at + 1] === k1 && (keyWords === 2 || keys[at + 2] === k2)) return slot;
    }
  }

  private grow(): void {
    const { capacity, keys, values, keyWords, valueBytes } = this;
    this.capacity = Math.ceil(capacity * GROWTH);
    this.keys = new Uint32Array(this.capacity * keyWords);
    this.values = Buffer.alloc(this.capacity * valueBytes);
    this.count = 0;
    const key = Buffer.alloc(16);
    for (let slot = 0; slot < capacity; slot++) {
      if (keys[slot * keyWords] === 0) continue;
      for (let word = 0; word < keyWords; word++) key.writeUInt32LE(keys[slot * keyWords + word] ?? 0, word * 4);
      values.copy(this.upsert(key).value, 0, slot * valueBytes, (slot + 1) * valueBytes);
    }
  }
}

/** The key's first word, never 0 (0 marks an empty slot). */
function firstWord(key: Buffer): number {
  return key.readUInt32LE(0) || 1;
}
