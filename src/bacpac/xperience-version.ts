import path from 'node:path';
import { KxpError } from '../errors.js';
import { LayoutResolver } from './layout-resolver.js';
import { REEXPORT } from './issues.js';
import { ModelReader, type BacpacModel, type ModelTable } from './model.js';
import { dataFolder, TableDataError, tableDataParts, UnknownLayoutError, walkTableData } from './table-data.js';
import { ArchiveError, BacpacArchive } from './zip.js';

/** The settings keys that carry the Xperience database version. */
export const VERSION_KEY = 'CMSDBVersion';
export const HOTFIX_KEYS = ['CMSHotfixVersion', 'CMSHotfixDataVersion'] as const;

export type XperienceVersion =
  | { kind: 'not-xperience' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'found'; version: string | null; hotfix: string | null };

/** The Xperience settings table, if the model has one. */
export function settingsTable(model: BacpacModel): ModelTable | undefined {
  return model.tables.find((table) => table.table.toLowerCase() === 'cms_settingskey' && table.schema.toLowerCase() === 'dbo');
}

/** Reads CMSDBVersion (and a hotfix key) from the CMS_SettingsKey rows; walks only that table's data. */
export async function readVersionFromData(
  archive: BacpacArchive,
  model: BacpacModel,
  resolver: LayoutResolver = new LayoutResolver(),
  signal?: AbortSignal,
): Promise<XperienceVersion> {
  const table = settingsTable(model);
  if (!table) return { kind: 'not-xperience' };
  const dataColumns = table.columns.filter((column) => !column.computed);
  const nameIndex = dataColumns.findIndex((column) => column.name.toLowerCase() === 'keyname');
  const valueIndex = dataColumns.findIndex((column) => column.name.toLowerCase() === 'keyvalue');
  if (nameIndex < 0 || valueIndex < 0) return { kind: 'unreadable', reason: 'CMS_SettingsKey has no KeyName or KeyValue column' };
  const text = (fieldIndex: number, value: Buffer | null | undefined): string | null => {
    if (!value) return null;
    const column = dataColumns[fieldIndex];
    const unicode = column?.type === 'nvarchar' || column?.type === 'nchar' || column?.type === 'varchar' || column?.type === 'char';
    return unicode ? value.toString('utf16le') : value.toString('utf8');
  };
  const found = new Map<string, string | null>();
  const wanted = new Set([VERSION_KEY, ...HOTFIX_KEYS].map((key) => key.toLowerCase()));
  try {
    await walkTableData(archive, tableDataParts(archive).get(dataFolder(table)) ?? [], table.columns, resolver, {
      signal,
      capture: new Set([nameIndex, valueIndex]),
      onRow: (row) => {
        const key = text(nameIndex, row.get(nameIndex))?.trim().toLowerCase();
        if (key && wanted.has(key)) found.set(key, text(valueIndex, row.get(valueIndex))?.trim() ?? null);
      },
    });
  } catch (error) {
    if (error instanceof UnknownLayoutError) return { kind: 'unreadable', reason: `CMS_SettingsKey cannot be read: ${error.message}` };
    throw error;
  }
  const hotfix = HOTFIX_KEYS.map((key) => found.get(key.toLowerCase())).find((value) => value) ?? null;
  return { kind: 'found', version: found.get(VERSION_KEY.toLowerCase()) || null, hotfix };
}

/** Parses model.xml alone (no checksum), for callers that need only the tables. */
export async function readModel(archive: BacpacArchive, signal?: AbortSignal): Promise<BacpacModel> {
  const entry = archive.entry('model.xml');
  if (!entry) throw new ArchiveError(`${path.basename(archive.file)} has no model.xml part, so it is not a complete BACPAC; ${REEXPORT}.`);
  const reader = new ModelReader();
  try {
    for await (const chunk of archive.chunks(entry, signal)) reader.write(chunk);
    return reader.finish();
  } catch (error) {
    if (error instanceof ArchiveError || signal?.aborted) throw error;
    throw new ArchiveError(`${path.basename(archive.file)}: model.xml is not well-formed XML (${error instanceof Error ? error.message : String(error)}); ${REEXPORT}.`);
  }
}

/**
 * The Xperience database version (CMSDBVersion) of a BACPAC, or null when it is not an Xperience database.
 * Reads model.xml and the CMS_SettingsKey data only. Throws KxpError BACPAC_INVALID when the file or that table is unreadable.
 */
export async function readXperienceVersion(file: string, options: { signal?: AbortSignal } = {}): Promise<string | null> {
  let archive: BacpacArchive;
  try {
    archive = await BacpacArchive.open(file, options);
  } catch (error) {
    throw error instanceof ArchiveError ? new KxpError('BACPAC_INVALID', error.message, { path: file, cause: error }) : error;
  }
  try {
    const version = await readVersionFromData(archive, await readModel(archive, options.signal), undefined, options.signal);
    if (version.kind === 'not-xperience') return null;
    if (version.kind === 'unreadable') throw new KxpError('BACPAC_INVALID', `${path.basename(file)}: the Xperience version cannot be read (${version.reason}).`, { path: file });
    if (version.version === null) throw new KxpError('BACPAC_INVALID', `${path.basename(file)}: CMS_SettingsKey has no CMSDBVersion row, so the Xperience version is unknown.`, { path: file });
    return version.version;
  } catch (error) {
    if (error instanceof ArchiveError || error instanceof TableDataError) throw new KxpError('BACPAC_INVALID', error.message, { path: file, cause: error });
    throw error;
  } finally {
    archive.close();
  }
}
