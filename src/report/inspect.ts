/** Text and JSON renderings of a BacpacReport. Decides nothing; only shows. */
import path from 'node:path';
import type { BacpacEvent, BacpacReport } from '../bacpac/index.js';
import { formatBytes, formatCount, plural } from './format.js';

/** Tables listed in the text output before the rest are summarised (the JSON lists them all). */
const SHOWN_TABLES = 15;

/** The `--json` object of `inspect` (issue 5's shape plus the Origin.xml details). */
export function inspectJson(report: BacpacReport) {
  return {
    ok: report.ok,
    errors: report.errors.map(({ code, path, message }) => ({ code, path, message })),
    warnings: report.warnings.map(({ code, path, message }) => ({ code, path, message })),
    checksumOk: report.checksumOk,
    containsData: report.containsData,
    schemaProvider: report.schemaProvider,
    tables: report.tables,
    rows: report.rows,
    xperienceVersion: report.xperienceVersion,
    xperienceHotfix: report.xperienceHotfix,
    exportedBy: report.exportedBy,
    productVersion: report.productVersion,
    sourceServer: report.sourceServer,
    objectCounts: report.objectCounts,
    exportTime: report.exportTime,
  };
}

function yesNo(value: boolean | null, yes: string, no: string, unknown = 'unknown'): string {
  return value === null ? unknown : value ? yes : no;
}

export function renderInspect(report: BacpacReport, countedRows: boolean): string {
  const name = path.basename(report.file);
  const verdict = report.ok ? 'sound' : `NOT sound (${plural(report.errors.length, 'error')})`;
  const lines = [`${name}: ${verdict}`, ''];
  const field = (label: string, value: string) => lines.push(`  ${label.padEnd(14)}${value}`);
  if (report.productVersion || report.exportTime) {
    field('exported', [report.productVersion && `DacFx ${report.productVersion}`, report.exportTime && `at ${report.exportTime}`].filter(Boolean).join(' '));
  }
  if (report.sourceServer) field('source server', report.sourceServer);
  if (report.schemaProvider) field('schema', report.schemaProvider.replace(/^Microsoft\.Data\.Tools\.Schema\.Sql\./, '').replace(/DatabaseSchemaProvider$/, ''));
  field('data', yesNo(report.containsData, 'included', 'NOT included (schema only)'));
  field('model.xml', yesNo(report.checksumOk, 'SHA-256 matches Origin.xml', 'SHA-256 does NOT match Origin.xml', 'checksum not compared'));
  const hotfix = report.xperienceHotfix ? ` (hotfix ${report.xperienceHotfix})` : '';
  const noVersion = report.warnings.length > 0 ? 'no version found (see warnings)' : report.errors.length > 0 ? 'not read (see errors)' : 'no version found';
  field('Xperience', report.xperienceVersion ? `${report.xperienceVersion}${hotfix}` : noVersion);
  const dataBytes = report.tables.reduce((sum, table) => sum + table.bytes, 0);
  field('tables', `${formatCount(report.tables.length)}, ${formatBytes(dataBytes)} of table data`);
  const expected = report.rows.expected === null ? 'no total in Origin.xml' : `${formatCount(report.rows.expected)} in Origin.xml`;
  if (!countedRows) field('rows', `${expected} (add --rows to count them)`);
  else field('rows', report.rows.total === null ? `not all counted; ${expected}` : `${formatCount(report.rows.total)} counted, ${expected}`);

  if (report.tables.length > 0) {
    const shown = [...report.tables].sort((a, b) => b.bytes - a.bytes).slice(0, SHOWN_TABLES);
    const width = Math.min(60, Math.max(...shown.map((table) => table.name.length)));
    lines.push('', `  ${'largest tables'.padEnd(width)}  ${'data'.padStart(10)}${countedRows ? '        rows' : ''}`);
    for (const table of shown) {
      const rows = countedRows ? (table.rows === undefined ? '?' : formatCount(table.rows)).padStart(12) : '';
      lines.push(`  ${table.name.padEnd(width)}  ${formatBytes(table.bytes).padStart(10)}${rows}`);
    }
    if (report.tables.length > shown.length) lines.push(`  … and ${plural(report.tables.length - shown.length, 'more table')} (--json lists them all)`);
  }
  const issues = [...report.errors.map((issue) => ['error', issue] as const), ...report.warnings.map((issue) => ['warning', issue] as const)];
  if (issues.length > 0) lines.push('');
  for (const [label, issue] of issues) {
    lines.push(`  ${label.padEnd(7)} ${issue.code}  ${issue.path}`, `          ${issue.message}`);
  }
  return lines.join('\n') + '\n';
}

/** One progress line for a terminal while rows are counted. */
export function inspectProgressLine(event: BacpacEvent): string | null {
  if (event.type === 'step') return event.step === 'rows' ? 'counting rows…' : null;
  return `counting rows: ${event.index + 1}/${event.count} tables (${event.table}: ${formatCount(event.rows)})`;
}
