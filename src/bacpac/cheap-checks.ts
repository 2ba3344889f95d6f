import { createHash } from 'node:crypto';
import path from 'node:path';
import { REEXPORT, type BacpacIssue } from './issues.js';
import { parseOrigin, type OriginInfo } from './origin.js';
import { ArchiveError, type BacpacArchive } from './zip.js';

/** The parts every BACPAC has; without any of them the import refuses it. */
export const REQUIRED_PARTS = ['model.xml', 'Origin.xml', 'DacMetadata.xml', '[Content_Types].xml'] as const;

export interface CheapCheckResult {
  issues: BacpacIssue[];
  origin: OriginInfo | null;
  /** Upper-case hex SHA-256 of model.xml, or null when it could not be read. */
  modelSha256: string | null;
}

export interface CheapCheckOptions {
  signal?: AbortSignal;
  /** Receives every chunk of model.xml as it is hashed, so a caller can parse it in the same pass. */
  onModelChunk?: (chunk: Buffer) => void;
}

/**
 * The checks that cost only the central directory, Origin.xml and one pass over model.xml:
 * required parts, data present, model checksum. Never reads the table data.
 */
export async function runCheapChecks(archive: BacpacArchive, options: CheapCheckOptions = {}): Promise<CheapCheckResult> {
  const name = path.basename(archive.file);
  const issues: BacpacIssue[] = [];
  for (const part of REQUIRED_PARTS) {
    if (!archive.entry(part)) {
      issues.push({
        code: 'BACPAC_INVALID',
        path: `${archive.file}/${part}`,
        message: `${name} has no ${part} part, so it is not a complete BACPAC; ${REEXPORT}.`,
      });
    }
  }
  const origin = await readOrigin(archive, issues, options.signal);
  const modelSha256 = await hashModel(archive, issues, options);
  if (origin) issues.push(...originIssues(archive.file, origin, modelSha256), ...missingDataIssues(archive, origin));
  return { issues, origin, modelSha256 };
}

async function readOrigin(archive: BacpacArchive, issues: BacpacIssue[], signal?: AbortSignal): Promise<OriginInfo | null> {
  const entry = archive.entry('Origin.xml');
  if (!entry) return null;
  try {
    return parseOrigin(await archive.readText(entry, signal));
  } catch (error) {
    if (signal?.aborted) throw error;
    issues.push(partIssue(archive.file, 'Origin.xml', error));
    return null;
  }
}

async function hashModel(archive: BacpacArchive, issues: BacpacIssue[], options: CheapCheckOptions): Promise<string | null> {
  const entry = archive.entry('model.xml');
  if (!entry) return null;
  const hash = createHash('sha256');
  try {
    for await (const chunk of archive.chunks(entry, options.signal)) {
      hash.update(chunk);
      options.onModelChunk?.(chunk);
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    issues.push(partIssue(archive.file, 'model.xml', error));
    return null;
  }
  return hash.digest('hex').toUpperCase();
}

function partIssue(file: string, part: string, error: unknown): BacpacIssue {
  const message =
    error instanceof ArchiveError
      ? error.message
      : `${path.basename(file)}: ${part} is not well-formed XML (${error instanceof Error ? error.message : String(error)}); ${REEXPORT}.`;
  return { code: 'BACPAC_INVALID', path: `${file}/${part}`, message };
}

/** What Origin.xml's own claims say about the file: data present, model checksum. */
function originIssues(file: string, origin: OriginInfo, modelSha256: string | null): BacpacIssue[] {
  const name = path.basename(file);
  const issues: BacpacIssue[] = [];
  if (origin.containsData === false) {
    issues.push({
      code: 'BACPAC_NO_DATA',
      path: `${file}/Origin.xml`,
      message: `${name} holds no table data (Origin.xml ContainsExportedData is false): it is a schema-only export or a .dacpac; export with data (SqlPackage /Action:Export, not /Action:Extract).`,
    });
  } else if (origin.containsData === null) {
    issues.push({
      code: 'BACPAC_WARNING',
      path: `${file}/Origin.xml`,
      message: `${name}: Origin.xml does not say whether the export contains data (no ContainsExportedData); make sure it was exported with SqlPackage /Action:Export.`,
    });
  }
  const recorded = Object.entries(origin.checksums).find(([uri]) => uri.toLowerCase() === '/model.xml')?.[1];
  if (recorded === undefined) {
    issues.push({
      code: 'BACPAC_WARNING',
      path: `${file}/Origin.xml`,
      message: `${name}: Origin.xml records no checksum for model.xml, so damage to the schema cannot be detected before the import.`,
    });
  } else if (modelSha256 !== null && recorded !== modelSha256) {
    issues.push({
      code: 'BACPAC_CHECKSUM',
      path: `${file}/model.xml`,
      message: `${name}: the SHA-256 of model.xml (${modelSha256}) differs from the checksum in Origin.xml (${recorded}), so the file was damaged or edited after export and the import would refuse it; copy the original again or ${REEXPORT}.`,
    });
  }
  return issues;
}

/** Origin.xml counts rows but the archive has no table data parts at all: they were stripped or never written. */
function missingDataIssues(archive: BacpacArchive, origin: OriginInfo): BacpacIssue[] {
  if (origin.containsData !== true || !origin.rowTotal) return [];
  for (const name of archive.entries.keys()) if (/^Data\/[^/]+\/[^/]+\.bcp$/i.test(name)) return [];
  return [
    {
      code: 'BACPAC_NO_DATA',
      path: archive.file,
      message: `${path.basename(archive.file)} holds no table data (no Data/…/*.BCP parts) although Origin.xml records ${origin.rowTotal} rows, so the data was lost after export; copy the original again or ${REEXPORT}.`,
    },
  ];
}
