import type { ModelColumn } from './model.js';

/**
 * How one column is laid out in DacFx's native BCP data (all character data is UTF-16LE):
 * `prefix` bytes of little-endian length before the value (0 = none, the value has `size` bytes);
 * a prefix of all 0xFF bytes is NULL. `maxLength` bounds a sane length, so damage is caught early.
 */
export interface BcpField {
  column: string;
  type: string;
  prefix: 0 | 1 | 2 | 8;
  /** Byte size of the value when there is no prefix, or the only valid length of a 1-byte prefix (0 = any up to maxLength). */
  size: number;
  maxLength: number;
}

/** Fixed-size types: value bytes. Verified on the real exports: int, smallint, tinyint, money, datetime, date. */
const fixedSizes: Record<string, number> = {
  bigint: 8,
  int: 4,
  smallint: 2,
  tinyint: 1,
  money: 8,
  smallmoney: 4,
  datetime: 8,
  smalldatetime: 4,
  float: 8,
  real: 4,
  date: 3,
};

/** Types DacFx always prefixes with one length byte, even when NOT NULL (verified: bit, decimal). */
const alwaysPrefixed: Record<string, number> = {
  bit: 1,
  decimal: 19,
  numeric: 19,
  uniqueidentifier: 16,
};

/** Large types with an 8-byte length prefix (verified: nvarchar(max)). */
const largeTypes = new Set(['xml', 'text', 'ntext', 'image', 'sql_variant', 'geography', 'geometry', 'hierarchyid']);

const TWO_GB = 2 ** 31;

/** time(n) and friends: bytes of the time part by fractional-second scale (default 7). */
function timeBytes(scale: number | null): number {
  const s = scale ?? 7;
  return s <= 2 ? 3 : s <= 4 ? 4 : 5;
}

function sizeOf(column: ModelColumn): number | undefined {
  if (column.type in fixedSizes) return fixedSizes[column.type];
  if (column.type === 'time') return timeBytes(column.scale);
  if (column.type === 'datetime2') return timeBytes(column.scale) + 3;
  if (column.type === 'datetimeoffset') return timeBytes(column.scale) + 5;
  return undefined;
}

/** The BCP layout of a column, or a sentence saying why it cannot be walked. Computed columns have no field. */
export function bcpField(column: ModelColumn): BcpField | string {
  const base = { column: column.name, type: column.type };
  if (!column.builtIn) return `column ${column.name} has the user-defined type ${column.type}, whose data layout is not known`;
  if (column.isMax || largeTypes.has(column.type)) return { ...base, prefix: 8, size: 0, maxLength: TWO_GB * 2 };
  const always = alwaysPrefixed[column.type];
  if (always !== undefined) return { ...base, prefix: 1, size: column.type === 'decimal' || column.type === 'numeric' ? 0 : always, maxLength: always };
  const size = sizeOf(column);
  if (size !== undefined) return column.nullable ? { ...base, prefix: 1, size, maxLength: size } : { ...base, prefix: 0, size, maxLength: size };
  const unicode = column.type === 'char' || column.type === 'varchar' || column.type === 'nchar' || column.type === 'nvarchar';
  if (unicode || column.type === 'binary' || column.type === 'varbinary') {
    const bytes = (column.length ?? 1) * (unicode ? 2 : 1);
    const fixed = column.type === 'char' || column.type === 'nchar' || column.type === 'binary';
    // Verified: char(n) NOT NULL is written without a prefix, its nullable form and every varchar with 2 bytes.
    if (fixed && !column.nullable) return { ...base, prefix: 0, size: bytes, maxLength: bytes };
    return { ...base, prefix: 2, size: 0, maxLength: Math.max(bytes, 8000) };
  }
  if (column.type === 'timestamp' || column.type === 'rowversion') return { ...base, prefix: 1, size: 8, maxLength: 8 };
  return `column ${column.name} has the type ${column.type}, whose data layout is not known`;
}

/** The fields of a table in data order (computed columns hold no data), or the first reason it cannot be walked. */
export function bcpLayout(columns: readonly ModelColumn[]): BcpField[] | string {
  const fields: BcpField[] = [];
  for (const column of columns) {
    if (column.computed) continue;
    const field = bcpField(column);
    if (typeof field === 'string') return field;
    fields.push(field);
  }
  return fields;
}
