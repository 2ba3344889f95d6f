import type { ModelColumn } from './model.js';

/**
 * How one column is laid out in DacFx's native BCP data (all character data is UTF-16LE):
 * `prefix` bytes of little-endian length before the value (0 = none, the value has `size` bytes);
 * a prefix of all 0xFF bytes is NULL. `maxLength` bounds a sane length, so damage is caught early.
 */
export interface BcpField {
  column: string;
  type: string;
  prefix: 0 | 1 | 2 | 4 | 8;
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
};

/** Large types with an 8-byte length prefix (verified: nvarchar(max)). */
const largeTypes = new Set(['xml', 'sql_variant', 'geography', 'geometry', 'hierarchyid']);
const legacyLargeTypes = new Set(['text', 'ntext', 'image']);
const timeTypes = new Set(['time', 'datetime2', 'datetimeoffset']);

/**
 * Layout details the two real exports cannot settle (they have no such columns). Each is a yes/no
 * question the reader answers from the data itself (see LayoutResolver); the defaults are the best guesses:
 * - guidPrefixed: uniqueidentifier NOT NULL carries the 1-byte prefix anyway, like bit and decimal (SQL Server's bcp does);
 * - timePrefixed: time/datetime2/datetimeoffset NOT NULL carry the prefix anyway (date, verified, does not);
 * - legacyLob4: text/ntext/image have a 4-byte length (bcp's) rather than 8 like the (max) types.
 */
export interface LayoutVariants {
  guidPrefixed: boolean;
  timePrefixed: boolean;
  legacyLob4: boolean;
}

export const DEFAULT_VARIANTS: Readonly<LayoutVariants> = { guidPrefixed: true, timePrefixed: false, legacyLob4: false };

/** The variant questions a table's columns raise. */
export function variantsUsed(columns: readonly ModelColumn[]): (keyof LayoutVariants)[] {
  const used = new Set<keyof LayoutVariants>();
  for (const column of columns) {
    if (column.computed || !column.builtIn || column.isMax) continue;
    if (column.type === 'uniqueidentifier' && !column.nullable) used.add('guidPrefixed');
    if (timeTypes.has(column.type) && !column.nullable) used.add('timePrefixed');
    if (legacyLargeTypes.has(column.type)) used.add('legacyLob4');
  }
  return [...used];
}

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
export function bcpField(column: ModelColumn, variants: Readonly<LayoutVariants> = DEFAULT_VARIANTS): BcpField | string {
  const base = { column: column.name, type: column.type };
  if (!column.builtIn) return `column ${column.name} has the user-defined type ${column.type}, whose data layout is not known`;
  if (column.isMax || largeTypes.has(column.type)) return { ...base, prefix: 8, size: 0, maxLength: TWO_GB * 2 };
  if (legacyLargeTypes.has(column.type)) return { ...base, prefix: variants.legacyLob4 ? 4 : 8, size: 0, maxLength: TWO_GB * 2 };
  const always = alwaysPrefixed[column.type];
  if (always !== undefined) return { ...base, prefix: 1, size: column.type === 'decimal' || column.type === 'numeric' ? 0 : always, maxLength: always };
  if (column.type === 'uniqueidentifier') return { ...base, prefix: column.nullable || variants.guidPrefixed ? 1 : 0, size: 16, maxLength: 16 };
  const size = sizeOf(column);
  const prefixed = column.nullable || (timeTypes.has(column.type) && variants.timePrefixed);
  if (size !== undefined) return prefixed ? { ...base, prefix: 1, size, maxLength: size } : { ...base, prefix: 0, size, maxLength: size };
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
export function bcpLayout(columns: readonly ModelColumn[], variants: Readonly<LayoutVariants> = DEFAULT_VARIANTS): BcpField[] | string {
  const fields: BcpField[] = [];
  for (const column of columns) {
    if (column.computed) continue;
    const field = bcpField(column, variants);
    if (typeof field === 'string') return field;
    fields.push(field);
  }
  return fields;
}
