/**
 * The XML parts of a BACPAC as DacFx writes them, for the writer: model.xml (tables only),
 * Origin.xml, DacMetadata.xml, [Content_Types].xml and _rels/.rels.
 */
import { createHash } from 'node:crypto';

const NS = 'http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02';
const BOM = '\uFEFF';

export interface XmlColumn {
  name: string;
  type: string;
  nullable: boolean;
  identity: boolean;
  length: number | null;
  isMax: boolean;
  precision: number | null;
  scale: number | null;
}

export interface XmlTable {
  schema: string;
  name: string;
  columns: XmlColumn[];
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

export function quoteSqlName(...parts: string[]): string {
  return parts.map((part) => `[${part.replaceAll(']', ']]')}]`).join('.');
}

function property(indent: string, name: string, value: string | number): string {
  return `${indent}<Property Name="${name}" Value="${escapeXml(String(value))}" />\n`;
}

function reference(indent: string, relationship: string, name: string, builtIn = false): string {
  const external = builtIn ? 'ExternalSource="BuiltIns" ' : '';
  return `${indent}<Relationship Name="${relationship}">\n${indent}\t<Entry>\n${indent}\t\t<References ${external}Name="${escapeXml(name)}" />\n${indent}\t</Entry>\n${indent}</Relationship>\n`;
}

function columnXml(table: XmlTable, column: XmlColumn): string {
  const t = '\t\t\t\t\t';
  let xml = `${t}<Element Type="SqlSimpleColumn" Name="${escapeXml(quoteSqlName(table.schema, table.name, column.name))}">\n`;
  if (!column.nullable) xml += property(`${t}\t`, 'IsNullable', 'False');
  if (column.identity) xml += property(`${t}\t`, 'IsIdentity', 'True');
  xml += `${t}\t<Relationship Name="TypeSpecifier">\n${t}\t\t<Entry>\n${t}\t\t\t<Element Type="SqlTypeSpecifier">\n`;
  const p = `${t}\t\t\t\t`;
  if (column.isMax) xml += property(p, 'IsMax', 'True');
  else if (column.length !== null) xml += property(p, 'Length', column.length);
  if (column.scale !== null) xml += property(p, 'Scale', column.scale);
  if (column.precision !== null) xml += property(p, 'Precision', column.precision);
  xml += reference(p, 'Type', `[${column.type}]`, true);
  xml += `${t}\t\t\t</Element>\n${t}\t\t</Entry>\n${t}\t</Relationship>\n${t}</Element>\n`;
  return xml;
}

/** model.xml for the given tables, Azure SQL schema provider (what a SaaS database is). */
export function modelXml(tables: readonly XmlTable[]): Buffer {
  let xml = `<?xml version="1.0" encoding="utf-8"?>\n`;
  xml += `<DataSchemaModel FileFormatVersion="1.2" SchemaVersion="2.9" DspName="Microsoft.Data.Tools.Schema.Sql.SqlAzureV12DatabaseSchemaProvider" CollationLcid="1033" CollationCaseSensitive="False" xmlns="${NS}">\n\t<Model>\n`;
  xml += `\t\t<Element Type="SqlDatabaseOptions" Disambiguator="1">\n${property('\t\t\t', 'Collation', 'SQL_Latin1_General_CP1_CI_AS')}\t\t</Element>\n`;
  for (const table of tables) {
    xml += `\t\t<Element Type="SqlTable" Name="${escapeXml(quoteSqlName(table.schema, table.name))}">\n`;
    xml += property('\t\t\t', 'IsAnsiNullsOn', 'True');
    xml += `\t\t\t<Relationship Name="Columns">\n`;
    for (const column of table.columns) xml += `\t\t\t\t<Entry>\n${columnXml(table, column)}\t\t\t\t</Entry>\n`;
    xml += `\t\t\t</Relationship>\n`;
    xml += reference('\t\t\t', 'Schema', `[${table.schema}]`, table.schema === 'dbo');
    xml += `\t\t</Element>\n`;
  }
  xml += `\t</Model>\n</DataSchemaModel>`;
  return Buffer.from(xml, 'utf8');
}

export interface OriginFields {
  containsData: boolean;
  rowTotal: number | null;
  modelSha256: string;
  tableCount: number;
  columnCount: number;
  exportTime: string;
  identity: string;
}

export function originXml(origin: OriginFields): Buffer {
  const statistics =
    origin.rowTotal === null
      ? ''
      : `  <ExportStatistics>\n    <SourceDatabaseSize>0</SourceDatabaseSize>\n    <TableRowCountTotalTag>${origin.rowTotal}</TableRowCountTotalTag>\n  </ExportStatistics>\n`;
  const xml = `${BOM}<?xml version="1.0" encoding="utf-8"?>
<DacOrigin xmlns="${NS}">
  <PackageProperties>
    <Version>3.1.0.0</Version>
    <ContainsExportedData>${origin.containsData ? 'true' : 'false'}</ContainsExportedData>
    <StreamVersions>
      <Version StreamName="Data">2.0.0.0</Version>
      <Version StreamName="DeploymentContributors">1.0.0.0</Version>
    </StreamVersions>
  </PackageProperties>
  <Operation>
    <Identity>${origin.identity}</Identity>
    <Start>${origin.exportTime}</Start>
    <End>${origin.exportTime}</End>
    <ProductName>Microsoft.SqlServer.Dac, Version=16.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a</ProductName>
    <ProductVersion>16.0.6384.0</ProductVersion>
    <ProductSchema>${NS}</ProductSchema>
  </Operation>
  <Server>
    <ServerVersion>Microsoft SQL Azure (RTM) - 12.0.2000.8 (kxp-restore test writer)</ServerVersion>
    <ObjectCounts>
      <SimpleColumn>${origin.columnCount}</SimpleColumn>
      <Table>${origin.tableCount}</Table>
    </ObjectCounts>
  </Server>
${statistics}  <Checksums>
    <Checksum Uri="/model.xml">${origin.modelSha256}</Checksum>
  </Checksums>
  <ModelSchemaVersion>2.9</ModelSchemaVersion>
</DacOrigin>`;
  return Buffer.from(xml, 'utf8');
}

export function dacMetadataXml(name: string): Buffer {
  return Buffer.from(
    `${BOM}<?xml version="1.0" encoding="utf-8"?>\n<DacType xmlns="${NS}">\n  <Name>${escapeXml(name)}</Name>\n  <Version>0.0.0.0</Version>\n</DacType>`,
    'utf8',
  );
}

export function contentTypesXml(): Buffer {
  return Buffer.from(
    `${BOM}<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="text/xml" /><Default Extension="BCP" ContentType="application/octet-stream" /><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /></Types>`,
    'utf8',
  );
}

/** _rels/.rels: a table= and a schema= relationship per data part, with stable ids. */
export function relsXml(dataParts: readonly { part: string; schema: string; table: string }[]): Buffer {
  const id = (text: string) => `R${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  let xml = `${BOM}<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`;
  for (const { part, schema, table } of dataParts) {
    const target = escapeXml(`/${part}`);
    xml += `<Relationship Type="table=${escapeXml(table)}" Target="${target}" Id="${id(`t${part}`)}" />`;
    xml += `<Relationship Type="schema=${escapeXml(schema)}" Target="${target}" Id="${id(`s${part}`)}" />`;
  }
  return Buffer.from(`${xml}</Relationships>`, 'utf8');
}
