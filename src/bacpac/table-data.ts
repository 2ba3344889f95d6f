import path from 'node:path';
import type { Entry } from 'yauzl';
import { BcpFormatError, BcpRowWalker, type CapturedRow } from './bcp-walker.js';
import type { LayoutCandidate, LayoutResolver } from './layout-resolver.js';
import type { ModelColumn, ModelTable } from './model.js';
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

/** A table's columns cannot be walked at all (a type whose layout is unknown); `reason` says which. */
export class UnknownLayoutError extends Error {
  override readonly name = 'UnknownLayoutError';
}

export interface WalkOptions {
  signal?: AbortSignal;
  capture?: ReadonlySet<number>;
  onRow?: (row: CapturedRow) => void;
}

/** One layout being tried on a file: its walker, and the rows it captured (replayed if it wins). */
interface Trial {
  candidate: LayoutCandidate;
  walker: BcpRowWalker;
  rows: CapturedRow[];
  error: BcpFormatError | null;
}

/**
 * Counts (and optionally captures) the rows of one table across all its BCP files; each file must end on
 * a row boundary. When the layout has open questions, files are walked under every candidate layout at
 * once until one holding rows is parsed exactly by a single layout, which is kept (and settled in the resolver).
 */
export async function walkTableData(
  archive: BacpacArchive,
  parts: readonly Entry[],
  columns: readonly ModelColumn[],
  resolver: LayoutResolver,
  options: WalkOptions = {},
): Promise<number> {
  const candidates = resolver.candidates(columns);
  if (typeof candidates === 'string') throw new UnknownLayoutError(candidates);
  if (candidates[0]?.fields.length === 0) throw new UnknownLayoutError(`it has no columns that hold data`);
  // Layouts still in the running; narrowed to one by the first file that holds rows.
  let pool = candidates;
  let rows = 0;
  for (const part of parts) {
    const trials = pool.map((candidate) => trial(candidate, options, pool.length > 1));
    for await (const chunk of archive.chunks(part, options.signal)) {
      for (const t of trials) if (!t.error) attempt(t, () => t.walker.push(chunk));
      if (trials.every((t) => t.error)) break;
    }
    for (const t of trials) if (!t.error) attempt(t, () => t.walker.end());
    const survivors = trials.filter((t) => !t.error);
    const winner = survivors[0];
    if (!winner) {
      const reason = (trials[0] as Trial).error?.message ?? 'unreadable';
      throw new TableDataError(part.fileName, `${path.basename(archive.file)}: ${part.fileName}: ${reason}.`);
    }
    if (pool.length > 1) {
      if (winner.walker.rows > 0) {
        pool = [winner.candidate];
        if (survivors.length === 1) resolver.settle(columns, winner.candidate.variants);
        for (const row of winner.rows) options.onRow?.(row);
      } else {
        pool = survivors.map((t) => t.candidate);
      }
    }
    rows += winner.walker.rows;
  }
  return rows;
}

function trial(candidate: LayoutCandidate, options: WalkOptions, buffered: boolean): Trial {
  const rows: CapturedRow[] = [];
  // While several layouts compete, captured rows wait until the winner is known.
  const onRow = options.onRow && buffered ? (row: CapturedRow) => rows.push(row) : options.onRow;
  return { candidate, walker: new BcpRowWalker(candidate.fields, { capture: options.capture, onRow }), rows, error: null };
}

function attempt(t: Trial, step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof BcpFormatError)) throw error;
    t.error = error;
  }
}
