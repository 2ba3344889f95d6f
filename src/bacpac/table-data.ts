import path from 'node:path';
import type { Entry } from 'yauzl';
import { BcpFormatError, BcpRowWalker, type CapturedRow } from './bcp-walker.js';
import type { BcpField } from './bcp-layout.js';
import type { ModelTable } from './model.js';
import type { BacpacArchive } from './zip.js';

/** The BCP parts of each table, keyed by data folder ('dbo.CMS_SettingsKey'), each list in file order. */
export function tableDataParts(archive: BacpacArchive): Map<string, Entry[]> {
  const parts = new Map<string, Entry[]>();
  for (const [name, entry] of archive.entries) {
    const match = /^Data\/([^/]+)\/[^/]+\.bcp$/i.exec(name);
    if (!match?.[1]) continue;
    const list = parts.get(match[1]) ?? [];
    list.push(entry);
    parts.set(match[1], list);
  }
  for (const list of parts.values()) list.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
  return parts;
}

/** The data folder DacFx writes a table's BCP files to. */
export function dataFolder(table: ModelTable): string {
  return `${table.schema}.${table.table}`;
}

/** A table's data is not readable; `part` names the BCP file. */
export class TableDataError extends Error {
  override readonly name = 'TableDataError';
  constructor(
    readonly part: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WalkOptions {
  signal?: AbortSignal;
  capture?: ReadonlySet<number>;
  onRow?: (row: CapturedRow) => void;
}

/** Counts (and optionally captures) the rows of one table across all its BCP files; each file must end on a row boundary. */
export async function walkTableData(archive: BacpacArchive, parts: readonly Entry[], fields: readonly BcpField[], options: WalkOptions = {}): Promise<number> {
  let rows = 0;
  for (const part of parts) {
    let walker: BcpRowWalker | undefined;
    try {
      walker = new BcpRowWalker(fields, { capture: options.capture, onRow: options.onRow });
      for await (const chunk of archive.chunks(part, options.signal)) walker.push(chunk);
      walker.end();
    } catch (error) {
      if (error instanceof BcpFormatError) {
        throw new TableDataError(part.fileName, `${path.basename(archive.file)}: ${part.fileName}: ${error.message}.`);
      }
      throw error;
    }
    rows += walker?.rows ?? 0;
  }
  return rows;
}
