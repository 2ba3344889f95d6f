/**
 * The payload: one stream of entries from every source it names, whatever their kind. A migration folder (with
 * --bacpac and --storage), a project folder read through its layout, and remote containers (--storage-from)
 * each yield the same entries; here the layout is resolved once and checked once over all of them, names are
 * claimed across sources (a remote blob may not overwrite another entry), and an empty payload is reported.
 * `plan`, `upload`, `verify` and `rehearse` read this stream and never the kinds behind it.
 */
import path from 'node:path';
import { DigestTable } from '../digest-table.js';
import { KxpError } from '../errors.js';
import { templateDefaultLayout, type Layout } from '../rules/layout-model.js';
import { resolveLayout } from '../layout/resolve.js';
import { error, type Finding } from '../rules/finding.js';
import { LayoutCheck } from '../rules/layout.js';
import { collisionKey } from '../rules/names.js';
import { FolderSource } from './folder.js';
import { displayPath } from './local-entry.js';
import { missingPart, wantedParts, type WantedParts } from './parts.js';
import { ProjectSource } from './project.js';
import { openContainerSources, type ContainerSource, type OpenRemoteOptions } from './remote.js';
import type { MapUsage, PayloadFile, PayloadSource, Source, SourceEntry, SourceEvent } from './types.js';

export { displayPath } from './local-entry.js';
export { STATE_DIR_NAME } from './folder.js';

export interface PayloadOptions extends OpenRemoteOptions {
  /** Working directory that relative paths and display paths start from. Default: process.cwd(). */
  cwd?: string;
  signal?: AbortSignal;
}

/**
 * Opens what `source` names: remote URLs and --map parsed first (no request), then the layout resolved
 * (a layout file, the project's mapping code, or the template default with --check-layout), then the local parts.
 */
export async function openPayload(source: PayloadSource, options: PayloadOptions = {}): Promise<Payload> {
  const cwd = options.cwd ?? process.cwd();
  const wanted = wantedParts(source);
  const remote = openContainerSources(source, options);
  const layout = await layoutOfSource(source, cwd, options.signal);
  const local = hasLocalPart(source) || remote.length === 0 ? localSources(source, cwd, layout) : [];
  const dir = source.dir === undefined ? undefined : path.resolve(cwd, source.dir);
  const storage = source.storage === undefined ? undefined : path.resolve(cwd, source.storage);
  return new Payload([...local, ...remote], layout, cwd, dir ?? storage ?? cwd, wanted);
}

/** The layout the payload is checked against: given, from a layout file, from the project's code, or the template default when asked; else none. */
async function layoutOfSource(source: PayloadSource, cwd: string, signal?: AbortSignal): Promise<Layout | null> {
  if (source.layout !== undefined) return source.layout;
  if (source.layoutFile !== undefined || source.project !== undefined) return resolveLayout({ layoutFile: source.layoutFile, project: source.project, cwd, signal });
  return source.checkLayout ? templateDefaultLayout() : null;
}

function localSources(source: PayloadSource, cwd: string, layout: Layout | null): Source[] {
  if (!hasLocalPart(source)) {
    throw new KxpError('USAGE', 'Name a migration folder, or --project, --bacpac and/or --storage.', {
      hint: 'For example: kxp-restore plan ./migration  (holding db.bacpac and storage/<container>/…)',
    });
  }
  if (source.project !== undefined && (source.dir !== undefined || source.storage !== undefined)) {
    throw new KxpError('USAGE', '--project supplies the storage files; it cannot be combined with a migration folder or --storage.', {
      hint: 'Use --project DIR with --bacpac FILE, or a migration folder (optionally with --layout FILE to check it).',
    });
  }
  const naming = { lowercase: source.lowercase ?? false, nfc: source.nfc ?? false, includeSystemFiles: source.includeSystemFiles ?? false };
  const resolve = (value: string | undefined) => (value === undefined ? undefined : path.resolve(cwd, value));
  const sources: Source[] = [];
  if (source.dir !== undefined || source.bacpac !== undefined || source.storage !== undefined) {
    const parts = { dir: resolve(source.dir), bacpac: resolve(source.bacpac), storage: resolve(source.storage), ignore: source.ignore, commandFiles: [...(source.commandFiles ?? []), ...(source.layoutFile === undefined ? [] : [path.resolve(cwd, source.layoutFile)])] };
    sources.push(new FolderSource({ ...parts, databaseOnly: source.databaseOnly, storageOnly: source.storageOnly }, naming, layout));
  }
  if (source.project !== undefined && layout !== null) sources.push(new ProjectSource(path.resolve(cwd, source.project), layout, naming));
  return sources;
}

/** Whether the payload names anything on this machine (a migration folder, --project, --bacpac or --storage), beside any --storage-from. */
export function hasLocalPart(source: PayloadSource): boolean {
  return source.dir !== undefined || source.project !== undefined || source.bacpac !== undefined || source.storage !== undefined;
}

export class Payload {
  constructor(
    readonly sources: readonly Source[],
    /** The storage layout every storage entry is checked against, or null. */
    readonly layout: Layout | null,
    private readonly cwd: string,
    /** Where an empty local payload (or a missing part) is reported. */
    private readonly emptyAt: string,
    /** The parts the user asked for: one missing is MISSING_PART. Both by default. */
    private readonly wanted: WantedParts = { database: true, storage: true },
  ) {}

  /** The remote containers (--storage-from), in the order given. */
  get remotes(): ContainerSource[] {
    return this.sources.filter((source): source is ContainerSource => source.kind === 'remote');
  }

  /** One pass over every source: entries and findings, streamed (memory holds one digest per name only with remote sources). */
  async *events(options: { signal?: AbortSignal } = {}): AsyncGenerator<SourceEvent> {
    const show = (absolute: string) => displayPath(this.cwd, absolute);
    const check = this.layout ? new LayoutCheck(this.layout) : null;
    const remote = this.remotes.length > 0;
    // Local and remote names share one set of claims, so a source blob cannot overwrite a local file.
    const claims = remote ? new NameClaims() : null;
    // Per --map source prefix: starts no blob in the sources listed so far (and a near match).
    let unmatchedMaps: Map<string, { to: string; near: string | null }> | null = null;
    // A misnamed database file or storage folder makes a payload with a problem, not an empty one.
    let localFiles = 0;
    // Each part: found, or named by a near-miss finding (which says it already); else, if wanted, MISSING_PART.
    const present = { database: false, storage: remote };
    for (const source of this.sources) {
      for await (const event of source.events({ signal: options.signal, show })) {
        if (event.type === 'unmapped') unmatchedMaps = stillUnmatched(unmatchedMaps, event);
        if (event.type !== 'file') {
          if (event.type === 'finding' && source.kind !== 'remote' && (event.finding.code === 'BACPAC_NAME' || event.finding.code === 'STORAGE_NAME')) {
            localFiles++;
            present[event.finding.code === 'BACPAC_NAME' ? 'database' : 'storage'] = true;
          }
          yield event;
          continue;
        }
        const file = event.file;
        if (file.kind !== 'remote') localFiles++;
        present[file.kind === 'bacpac' ? 'database' : 'storage'] = true;
        if (file.kind === 'bacpac') {
          yield event;
          continue;
        }
        if (claims && !claims.claim(file.blobName) && file.kind === 'remote') yield { type: 'finding', finding: collision(file.displayPath, file.blobName) };
        yield event;
        const outsideLayout = check?.check(file.blobName, file.displayPath);
        if (outsideLayout) yield { type: 'finding', finding: outsideLayout };
      }
    }
    if (!remote && localFiles === 0) yield { type: 'finding', finding: emptyLocal(show(this.emptyAt)) };
    else {
      for (const part of ['database', 'storage'] as const) if (this.wanted[part] && !present[part]) yield { type: 'finding', finding: missingPart(part, show(this.emptyAt)) };
    }
    for (const found of check?.finish() ?? []) yield { type: 'finding', finding: found };
    for (const [from, { to, near }] of unmatchedMaps ?? []) yield { type: 'finding', finding: mapUnmatched(from, to, near, this.remotes) };
  }

  /**
   * The entries once more, for a run after the plan (which kept only totals). The plan's rules apply again,
   * since the payload may have changed since (a file created or renamed, a folder swapped for a link, a blob
   * added to a source): any error stops the run.
   */
  async *entries(options: { signal?: AbortSignal } = {}): AsyncGenerator<SourceEntry> {
    for await (const event of this.events(options)) {
      if (event.type === 'file') yield event.file;
      else if (event.type === 'finding' && event.finding.severity === 'error') throw sourceChanged(event.finding);
    }
  }
}

/** The maps that start no blob of any source listed so far: those of every source before, less those this one matched. */
function stillUnmatched(before: Map<string, { to: string; near: string | null }> | null, usage: MapUsage): Map<string, { to: string; near: string | null }> {
  const now = new Map(usage.unmatched.map(({ from, to, near }) => [from, { to, near: near ?? before?.get(from)?.near ?? null }]));
  if (before !== null) for (const from of now.keys()) if (!before.has(from)) now.delete(from);
  return now;
}

function mapUnmatched(from: string, to: string, near: string | null, remotes: readonly ContainerSource[]): Finding {
  const labels = remotes.map((source) => source.reader.source.label).join(', ');
  const suggestion = near === null ? 'Check the prefix against the source blob names (a listing shows them).' : `Blob names start with "${near}": did you mean --map '${near}=${to}'?`;
  return error('MAP_UNMATCHED', labels, `--map '${from}=${to}' matches no blob of ${labels} (prefixes are case-sensitive). ${suggestion}`);
}

/** A finding at transfer time: the run stops, with the finding's code named. */
function sourceChanged(finding: Finding): KxpError {
  return new KxpError('SOURCE_CHANGED', `The payload changed after the check: ${finding.message} (${finding.code})`, {
    path: finding.path,
    hint: 'The run stopped there. Fix it (`kxp-restore plan` lists every problem) and run the same command again: what was sent is kept.',
    exitCode: 1,
  });
}

function emptyLocal(where: string): Finding {
  return error(
    'EMPTY',
    where,
    'Nothing to upload: no db.bacpac and no files under storage/<container>/. Put the database export at db.bacpac and the files under storage/<container>/…, or point --bacpac / --storage at them.',
  );
}

function collision(displayPath: string, blobName: string): Finding {
  return error(
    'CASE_COLLISION',
    displayPath,
    `Becomes "${blobName}", the same name once lowercased as a blob listed before it, so one would overwrite the other. Map one of them elsewhere with --map, or remove one (this is an error even with --lowercase).`,
  );
}

/**
 * Restore names already taken in a pass, compared by their collision key (NFC, case folded): two source blobs
 * (or a source blob and a local file) that meet here would overwrite each other. One digest per name.
 */
class NameClaims {
  // 12-byte keys: two names sharing a key would be a false CASE_COLLISION (n^2/2^97: ~6e-16 at 10,000,000).
  private readonly table = new DigestTable(0, { keyBytes: 12 });

  /** Claims the name; false when it (in any case) was claimed before. */
  claim(blobName: string): boolean {
    return this.table.upsert(DigestTable.digest(collisionKey(blobName))).created;
  }
}

export type ScanEvent = { type: 'file'; file: PayloadFile } | { type: 'finding'; finding: Finding };

export interface ScanOptions {
  signal?: AbortSignal;
  /** Working directory that display paths are relative to. Default: process.cwd(). */
  cwd?: string;
}

/** The local parts of a payload (its --storage-from left aside) as one stream: the library's scan. */
export async function* scanPayload(source: PayloadSource, options: ScanOptions = {}): AsyncGenerator<ScanEvent> {
  const remote = (source.storageFrom?.length ?? 0) > 0;
  const payload = await openPayload({ ...source, storageFrom: undefined, map: undefined, ...(remote ? { databaseOnly: undefined, storageOnly: undefined } : {}) }, options);
  for await (const event of payload.events({ signal: options.signal })) {
    // Without its remote sources the payload lacks their storage files: not a missing part of the whole.
    if (remote && event.type === 'finding' && event.finding.code === 'MISSING_PART') continue;
    if (event.type === 'finding' || (event.type === 'file' && event.file.kind !== 'remote')) yield event as ScanEvent;
  }
}
