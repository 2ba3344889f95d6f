/**
 * `plan`: every check that would make the custom restore fail, run locally before anything is sent.
 * Streams the scan and keeps only aggregates, so memory does not grow with the number of files.
 */
import { quickCheckBacpac } from '../bacpac/quick-check.js';
import { readXperienceVersion } from '../bacpac/xperience-version.js';
import { KxpError } from '../errors.js';
import { saasDatabaseVersionProblem } from '../rules/xperience-version.js';
import { PACKAGE_MAX_BYTES } from '../package/check.js';
import { checkDeploymentPackage, type DeploymentPackageCheck } from './package-check.js';
import { error, FindingTally, warning, type Finding, type OmittedFindings } from '../rules/finding.js';
import type { Layout } from '../rules/layout-model.js';
import type { PayloadFile, PayloadSource } from '../source/types.js';
import type { Payload, ScanOptions } from '../source/payload.js';
import { openSourcePayload, type RemoteSourceOptions } from './remote.js';

/** The deployment-package limit custom restore exists to get around ("2 GB"). */
export const PACKAGE_LIMIT_BYTES = PACKAGE_MAX_BYTES;
export const DEFAULT_BANDWIDTH_MBPS = 100;
const LARGEST_COUNT = 10;

export interface PlanOptions extends ScanOptions, Omit<RemoteSourceOptions, 'signal'> {
  /** The payload already opened by the caller (upload, verify); else opened from `source`. */
  payload?: Payload;
  /** The project's file storage limit (Portal dashboard); storage files above it are an error. */
  storageLimitBytes?: number;
  /** Upload bandwidth for the time estimate, in Mbit/s. Default 100. */
  bandwidthMbps?: number;
  /** Skip the bacpac's structure checks (only for callers that run them themselves). */
  skipBacpacChecks?: boolean;
  /**
   * Read the bacpac's Xperience version (as `inspect` does; default true): BACPAC_VERSION when the SaaS can never
   * take it, NOT_XPERIENCE (a warning) when it has none. False only for callers that read it themselves.
   */
  readXperienceVersion?: boolean;
  /** A deployment package to check too: its own checks, and its Xperience version against the bacpac's. */
  packagePath?: string;
  onEvent?: (event: PlanEvent) => void;
}

export type PlanEvent = { type: 'plan-progress'; files: number; bytes: number } | { type: 'plan-finding'; finding: Finding };

export interface ContainerTotals {
  files: number;
  bytes: number;
}

export interface PlanReport {
  ok: boolean;
  /** The first KEPT_PER_CODE errors of each code (all of them are counted in errorCount). */
  errors: Finding[];
  warnings: Finding[];
  errorCount: number;
  warningCount: number;
  /** Findings counted but not kept, per code: memory stays bounded whatever the payload holds. */
  omitted: OmittedFindings[];
  totals: { files: number; bytes: number; containers: Record<string, ContainerTotals> };
  /** `xperienceVersion`: undefined when not read (or the bacpac is damaged), null when it is not an Xperience database. */
  bacpac: { path: string; bytes: number; blobName: string; renamed: boolean; xperienceVersion?: string | null } | null;
  /** The largest files, biggest first. */
  largest: Array<{ path: string; blobName: string; bytes: number }>;
  storageBytes: number;
  packageLimitBytes: number;
  exceedsPackageLimit: boolean;
  storageLimitBytes: number | null;
  bandwidthMbps: number;
  estimatedSeconds: number;
  /** Whether storage names are lowercased on the way. */
  lowercase: boolean;
  /** The check of `packagePath`, when one was given (its findings are among the errors and warnings). */
  deploymentPackage?: DeploymentPackageCheck;
  /** Each --storage-from: what of it joins the restore (copied server side) and how many blobs no --map covers. */
  remote: RemotePlan[];
  /** The storage layout the files were checked against (--project, --layout, --check-layout), or null. */
  layout: Layout | null;
}

export interface RemotePlan {
  /** The URL as given, signature redacted. */
  url: string;
  /** `<account>/<container>`. */
  label: string;
  files: number;
  bytes: number;
  unmapped: number;
}

export async function planPayload(source: PayloadSource, options: PlanOptions = {}): Promise<PlanReport> {
  const findings = new FindingTally();
  const containers: Record<string, ContainerTotals> = {};
  const largest: Array<{ size: number; displayPath: string; blobName: string }> = [];
  let bacpac: PayloadFile | undefined;
  let files = 0;
  let bytes = 0;
  let storageBytes = 0;

  const record = (found: Finding) => {
    findings.add(found);
    options.onEvent?.({ type: 'plan-finding', finding: found });
  };

  const payload = options.payload ?? (await openSourcePayload(source, options));
  const remotePlans: RemotePlan[] = payload.remotes.map(({ reader }) => ({ url: reader.source.redacted, label: reader.source.label, files: 0, bytes: 0, unmapped: 0 }));
  for await (const event of payload.events({ signal: options.signal })) {
    if (event.type === 'finding') {
      record(event.finding);
      continue;
    }
    if (event.type === 'unmapped') {
      const summary = remotePlans[event.source];
      if (summary) summary.unmapped = event.count;
      continue;
    }
    const file = event.file;
    files++;
    bytes += file.size;
    keepLargest(largest, file);
    if (file.kind === 'bacpac') bacpac = file;
    else {
      storageBytes += file.size;
      const container = (containers[file.container ?? ''] ??= { files: 0, bytes: 0 });
      container.files++;
      container.bytes += file.size;
    }
    if (file.kind === 'remote') {
      const summary = remotePlans[file.source];
      if (summary) {
        summary.files++;
        summary.bytes += file.size;
      }
    }
    if (files % 5000 === 0) options.onEvent?.({ type: 'plan-progress', files, bytes });
  }

  let xperienceVersion: string | null | undefined;
  const readVersion = options.readXperienceVersion ?? true;
  if (bacpac && !options.skipBacpacChecks) {
    const check = await quickCheckBacpac(bacpac.absolutePath, { signal: options.signal });
    for (const problem of check.problems) record(error('BACPAC_INVALID', bacpac.displayPath, problem));
    if (check.ok && readVersion) {
      xperienceVersion = await versionOf(bacpac, record, options.signal);
    }
  }

  let deploymentPackage: DeploymentPackageCheck | undefined;
  if (options.packagePath !== undefined) {
    // A damaged bacpac has already been reported; its version cannot be read.
    const readable = bacpac && !findings.errors.some((found) => found.code === 'BACPAC_INVALID') ? bacpac.absolutePath : undefined;
    deploymentPackage = await checkDeploymentPackage(options.packagePath, { bacpac: readable, cwd: options.cwd, signal: options.signal });
    // The bacpac's own version findings were recorded above, once.
    const ownVersionFinding = (found: Finding) => xperienceVersion !== undefined && (found.code === 'NOT_XPERIENCE' || found.code === 'BACPAC_VERSION');
    for (const found of [...deploymentPackage.errors, ...deploymentPackage.warnings]) if (!ownVersionFinding(found)) record(found);
  }

  const storageLimitBytes = options.storageLimitBytes ?? null;
  if (storageLimitBytes !== null && storageBytes > storageLimitBytes) {
    record(
      error(
        'STORAGE_LIMIT',
        source.storage ?? source.dir ?? '.',
        `The storage files total ${storageBytes} bytes, more than the file storage limit of ${storageLimitBytes} bytes. Leave out files you do not need, or ask Kentico for a larger limit (see the Portal's Dashboard).`,
      ),
    );
  }

  const bandwidthMbps = options.bandwidthMbps ?? DEFAULT_BANDWIDTH_MBPS;
  return {
    ok: findings.errorCount === 0,
    errors: findings.errors,
    warnings: findings.warnings,
    errorCount: findings.errorCount,
    warningCount: findings.warningCount,
    omitted: findings.omitted(),
    totals: { files, bytes, containers },
    bacpac: bacpac
      ? { path: bacpac.displayPath, bytes: bacpac.size, blobName: bacpac.blobName, renamed: bacpac.sourceName !== bacpac.blobName, ...(xperienceVersion === undefined ? {} : { xperienceVersion }) }
      : null,
    largest: largest.map((file) => ({ path: file.displayPath, blobName: file.blobName, bytes: file.size })),
    storageBytes,
    packageLimitBytes: PACKAGE_LIMIT_BYTES,
    exceedsPackageLimit: bytes > PACKAGE_LIMIT_BYTES,
    storageLimitBytes,
    bandwidthMbps,
    // Remote blobs are copied by the service: only what leaves this machine counts against its bandwidth.
    estimatedSeconds: ((bytes - remotePlans.reduce((sum, part) => sum + part.bytes, 0)) * 8) / (bandwidthMbps * 1e6),
    lowercase: source.lowercase ?? false,
    ...(deploymentPackage ? { deploymentPackage } : {}),
    remote: remotePlans,
    layout: payload.layout,
  };
}

/** The Xperience version the restore will compare with the environment's: one the SaaS cannot take is an error, none a warning. */
async function versionOf(bacpac: PayloadFile, record: (found: Finding) => void, signal?: AbortSignal): Promise<string | null | undefined> {
  try {
    const version = await readXperienceVersion(bacpac.absolutePath, { signal });
    const unsupported = version === null ? null : saasDatabaseVersionProblem(version, bacpac.displayPath);
    if (unsupported) record(error('BACPAC_VERSION', bacpac.displayPath, unsupported));
    if (version === null) {
      record(
        warning(
          'NOT_XPERIENCE',
          bacpac.displayPath,
          "Not an Xperience database (no CMSDBVersion in CMS_SettingsKey). The restore needs an Xperience export of the target environment's version; check you picked the right file.",
        ),
      );
    }
    return version;
  } catch (thrown) {
    if (!(thrown instanceof KxpError) || thrown.code !== 'BACPAC_INVALID') throw thrown;
    record(error('BACPAC_INVALID', bacpac.displayPath, thrown.message));
    return undefined;
  }
}

/** Keeps the LARGEST_COUNT biggest files, biggest first, in a small sorted array. */
function keepLargest<File extends { size: number }>(largest: File[], file: File): void {
  if (largest.length === LARGEST_COUNT && (largest.at(-1)?.size ?? 0) >= file.size) return;
  let index = largest.findIndex((other) => other.size < file.size);
  if (index === -1) index = largest.length;
  largest.splice(index, 0, file);
  if (largest.length > LARGEST_COUNT) largest.pop();
}
