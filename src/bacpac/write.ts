import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import yazl from 'yazl';
import { writeStreamAtomically } from '../fs/write-atomically.js';
import { EXAMPLE_XPERIENCE_VERSION } from '../rules/xperience-version.js';
import { encodeRow, type CellValue } from './bcp-encode.js';
import { DEFAULT_VARIANTS, type LayoutVariants } from './bcp-layout.js';
import type { ModelColumn } from './model.js';
import { contentTypesXml, dacMetadataXml, modelXml, originXml, relsXml, type XmlColumn, type XmlTable } from './package-xml.js';


export interface WriterColumn {
  name: string;
  /** Built-in SQL type name: int, bigint, smallint, tinyint, bit, nvarchar, varchar, nchar, char, varbinary, binary, uniqueidentifier, datetime2, datetime, date, decimal, money, float, real, xml. */
  type: string;
  nullable?: boolean;
  identity?: boolean;
  length?: number;
  max?: boolean;
  precision?: number;
  scale?: number;
}

export interface WriterTable {
  schema?: string;
  name: string;
  columns: WriterColumn[];
  /** Values in column order. An iterable (even a generator of millions of rows) is streamed, never held whole. */
  rows: Iterable<CellValue[]> | AsyncIterable<CellValue[]>;
  /** Split an array of rows into TableData-NNN files of this many rows, as DacFx does for big tables. */
  rowsPerFile?: number;
}

export interface WriteBacpacOptions {
  /** CMSDBVersion of the CMS_SettingsKey table; null writes no CMS_SettingsKey table (not an Xperience database). Default EXAMPLE_XPERIENCE_VERSION. */
  xperienceVersion?: string | null;
  /** Written as CMSHotfixVersion and CMSHotfixDataVersion. */
  hotfix?: string;
  /** Further CMS_SettingsKey rows: KeyName → KeyValue. */
  settings?: Record<string, string>;
  extraTables?: WriterTable[];
  /** false: Origin.xml says ContainsExportedData false and no table data is written (a schema-only export). Default true. */
  containsData?: boolean;
  /** DacMetadata.xml Name. */
  databaseName?: string;
  /** Deflate the parts (default true); false stores them. */
  compress?: boolean;
  /** Timestamp of every zip entry and of the export, so output is byte-for-byte reproducible. Default 2025-01-01T00:00:00Z. */
  time?: Date;
  /** BCP layout answers to write with, for tests of the reader's layout detection (default: the reader's best guesses). */
  bcpVariants?: Partial<LayoutVariants>;
}

const settingsColumns: WriterColumn[] = [
  { name: 'KeyID', type: 'int', nullable: false, identity: true },
  { name: 'KeyName', type: 'nvarchar', length: 100, nullable: false },
  { name: 'KeyDisplayName', type: 'nvarchar', length: 200, nullable: false },
  { name: 'KeyDescription', type: 'nvarchar', max: true },
  { name: 'KeyValue', type: 'nvarchar', max: true },
  { name: 'KeyType', type: 'nvarchar', length: 50, nullable: false },
  { name: 'KeyCategoryID', type: 'int' },
  { name: 'KeyGUID', type: 'uniqueidentifier', nullable: false },
  { name: 'KeyLastModified', type: 'datetime2', scale: 7, nullable: false },
  { name: 'KeyOrder', type: 'int' },
  { name: 'KeyValidation', type: 'nvarchar', length: 255 },
  { name: 'KeyEditingControlPath', type: 'nvarchar', length: 200 },
  { name: 'KeyIsCustom', type: 'bit' },
  { name: 'KeyIsHidden', type: 'bit' },
  { name: 'KeyFormControlSettings', type: 'nvarchar', max: true },
  { name: 'KeyExplanationText', type: 'nvarchar', max: true },
];

/** A stable GUID from a text, so written files are reproducible. */
function stableGuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function settingsTable(options: WriteBacpacOptions, time: Date): WriterTable | null {
  if (options.xperienceVersion === null) return null;
  const keys: [string, string][] = [
    ['CMSDBVersion', options.xperienceVersion ?? EXAMPLE_XPERIENCE_VERSION],
    ...(options.hotfix ? ([['CMSHotfixVersion', options.hotfix], ['CMSHotfixDataVersion', options.hotfix]] as [string, string][]) : []),
    ['CMSDefaultCultureCode', 'en-US'],
    ['CMSStoreFilesInFileSystem', 'True'],
    ...Object.entries(options.settings ?? {}),
  ];
  const rows = keys.map(([name, value], index): CellValue[] => [
    index + 1, name, name, null, value, 'string', null, stableGuid(name), time, index, null, null, false, true, null, null,
  ]);
  return { name: 'CMS_SettingsKey', columns: settingsColumns, rows };
}

function toModelColumn(column: WriterColumn): ModelColumn & XmlColumn {
  return {
    name: column.name,
    type: column.type.toLowerCase(),
    nullable: column.nullable ?? true,
    identity: column.identity ?? false,
    computed: false,
    builtIn: true,
    length: column.length ?? null,
    isMax: column.max ?? false,
    precision: column.precision ?? null,
    scale: column.scale ?? null,
  };
}

/** Encodes rows into BCP bytes in ~64 KB pieces, counting them as they pass. */
function bcpStream(
  columns: readonly ModelColumn[],
  rows: Iterable<CellValue[]> | AsyncIterable<CellValue[]>,
  variants: LayoutVariants,
  counter: { rows: number },
): Readable {
  return Readable.from(
    (async function* () {
      let pending: Buffer[] = [];
      let size = 0;
      for await (const row of rows) {
        const bytes = encodeRow(columns, row, variants);
        counter.rows += 1;
        pending.push(bytes);
        size += bytes.length;
        if (size >= 65536) {
          yield Buffer.concat(pending);
          pending = [];
          size = 0;
        }
      }
      if (size > 0) yield Buffer.concat(pending);
    })(),
    { objectMode: false },
  );
}

function splitRows(table: WriterTable): (Iterable<CellValue[]> | AsyncIterable<CellValue[]>)[] {
  if (!Array.isArray(table.rows)) return [table.rows];
  const rows = table.rows as CellValue[][];
  if (rows.length === 0) return [];
  const per = table.rowsPerFile && table.rowsPerFile > 0 ? table.rowsPerFile : rows.length;
  const files: CellValue[][][] = [];
  for (let start = 0; start < rows.length; start += per) files.push(rows.slice(start, start + per));
  return files;
}

/**
 * Writes an Xperience-shaped BACPAC: valid OPC parts, model.xml with the tables, real BCP data the
 * inspector reads back, and Origin.xml with model.xml's SHA-256 and the true row total.
 * Written to a temporary name first and renamed, so a failed write leaves no half file.
 */
export async function writeBacpac(file: string, options: WriteBacpacOptions = {}): Promise<void> {
  const time = options.time ?? new Date('2025-01-01T00:00:00Z');
  const compress = options.compress ?? true;
  const variants = { ...DEFAULT_VARIANTS, ...options.bcpVariants };
  const containsData = options.containsData ?? true;
  const tables = [settingsTable(options, time), ...(options.extraTables ?? [])].filter((table): table is WriterTable => table !== null);
  const described = tables.map((table) => ({ table, schema: table.schema ?? 'dbo', columns: table.columns.map(toModelColumn) }));
  const xmlTables: XmlTable[] = described.map(({ table, schema, columns }) => ({ schema, name: table.name, columns }));
  const model = modelXml(xmlTables);
  const modelSha256 = createHash('sha256').update(model).digest('hex').toUpperCase();

  const zip = new yazl.ZipFile();
  const entry = { mtime: time, compress };
  zip.addBuffer(model, 'model.xml', entry);
  zip.addBuffer(dacMetadataXml(options.databaseName ?? 'XperienceDatabase'), 'DacMetadata.xml', entry);
  zip.addBuffer(contentTypesXml(), '[Content_Types].xml', entry);
  const counter = { rows: 0 };
  const dataParts: { part: string; schema: string; table: string }[] = [];
  if (containsData) {
    for (const { table, schema, columns } of described) {
      splitRows(table).forEach((rows, index) => {
        const part = `Data/${schema}.${table.name}/TableData-${String(index).padStart(3, '0')}-00000.BCP`;
        dataParts.push({ part, schema, table: table.name });
        zip.addReadStreamLazy(part, entry, (callback) => {
          // yazl pipes the stream without watching its errors: fail the whole output instead of hanging.
          const stream = bcpStream(columns, rows, variants, counter).on('error', (error) => (zip.outputStream as Readable).destroy(error));
          callback(null, stream);
        });
      });
    }
  }
  zip.addBuffer(relsXml(dataParts), '_rels/.rels', { mtime: time, compress: false });
  // Origin.xml comes last, as in DacFx's files; its row total is known only once the data has streamed.
  zip.addReadStreamLazy('Origin.xml', { mtime: time, compress: false }, (callback) => {
    const origin = originXml({
      containsData,
      rowTotal: containsData ? counter.rows : null,
      modelSha256,
      tableCount: xmlTables.length,
      columnCount: xmlTables.reduce((sum, table) => sum + table.columns.length, 0),
      exportTime: time.toISOString().replace('Z', '+00:00'),
      identity: stableGuid(modelSha256),
    });
    const stream = new PassThrough();
    stream.end(origin);
    callback(null, stream);
  });
  zip.end();
  zip.on('error', (error: Error) => (zip.outputStream as Readable).destroy(error));
  await writeStreamAtomically(zip.outputStream as Readable, file);
}
