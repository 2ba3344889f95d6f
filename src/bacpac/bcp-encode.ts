import { bcpField, DEFAULT_VARIANTS, type BcpField, type LayoutVariants } from './bcp-layout.js';
import type { ModelColumn } from './model.js';

/** A value for a column when writing BCP data: strings for text, GUIDs, decimals and dates (ISO), numbers or bigints, Buffers for binary. */
export type CellValue = string | number | bigint | boolean | Buffer | Date | null;

const DAY_MS = 86_400_000;
/** Days from 0001-01-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_DAYS = 719_162;
/** Days from 1900-01-01 to 1970-01-01. */
const DAYS_1900 = 25_567;

/** Encodes one row in DacFx's native BCP layout (the layout the reader walks). */
export function encodeRow(columns: readonly ModelColumn[], values: readonly CellValue[], variants: Readonly<LayoutVariants> = DEFAULT_VARIANTS): Buffer {
  const parts: Buffer[] = [];
  const dataColumns = columns.filter((column) => !column.computed);
  if (values.length !== dataColumns.length) throw new Error(`a row has ${values.length} values for ${dataColumns.length} columns`);
  dataColumns.forEach((column, index) => {
    const field = bcpField(column, variants);
    if (typeof field === 'string') throw new Error(field);
    parts.push(encodeField(field, column, values[index] ?? null));
  });
  return Buffer.concat(parts);
}

function encodeField(field: BcpField, column: ModelColumn, value: CellValue): Buffer {
  if (value === null) {
    if (field.prefix === 0) throw new Error(`column ${column.name} is NOT NULL but the value is null`);
    return Buffer.alloc(field.prefix, 0xff);
  }
  const bytes = encodeValue(column, value);
  if (field.prefix === 0) return bytes;
  const prefix = Buffer.alloc(field.prefix);
  if (field.prefix === 1) prefix.writeUInt8(bytes.length);
  else if (field.prefix === 2) prefix.writeUInt16LE(bytes.length);
  else if (field.prefix === 4) prefix.writeUInt32LE(bytes.length);
  else prefix.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([prefix, bytes]);
}

function encodeValue(column: ModelColumn, value: Exclude<CellValue, null>): Buffer {
  switch (column.type) {
    case 'bigint':
      return int(8, value);
    case 'int':
      return int(4, value);
    case 'smallint':
      return int(2, value);
    case 'tinyint':
    case 'bit':
      return int(1, typeof value === 'boolean' ? Number(value) : value);
    case 'float': {
      const buffer = Buffer.alloc(8);
      buffer.writeDoubleLE(Number(value));
      return buffer;
    }
    case 'real': {
      const buffer = Buffer.alloc(4);
      buffer.writeFloatLE(Number(value));
      return buffer;
    }
    case 'money': {
      const scaled = BigInt(Math.round(Number(value) * 10_000));
      const buffer = Buffer.alloc(8);
      buffer.writeInt32LE(Number(BigInt.asIntN(64, scaled) >> 32n), 0);
      buffer.writeUInt32LE(Number(BigInt.asUintN(32, scaled)), 4);
      return buffer;
    }
    case 'decimal':
    case 'numeric':
      return decimal(String(value), column.precision ?? 18, column.scale ?? 0);
    case 'uniqueidentifier':
      return guid(String(value));
    case 'date':
      return int(3, daysSince0001(toDate(value)));
    case 'datetime': {
      const date = toDate(value);
      const days = Math.floor(date.getTime() / DAY_MS);
      const buffer = Buffer.alloc(8);
      buffer.writeInt32LE(days + DAYS_1900, 0);
      buffer.writeUInt32LE(Math.round(((date.getTime() - days * DAY_MS) * 300) / 1000), 4);
      return buffer;
    }
    case 'time':
      return timeOfDay(toDate(value), column.scale ?? 7);
    case 'datetime2':
      return Buffer.concat([timeOfDay(toDate(value), column.scale ?? 7), int(3, daysSince0001(toDate(value)))]);
    case 'datetimeoffset':
      // UTC time and date, then the offset in minutes (0: written in UTC).
      return Buffer.concat([timeOfDay(toDate(value), column.scale ?? 7), int(3, daysSince0001(toDate(value))), Buffer.alloc(2)]);
    case 'char':
    case 'nchar':
    case 'varchar':
    case 'nvarchar': {
      const text = String(value);
      const fixed = (column.type === 'char' || column.type === 'nchar') && !column.isMax ? text.padEnd(column.length ?? 1, ' ') : text;
      return Buffer.from(fixed, 'utf16le');
    }
    case 'xml':
    case 'ntext':
    case 'text':
      return Buffer.from(String(value), 'utf16le');
    case 'binary':
    case 'varbinary':
    case 'image':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'hex');
    default:
      throw new Error(`the writer cannot encode the type ${column.type} of column ${column.name}`);
  }
}

function int(size: number, value: Exclude<CellValue, null>): Buffer {
  const buffer = Buffer.alloc(size);
  if (size === 8) buffer.writeBigInt64LE(BigInt(value as number | bigint | string));
  else buffer.writeIntLE(Number(value), 0, size);
  return buffer;
}

function toDate(value: Exclude<CellValue, null>): Date {
  return value instanceof Date ? value : new Date(String(value));
}

/** Time since midnight (UTC) in units of 10^-scale seconds, in 3 to 5 bytes as SQL Server stores it. */
function timeOfDay(date: Date, scale: number): Buffer {
  const sinceMidnight = date.getTime() - Math.floor(date.getTime() / DAY_MS) * DAY_MS;
  const units = (BigInt(sinceMidnight) * 10n ** BigInt(scale)) / 1000n;
  const bytes = scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
  const buffer = Buffer.alloc(bytes);
  buffer.writeUIntLE(Number(units), 0, bytes);
  return buffer;
}

function daysSince0001(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS) + EPOCH_DAYS;
}

/** decimal: precision, scale, sign (1 = positive), 16-byte little-endian magnitude — 19 bytes as DacFx writes them. */
function decimal(text: string, precision: number, scale: number): Buffer {
  const negative = text.trim().startsWith('-');
  const [whole = '0', fraction = ''] = text.trim().replace(/^[-+]/, '').split('.');
  const magnitude = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  const buffer = Buffer.alloc(19);
  buffer.writeUInt8(precision, 0);
  buffer.writeUInt8(scale, 1);
  buffer.writeUInt8(negative ? 0 : 1, 2);
  buffer.writeBigUInt64LE(BigInt.asUintN(64, magnitude), 3);
  buffer.writeBigUInt64LE(magnitude >> 64n, 11);
  return buffer;
}

/** SQL Server stores a GUID's first three groups little-endian. */
function guid(text: string): Buffer {
  const hex = text.replace(/[{}-]/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`${text} is not a GUID`);
  const bytes = Buffer.from(hex, 'hex');
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}
