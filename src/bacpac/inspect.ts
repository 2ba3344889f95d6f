import path from 'node:path';
import type { Entry } from 'yauzl';
import { runCheapChecks } from './cheap-checks.js';
import { REEXPORT, type BacpacIssue } from './issues.js';
import { ModelReader, type BacpacModel } from './model.js';
import { LayoutResolver } from './layout-resolver.js';
import { dataFolder, TableDataError, tableDataParts, UnknownLayoutError, walkTableData } from './table-data.js';
import { saasDatabaseVersionProblem } from '../rules/xperience-version.js';
import { readVersionFromData } from './xperience-version.js';
import { ArchiveError, BacpacArchive } from './zip.js';

export interface BacpacTableReport {
  /** '[schema].[table]' as in model.xml. */
  name: string;
  /** Uncompressed bytes of the table's BCP data. */
  bytes: number;
  /** Rows counted in the data (only with `rows: true`, and only when the table's columns could be walked). */
  rows?: number;
}

/** What `inspect --json` prints. */
export interface BacpacReport {
  file: string;
  ok: boolean;
  errors: BacpacIssue[];
  warnings: BacpacIssue[];
  /** model.xml's SHA-256 equals Origin.xml's checksum; null when either is missing. */
  checksumOk: boolean | null;
  containsData: boolean | null;
  schemaProvider: string | null;
  tables: BacpacTableReport[];
  /** total: rows counted (null without `rows: true` or when some table could not be counted); expected: Origin.xml's total. */
  rows: { total: number | null; expected: number | null };
  /** CMSDBVersion from CMS_SettingsKey; null when not an Xperience database or unreadable (see warnings). */
  xperienceVersion: string | null;
  /** CMSHotfixVersion (or CMSHotfixDataVersion) when present. */
  xperienceHotfix: string | null;
  exportedBy: string | null;
  productVersion: string | null;
  sourceServer: string | null;
  objectCounts: Record<string, number>;
  exportTime: string | null;
}

export type BacpacEvent =
  | { type: 'step'; step: 'structure' | 'version' | 'rows' }
  | { type: 'table-rows'; table: string; rows: number; index: number; count: number };

export interface InspectOptions {
  /** Also walk every table's data and compare the row total with Origin.xml's. */
  rows?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: BacpacEvent) => void;
}

/** Inspects a BACPAC: structure, Origin.xml, model checksum, tables, Xperience version, and with `rows` the row counts. Never throws for a bad file; aborting rejects. */
export async function inspectBacpac(file: string, options: InspectOptions = {}): Promise<BacpacReport> {
  const report = emptyReport(file);
  const issues: BacpacIssue[] = [];
  let archive: BacpacArchive;
  try {
    archive = await BacpacArchive.open(file, options);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    return finish(report, [{ code: 'BACPAC_INVALID', path: file, message: error.message }]);
  }
  try {
    options.onEvent?.({ type: 'step', step: 'structure' });
    const { model, issues: structureIssues } = await checkStructure(archive, report, options.signal);
    issues.push(...structureIssues);
    if (!model) return finish(report, issues);
    report.schemaProvider = model.schemaProvider;
    const parts = tableDataParts(archive);
    // One resolver per file: layout answers proved by one table's data hold for the others.
    const resolver = new LayoutResolver();
    report.tables = model.tables.map((table) => ({
      name: table.name,
      bytes: (parts.get(dataFolder(table)) ?? []).reduce((sum, entry) => sum + entry.uncompressedSize, 0),
    }));
    issues.push(...unknownDataFolders(file, model, parts));

    options.onEvent?.({ type: 'step', step: 'version' });
    issues.push(...(await readVersion(archive, model, report, resolver, options.signal)));

    if (options.rows) {
      options.onEvent?.({ type: 'step', step: 'rows' });
      issues.push(...(await countRows(archive, model, parts, report, resolver, options)));
    }
    return finish(report, issues);
  } finally {
    archive.close();
  }
}

/** The cheap checks, with model.xml parsed in the same pass as its hash. */
async function checkStructure(archive: BacpacArchive, report: BacpacReport, signal?: AbortSignal) {
  const reader = new ModelReader();
  let modelError: unknown = null;
  const cheap = await runCheapChecks(archive, {
    signal,
    onModelChunk: (chunk) => {
      if (modelError !== null) return;
      try {
        reader.write(chunk);
      } catch (error) {
        modelError = error;
      }
    },
  });
  const issues = [...cheap.issues];
  const origin = cheap.origin;
  if (origin) {
    Object.assign(report, {
      containsData: origin.containsData,
      exportedBy: origin.exportedBy,
      productVersion: origin.productVersion,
      sourceServer: origin.sourceServer,
      objectCounts: origin.objectCounts,
      exportTime: origin.exportTime,
    });
    report.rows.expected = origin.rowTotal;
    const recorded = Object.entries(origin.checksums).find(([uri]) => uri.toLowerCase() === '/model.xml')?.[1];
    report.checksumOk = recorded !== undefined && cheap.modelSha256 !== null ? recorded === cheap.modelSha256 : null;
  }
  if (cheap.modelSha256 === null) return { model: null, issues };
  let model: BacpacModel | null = null;
  if (modelError === null) {
    try {
      model = reader.finish();
    } catch (error) {
      modelError = error;
    }
  }
  if (modelError !== null) {
    const reason = modelError instanceof Error ? modelError.message : String(modelError);
    issues.push({
      code: 'BACPAC_INVALID',
      path: `${archive.file}/model.xml`,
      message: `${path.basename(archive.file)}: model.xml is not well-formed XML (${reason}); ${REEXPORT}.`,
    });
  }
  return { model, issues };
}

function unknownDataFolders(file: string, model: BacpacModel, parts: Map<string, unknown>): BacpacIssue[] {
  const known = new Set(model.tables.map(dataFolder));
  return [...parts.keys()]
    .filter((folder) => !known.has(folder))
    .map((folder) => ({
      code: 'BACPAC_WARNING' as const,
      path: `${file}/Data/${folder}`,
      message: `${path.basename(file)}: Data/${folder} holds data for a table model.xml does not define, so the file may have been edited or damaged; check it, or export the database again.`,
    }));
}

async function readVersion(archive: BacpacArchive, model: BacpacModel, report: BacpacReport, resolver: LayoutResolver, signal?: AbortSignal): Promise<BacpacIssue[]> {
  const name = path.basename(archive.file);
  try {
    const version = await readVersionFromData(archive, model, resolver, signal);
    if (version.kind === 'not-xperience') {
      return [{ code: 'BACPAC_WARNING', path: archive.file, message: `${name} is not an Xperience database (it has no CMS_SettingsKey table), so its version cannot be compared with the environment's.` }];
    }
    if (version.kind === 'unreadable') {
      return [{ code: 'BACPAC_WARNING', path: archive.file, message: `${name}: the Xperience version cannot be read (${version.reason}).` }];
    }
    report.xperienceVersion = version.version;
    report.xperienceHotfix = version.hotfix;
    if (version.version === null) {
      return [{ code: 'BACPAC_WARNING', path: archive.file, message: `${name}: CMS_SettingsKey has no CMSDBVersion row, so the Xperience version is unknown; export the database of a working Xperience instance.` }];
    }
    const unsupported = saasDatabaseVersionProblem(version.version, name);
    return unsupported ? [{ code: 'BACPAC_VERSION', path: archive.file, message: unsupported }] : [];
  } catch (error) {
    if (error instanceof TableDataError || error instanceof ArchiveError) {
      return [{ code: 'BACPAC_INVALID', path: error instanceof TableDataError ? `${archive.file}/${error.part}` : archive.file, message: error.message }];
    }
    throw error;
  }
}

async function countRows(
  archive: BacpacArchive,
  model: BacpacModel,
  parts: Map<string, Entry[]>,
  report: BacpacReport,
  resolver: LayoutResolver,
  options: InspectOptions,
): Promise<BacpacIssue[]> {
  const name = path.basename(archive.file);
  const issues: BacpacIssue[] = [];
  let total: number | null = 0;
  for (const [index, table] of model.tables.entries()) {
    options.signal?.throwIfAborted();
    const tableReport = report.tables[index] as BacpacTableReport;
    try {
      tableReport.rows = await walkTableData(archive, parts.get(dataFolder(table)) ?? [], table.columns, resolver, { signal: options.signal });
    } catch (error) {
      if (error instanceof UnknownLayoutError) {
        total = null;
        issues.push({ code: 'BACPAC_WARNING', path: archive.file, message: `${name}: the rows of ${table.name} cannot be counted (${error.message}).` });
        continue;
      }
      if (!(error instanceof TableDataError || error instanceof ArchiveError)) throw error;
      total = null;
      const where = error instanceof TableDataError ? `${archive.file}/${error.part}` : archive.file;
      issues.push({ code: 'BACPAC_INVALID', path: where, message: error instanceof TableDataError ? `${error.message.replace(/\.$/, '')}; ${REEXPORT}.` : error.message });
      continue;
    }
    if (total !== null) total += tableReport.rows;
    options.onEvent?.({ type: 'table-rows', table: table.name, rows: tableReport.rows, index, count: model.tables.length });
  }
  report.rows.total = total;
  const expected = report.rows.expected;
  if (total !== null && expected !== null && total !== expected) {
    issues.push({
      code: 'BACPAC_ROWS',
      path: archive.file,
      message: `${name}: the table data holds ${total} rows but Origin.xml records ${expected}, so rows are missing or the data is damaged; ${REEXPORT}.`,
    });
  }
  return issues;
}

function emptyReport(file: string): BacpacReport {
  return {
    file,
    ok: false,
    errors: [],
    warnings: [],
    checksumOk: null,
    containsData: null,
    schemaProvider: null,
    tables: [],
    rows: { total: null, expected: null },
    xperienceVersion: null,
    xperienceHotfix: null,
    exportedBy: null,
    productVersion: null,
    sourceServer: null,
    objectCounts: {},
    exportTime: null,
  };
}

function finish(report: BacpacReport, issues: BacpacIssue[]): BacpacReport {
  report.errors = issues.filter((issue) => issue.code !== 'BACPAC_WARNING');
  report.warnings = issues.filter((issue) => issue.code === 'BACPAC_WARNING');
  report.ok = report.errors.length === 0;
  return report;
}
