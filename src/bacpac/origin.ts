import { SaxesParser } from 'saxes';

/** What Origin.xml (written by DacFx on export) says about a BACPAC. Absent values are null. */
export interface OriginInfo {
  /** PackageProperties/ContainsExportedData: false for a schema-only export or a .dacpac. */
  containsData: boolean | null;
  /** Operation/ProductName, e.g. "Microsoft.SqlServer.Dac, Version=16.0.0.0, …". */
  exportedBy: string | null;
  /** Operation/ProductVersion, e.g. "16.0.6384.0". */
  productVersion: string | null;
  /** Server/ServerVersion, first line, e.g. "Microsoft SQL Server 2019 (RTM) - 15.0.2000.5 (X64)". */
  sourceServer: string | null;
  /** Server/ObjectCounts: object type → count. */
  objectCounts: Record<string, number>;
  /** ExportStatistics/TableRowCountTotalTag. */
  rowTotal: number | null;
  /** Operation/Start, as written (ISO 8601 with offset). */
  exportTime: string | null;
  /** Checksums/Checksum by Uri ('/model.xml' → upper-case hex SHA-256). */
  checksums: Record<string, string>;
}

/** Parses Origin.xml text (small: a few KB); throws on malformed XML. */
export function parseOrigin(xml: string): OriginInfo {
  const info: OriginInfo = {
    containsData: null,
    exportedBy: null,
    productVersion: null,
    sourceServer: null,
    objectCounts: {},
    rowTotal: null,
    exportTime: null,
    checksums: {},
  };
  const parser = new SaxesParser({ xmlns: false });
  const stack: string[] = [];
  let text = '';
  let checksumUri: string | null = null;
  parser.on('opentag', (tag) => {
    stack.push(localName(tag.name));
    text = '';
    if (localName(tag.name) === 'Checksum') checksumUri = String(tag.attributes['Uri'] ?? '');
  });
  parser.on('text', (value) => (text += value));
  parser.on('cdata', (value) => (text += value));
  parser.on('closetag', () => {
    const where = stack.join('/');
    const value = text.trim();
    const parent = stack[stack.length - 2];
    const name = stack[stack.length - 1] ?? '';
    if (where.endsWith('PackageProperties/ContainsExportedData')) info.containsData = value.toLowerCase() === 'true';
    else if (where.endsWith('Operation/ProductName')) info.exportedBy = value;
    else if (where.endsWith('Operation/ProductVersion')) info.productVersion = value;
    else if (where.endsWith('Operation/Start')) info.exportTime = value;
    else if (where.endsWith('Server/ServerVersion')) info.sourceServer = value.split(/\r?\n/)[0]?.trim() ?? value;
    else if (where.endsWith('ExportStatistics/TableRowCountTotalTag')) info.rowTotal = toNumber(value);
    else if (parent === 'ObjectCounts') {
      const count = toNumber(value);
      if (count !== null) info.objectCounts[name] = count;
    } else if (name === 'Checksum' && checksumUri !== null) {
      info.checksums[checksumUri] = value.toUpperCase();
      checksumUri = null;
    }
    stack.pop();
    text = '';
  });
  parser.write(xml.replace(/^\uFEFF/, '')).close();
  return info;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function toNumber(value: string): number | null {
  const number = Number(value);
  return value !== '' && Number.isFinite(number) ? number : null;
}
