/**
 * `upload`: plan (any error → nothing sent), check the SAS URLs, list the containers, then send what is
 * missing, resumably. The database file goes to the database container as `db.bacpac`; storage files to
 * the storage container as `<container>/<path>`.
 */
import { KxpError, errorJson } from '../errors.js';
import type { Finding, OmittedFindings } from '../rules/finding.js';
import type { Payload } from '../source/payload.js';
import type { PayloadSource } from '../source/types.js';
import { blockSizeFromMiB } from '../transfer/blocks.js';
import type { ConcurrencyRange } from '../transfer/concurrency.js';
import type { TransferJob } from '../transfer/engine.js';
import { sendToDestinations } from './destinations/send.js';
import type { ContainerTarget } from '../transfer/target.js';
import type { ProgressSnapshot, TransferEvent } from '../transfer/events.js';
import { prepareDestinations } from './destinations/prepare.js';
import type { SetupEvent, SetupOptions } from './destinations/types.js';

export interface UploadOptions extends Omit<SetupOptions, 'onEvent'> {
  /** Block size in MiB (fractions allowed down to 1/16). Default 8, grown so no blob needs more than 50,000 blocks. */
  blockSizeMiB?: number;
  /**
   * Before skipping a blob whose size and Content-MD5 match the file, download it and compare its bytes;
   * one that differs is sent again. Repairs what `verify --deep` reports, at the cost of reading every blob in place.
   */
  deep?: boolean;
  onEvent?: (event: UploadEvent) => void;
}

export type UploadEvent = TransferEvent | SetupEvent;

export interface UploadResult {
  ok: boolean;
  /** `copied`: of the uploaded, those the storage service copied from a remote source. */
  files: { total: number; uploaded: number; skipped: number; failed: number; copied: number };
  /** `copied`: bytes the storage service copied from remote sources; they are not in `sent`. */
  bytes: { total: number; sent: number; copied: number };
  durationMs: number;
  errors: Array<{ code: string; path: string | null; message: string }>;
  /** Entries of the payload deliberately not sent: symbolic links (never followed), OS clutter (Thumbs.db, .DS_Store…), and what the migration folder holds besides db.bacpac and storage/ (IGNORED). */
  notUploaded: NotUploaded[];
  /** Of each kind, entries left out past the first 100 (KEPT_PER_CODE): counted, not listed. */
  notUploadedUnlisted?: Partial<Record<NotUploaded['code'], number>>;
  /** The plan's warnings (a bacpac that is not an Xperience database, left-out entries…): shown, and nothing stopped for them. */
  warnings: Array<{ code: string; path: string; message: string }>;
  /** Requests in flight: the limit at the end and the range it moved in (absent when the run stopped early). */
  concurrency?: ConcurrencyRange;
}

export interface NotUploaded {
  code: 'SYMLINK' | 'SYSTEM_FILE' | 'IGNORED';
  path: string;
}

export async function uploadPayload(source: PayloadSource, options: UploadOptions = {}): Promise<UploadResult> {
  const started = Date.now();
  const blockSize = blockSizeFromMiB(options.blockSizeMiB);
  checkConcurrency(options);
  const destinations = await prepareDestinations(source, options, 'upload');
  const { plan } = destinations;
  const result = await sendToDestinations(destinations, options, async (targets) => {
    await Promise.all([targets.db?.journal.recordRole('database'), targets.storage?.journal.recordRole('storage')]);
    const copies = plan.remote.reduce((sum, part) => ({ files: sum.files + part.files, bytes: sum.bytes + part.bytes }), { files: 0, bytes: 0 });
    if (copies.files > 0) options.onEvent?.({ type: 'copying', sources: plan.remote.map((part) => part.label), ...copies });
    return {
      items: transferItems(destinations.payload, targets, options),
      totals: { files: plan.totals.files, bytes: plan.totals.bytes },
      largestFile: plan.largest[0]?.bytes ?? 0,
      blockSize,
      deep: options.deep,
    };
  });
  return { ...uploadResult(result.progress, result.errors.map(errorJson), Date.now() - started, plan.warnings), ...unlistedOf(plan.omitted), concurrency: result.concurrency };
}

function checkConcurrency(options: Pick<UploadOptions, 'concurrency' | 'maxConcurrency'>): void {
  for (const [flag, value] of [['--concurrency', options.concurrency], ['--max-concurrency', options.maxConcurrency]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 256)) {
      throw new KxpError('USAGE', `${flag} must be a whole number from 1 to 256; got ${value}.`);
    }
  }
  if (options.concurrency !== undefined && options.maxConcurrency !== undefined) {
    throw new KxpError('USAGE', '--concurrency fixes the number of requests in flight and --max-concurrency caps the adaptive one: give one of them.', {
      hint: 'Leave both out to let the upload find the number the link sustains (up to 128).',
    });
  }
}

/** Each entry of the payload with the container it goes to: a local file to upload, or a remote blob for the service to copy. */
async function* transferItems(payload: Payload, targets: { db: ContainerTarget | null; storage: ContainerTarget | null }, options: UploadOptions): AsyncGenerator<TransferJob> {
  // Read again (the plan kept only totals), under the plan's rules: a source changed since stops the run.
  for await (const entry of payload.entries({ signal: options.signal })) {
    const target = entry.kind === 'bacpac' ? targets.db : targets.storage;
    if (!target) throw new KxpError('INTERNAL', `No container for ${entry.displayPath}.`);
    // A remote blob is read by the service through a short-lived read URL.
    if (entry.kind === 'remote') yield { copy: { ...entry, readUrl: (signal?: AbortSignal) => entry.reader.readUrl(entry.name, signal), reach: (signal?: AbortSignal) => entry.reader.reach(entry.name, signal) }, target };
    else yield { file: entry, target };
  }
}

/** The `--json` shape of an upload, also used when a run stops early; `planWarnings` are the plan's warnings, when it ran. */
export function uploadResult(progress: ProgressSnapshot, errors: UploadResult['errors'], durationMs: number, planWarnings: readonly Finding[] = []): UploadResult {
  return {
    ok: errors.length === 0 && progress.filesFailed === 0,
    files: { total: progress.filesTotal, uploaded: progress.filesUploaded, skipped: progress.filesSkipped, failed: progress.filesFailed, copied: progress.filesCopied ?? 0 },
    bytes: { total: progress.bytesTotal, sent: progress.bytesSent, copied: progress.bytesCopied ?? 0 },
    durationMs,
    errors,
    notUploaded: notUploadedOf(planWarnings),
    warnings: planWarnings.map((finding) => ({ code: finding.code, path: finding.path, message: finding.message })),
  };
}

/** The left-out entries the plan only counted (past the first 100 of a kind), when there are any. */
function unlistedOf(omitted: readonly OmittedFindings[]): Pick<UploadResult, 'notUploadedUnlisted'> {
  const unlisted: Partial<Record<NotUploaded['code'], number>> = {};
  for (const { code, severity, count } of omitted) if (severity === 'warning' && (code === 'SYMLINK' || code === 'SYSTEM_FILE' || code === 'IGNORED')) unlisted[code] = count;
  return Object.keys(unlisted).length > 0 ? { notUploadedUnlisted: unlisted } : {};
}

/** What the plan left out on purpose (warnings, not errors): links inside the payload, OS clutter, and IGNORED entries of the folder. */
export function notUploadedOf(warnings: readonly Finding[]): NotUploaded[] {
  return warnings.flatMap((finding) => (finding.code === 'SYMLINK' || finding.code === 'SYSTEM_FILE' || finding.code === 'IGNORED' ? [{ code: finding.code, path: finding.path }] : []));
}
