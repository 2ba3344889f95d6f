import type { BcpField } from './bcp-layout.js';

/** The data is not what the column types say: damaged, or a layout this reader does not know. */
export class BcpFormatError extends Error {
  override readonly name = 'BcpFormatError';
}

/** A row's captured values: field index → raw bytes (null for NULL). Only the fields asked for are kept. */
export type CapturedRow = Map<number, Buffer | null>;

const PLP_UNKNOWN = 0xfffffffffffffffen;
const NULL_8 = 0xffffffffffffffffn;

/**
 * Walks SQL Server native BCP rows chunk by chunk in constant memory: reads each field's length prefix
 * and skips its bytes, copying only the fields listed in `capture` (up to `captureLimit` bytes each).
 * Call `push` for each chunk and `end` after the last; `rows` counts complete rows.
 */
export class BcpRowWalker {
  rows = 0;
  private field = 0;
  /** Bytes of the current length prefix collected so far. */
  private readonly prefix = Buffer.alloc(8);
  private prefixHave = 0;
  /** Value bytes still to skip (or copy) for the current field; -1 while the prefix is being read. */
  private remaining = -1;
  /** PLP (chunked, unknown length) value: reading 4-byte chunk lengths. */
  private plp = false;
  private offset = 0;
  private captured: Buffer[] = [];
  private capturedBytes = 0;
  private row: CapturedRow = new Map();

  constructor(
    private readonly fields: readonly BcpField[],
    private readonly options: { capture?: ReadonlySet<number>; captureLimit?: number; onRow?: (row: CapturedRow) => void } = {},
  ) {
    if (fields.length === 0) throw new BcpFormatError('a table without data columns cannot have BCP rows');
  }

  push(chunk: Buffer): void {
    let at = 0;
    const fast = this.options.capture === undefined || this.options.capture.size === 0;
    while (at < chunk.length) {
      if (fast && this.remaining < 0 && this.prefixHave === 0 && !this.plp) {
        at = this.skipWholeFields(chunk, at);
        if (at >= chunk.length) break;
      }
      const field = this.fields[this.field] as BcpField;
      if (this.remaining < 0) {
        const want = this.plp ? 4 : field.prefix === 0 ? 0 : field.prefix;
        if (want === 0) {
          this.remaining = field.size;
        } else {
          const take = Math.min(want - this.prefixHave, chunk.length - at);
          chunk.copy(this.prefix, this.prefixHave, at, at + take);
          this.prefixHave += take;
          at += take;
          if (this.prefixHave < want) return;
          this.prefixHave = 0;
          if (this.plp ? this.plpChunk() : this.lengthRead(field)) continue;
        }
      }
      const take = Math.min(this.remaining, chunk.length - at);
      if (take > 0) {
        this.keep(chunk.subarray(at, at + take));
        this.remaining -= take;
        this.offset += take;
        at += take;
      }
      if (this.remaining === 0) {
        if (this.plp) this.remaining = -1;
        else this.fieldDone(this.captureValue());
      }
    }
  }

  /**
   * The hot path: skips every field that lies wholly inside the chunk, reading lengths in place.
   * Returns where it stopped: the end of the chunk, or the start of a field that straddles it (or is PLP).
   */
  private skipWholeFields(chunk: Buffer, start: number): number {
    const fields = this.fields;
    const end = chunk.length;
    let at = start;
    let index = this.field;
    for (;;) {
      const field = fields[index] as BcpField;
      let next: number;
      if (field.prefix === 0) {
        next = at + field.size;
      } else if (field.prefix === 1) {
        if (at >= end) break;
        const length = chunk[at] as number;
        next = at + 1 + (length === 0xff ? 0 : this.checkLength(field, length, this.offset));
      } else if (field.prefix === 2) {
        if (at + 2 > end) break;
        const length = chunk.readUInt16LE(at);
        next = at + 2 + (length === 0xffff ? 0 : this.checkLength(field, length, this.offset));
      } else if (field.prefix === 4) {
        if (at + 4 > end) break;
        const length = chunk.readUInt32LE(at);
        next = at + 4 + (length === 0xffffffff ? 0 : this.checkLength(field, length, this.offset));
      } else {
        if (at + 8 > end) break;
        const low = chunk.readUInt32LE(at);
        const high = chunk.readUInt32LE(at + 4);
        if (high === 0xffffffff && low === 0xfffffffe) break; // PLP: the slow path reads its chunks
        next = at + 8 + (high === 0xffffffff && low === 0xffffffff ? 0 : this.checkLength(field, high * 2 ** 32 + low, this.offset));
      }
      if (next > end) break;
      this.offset += next - at;
      at = next;
      index += 1;
      if (index === fields.length) {
        index = 0;
        this.rows += 1;
        if (this.options.onRow) this.options.onRow(new Map());
      }
    }
    this.field = index;
    return at;
  }

  /** Returns a non-NULL length, or throws when the column's type cannot have it; `position` is the field's byte offset in the file. */
  private checkLength(field: BcpField, length: number, position: number): number {
    const wrongSize = field.prefix === 1 && field.size > 0 && length !== field.size;
    if (length > field.maxLength || wrongSize) {
      throw new BcpFormatError(
        `row ${this.rows + 1}, column ${field.column} (${field.type}): a value of ${length} bytes is impossible at byte ${position}, so the data is damaged or does not match the table's columns`,
      );
    }
    return length;
  }

  /** Throws unless the data ended exactly at the end of a row. */
  end(): void {
    if (this.field !== 0 || this.remaining >= 0 || this.prefixHave !== 0 || this.plp) {
      const field = this.fields[this.field] as BcpField;
      throw new BcpFormatError(`the data ends inside row ${this.rows + 1} (column ${field.column}), so it is truncated or does not match the table's columns`);
    }
  }

  /** Handles a completed length prefix; returns true when the field is already finished (NULL or empty). */
  private lengthRead(field: BcpField): boolean {
    const length = this.readPrefix(field.prefix as 1 | 2 | 4 | 8);
    this.offset += field.prefix;
    if (length === null) {
      this.fieldDone(null);
      return true;
    }
    if (length === 'plp') {
      this.plp = true;
      return true;
    }
    this.checkLength(field, length, this.offset - field.prefix);
    this.remaining = length;
    if (length === 0) {
      this.fieldDone(this.captureValue());
      return true;
    }
    return false;
  }

  /** A PLP chunk length was read: 0 ends the value. */
  private plpChunk(): boolean {
    const length = this.prefix.readUInt32LE(0);
    this.offset += 4;
    if (length === 0) {
      this.plp = false;
      this.fieldDone(this.captureValue());
      return true;
    }
    this.remaining = length;
    return false;
  }

  /** The length in a prefix: null for NULL, 'plp' for a chunked value of unknown length. */
  private readPrefix(size: 1 | 2 | 4 | 8): number | null | 'plp' {
    if (size === 1) return this.prefix[0] === 0xff ? null : (this.prefix[0] as number);
    if (size === 2) {
      const length = this.prefix.readUInt16LE(0);
      return length === 0xffff ? null : length;
    }
    if (size === 4) {
      const length = this.prefix.readUInt32LE(0);
      return length === 0xffffffff ? null : length;
    }
    const length = this.prefix.readBigUInt64LE(0);
    if (length === NULL_8) return null;
    if (length === PLP_UNKNOWN) return 'plp';
    return length > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(length);
  }

  private keep(bytes: Buffer): void {
    if (!this.options.capture?.has(this.field)) return;
    const room = (this.options.captureLimit ?? 65536) - this.capturedBytes;
    if (room <= 0) return;
    const part = bytes.subarray(0, room);
    this.captured.push(Buffer.from(part));
    this.capturedBytes += part.length;
  }

  private captureValue(): Buffer {
    const value = Buffer.concat(this.captured);
    this.captured = [];
    this.capturedBytes = 0;
    return value;
  }

  private fieldDone(value: Buffer | null): void {
    if (this.options.capture?.has(this.field)) this.row.set(this.field, value);
    this.remaining = -1;
    this.field += 1;
    if (this.field < this.fields.length) return;
    this.field = 0;
    this.rows += 1;
    if (this.options.onRow) {
      this.options.onRow(this.row);
      this.row = new Map();
    }
  }
}
