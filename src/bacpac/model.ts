import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** One column of a table as model.xml describes it. */
export interface ModelColumn {
  name: string;
  /** Built-in type name, lower case ('int', 'nvarchar'), or the schema-qualified name of a user-defined type. */
  type: string;
  nullable: boolean;
  /** Computed columns hold no data in the BCP files. */
  computed: boolean;
  /** Declared length for (n)char/(n)varchar/(var)binary; null when not given. */
  length: number | null;
  /** (max) types. */
  isMax: boolean;
  precision: number | null;
  scale: number | null;
  /** False when the type is not one of SQL Server's built-ins (an alias or CLR type). */
  builtIn: boolean;
}

export interface ModelTable {
  /** '[dbo].[CMS_SettingsKey]' as in model.xml. */
  name: string;
  schema: string;
  table: string;
  columns: ModelColumn[];
}

export interface BacpacModel {
  /** The DspName attribute, e.g. 'Microsoft.Data.Tools.Schema.Sql.Sql150DatabaseSchemaProvider'. */
  schemaProvider: string | null;
  tables: ModelTable[];
}

/** Splits '[dbo].[My]]Table]' into its unquoted parts. */
export function splitSqlName(name: string): string[] {
  const parts: string[] = [];
  const pattern = /\[((?:[^\]]|\]\])*)\]|([^.[\]]+)/g;
  for (const match of name.matchAll(pattern)) parts.push(match[1] !== undefined ? match[1].replaceAll(']]', ']') : (match[2] ?? ''));
  return parts;
}

interface Open {
  name: string;
  attributes: Record<string, string>;
}

/**
 * Streaming reader of model.xml: feed it chunks (it can be tens of MB), then `finish()`.
 * Keeps only the tables and their columns; no DOM is built.
 */
export class ModelReader {
  private readonly parser = new SaxesParser({ xmlns: false });
  private readonly decoder = new StringDecoder('utf8');
  private readonly stack: Open[] = [];
  private readonly model: BacpacModel = { schemaProvider: null, tables: [] };
  private table: { depth: number; value: ModelTable } | null = null;
  private column: { depth: number; value: ModelColumn } | null = null;
  private typeSpec: { depth: number } | null = null;
  private first = true;

  constructor() {
    this.parser.on('opentag', (tag) => this.open(tag as SaxesTagPlain));
    this.parser.on('closetag', () => this.close());
  }

  write(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (this.first && text.length > 0) {
      text = text.replace(/^\uFEFF/, '');
      this.first = false;
    }
    this.parser.write(text);
  }

  finish(): BacpacModel {
    this.parser.write(this.decoder.end());
    this.parser.close();
    return this.model;
  }

  private open(tag: SaxesTagPlain): void {
    const name = localName(tag.name);
    const attributes = tag.attributes as Record<string, string>;
    const depth = this.stack.length;
    this.stack.push({ name, attributes });
    if (depth === 0 && name === 'DataSchemaModel') this.model.schemaProvider = attributes['DspName'] ?? null;
    if (name === 'Element') this.openElement(attributes, depth);
    else if (name === 'Property') this.property(attributes, depth);
    else if (name === 'References') this.reference(attributes, depth);
  }

  private openElement(attributes: Record<string, string>, depth: number): void {
    const type = attributes['Type'];
    // DataSchemaModel/Model/Element: a top-level object.
    if (depth === 2 && type === 'SqlTable') {
      const [schema = '', table = ''] = splitSqlName(attributes['Name'] ?? '');
      this.table = { depth, value: { name: attributes['Name'] ?? '', schema, table, columns: [] } };
      return;
    }
    // Table/Relationship[Columns]/Entry/Element: a column.
    if (this.table && depth === this.table.depth + 3 && this.ancestor(2)?.attributes['Name'] === 'Columns') {
      if (type !== 'SqlSimpleColumn' && type !== 'SqlComputedColumn') return;
      const parts = splitSqlName(attributes['Name'] ?? '');
      this.column = {
        depth,
        value: {
          name: parts[parts.length - 1] ?? '',
          type: '',
          nullable: true,
          computed: type === 'SqlComputedColumn',
          length: null,
          isMax: false,
          precision: null,
          scale: null,
          builtIn: true,
        },
      };
      return;
    }
    // Column/Relationship[TypeSpecifier]/Entry/Element: the column's type.
    if (this.column && depth === this.column.depth + 3 && this.ancestor(2)?.attributes['Name'] === 'TypeSpecifier') {
      this.typeSpec = { depth };
    }
  }

  private property(attributes: Record<string, string>, depth: number): void {
    const name = attributes['Name'];
    const value = attributes['Value'];
    if (value === undefined) return;
    if (this.column && depth === this.column.depth + 1) {
      if (name === 'IsNullable') this.column.value.nullable = value.toLowerCase() !== 'false';
    } else if (this.column && this.typeSpec && depth === this.typeSpec.depth + 1) {
      const column = this.column.value;
      if (name === 'Length') column.length = Number(value);
      else if (name === 'IsMax') column.isMax = value.toLowerCase() === 'true';
      else if (name === 'Precision') column.precision = Number(value);
      else if (name === 'Scale') column.scale = Number(value);
    }
  }

  private reference(attributes: Record<string, string>, depth: number): void {
    // TypeSpecifier/Relationship[Type]/Entry/References
    if (!this.column || !this.typeSpec || depth !== this.typeSpec.depth + 3) return;
    if (this.ancestor(2)?.attributes['Name'] !== 'Type') return;
    const column = this.column.value;
    column.builtIn = attributes['ExternalSource'] === 'BuiltIns';
    const parts = splitSqlName(attributes['Name'] ?? '');
    column.type = column.builtIn ? (parts[parts.length - 1] ?? '').toLowerCase() : (attributes['Name'] ?? '');
  }

  private close(): void {
    const depth = this.stack.length - 1;
    this.stack.pop();
    if (this.typeSpec?.depth === depth) this.typeSpec = null;
    else if (this.column?.depth === depth) {
      this.table?.value.columns.push(this.column.value);
      this.column = null;
    } else if (this.table?.depth === depth) {
      this.model.tables.push(this.table.value);
      this.table = null;
    }
  }

  /** The open tag `levels` above the one just pushed (1 = its parent). */
  private ancestor(levels: number): Open | undefined {
    return this.stack[this.stack.length - 1 - levels];
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}
