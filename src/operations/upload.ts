/**
 * `upload`: plan (any error → nothing sent), check the SAS URLs, list the containers, then send what is
 * missing, resumably. The database file goes to the database container as `db.bacpac`; storage files to
 * the storage container as `<container>/<path>`.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { ExitCode, KxpError, errorJson, toKxpError } from '../errors.js';
import type { ConnectionPool } from '../azure/client.js';
import { proxyFor } from '../azure/proxy.js';
import { checkContainerSas, parseContainerSasUrl, uploadWindowClosedError, type ContainerSas, type SasPurpose } from '../azure/sas.js';
import type { Finding } from '../rules/finding.js';
import { roleContradictions, shapeProblem, type ContainerRole } from '../rules/container-role.js';
import { displayPath, hasLocalPart, scanPayload, STATE_DIR_NAME } from '../source/scan.js';
import type { PayloadFile, PayloadSource } from '../source/types.js';
import { blockSizeFromMiB } from '../transfer/blocks.js';
import type { ConcurrencyRange } from '../transfer/concurrency.js';
import { DEFAULT_CONCURRENCY, runTransfer, type TransferJob } from '../transfer/engine.js';
import type { ContainerTarget } from '../transfer/target.js';
import type { ProgressSnapshot, TransferEvent } from '../transfer/events.js';
import { lockJournal, type HeldLock } from '../transfer/lock.js';
import type { RetryPolicy } from '../transfer/pacer.js';
import { openTarget } from '../transfer/targets.js';
import { planPayload, type PlanReport } from './plan.js';
import { NameClaims, openRemoteSources, scanRemoteSources, type RemoteSources } from './remote.js';

export interface UploadOptions {
  /** SAS URL of the database container; needed when the payload has a database file. */
  dbSasUrl?: string;
  /** SAS URL of the storage container; needed when the payload has storage files. */
  storageSasUrl?: string;
  /** Requests in flight at once, fixed. Unset: adaptive (found and adjusted during the run). */
  concurrency?: number;
  /** Ceiling of the adaptive concurrency (1 to 256). Default 128. */
  maxConcurrency?: number;
  /** Block size in MiB (fractions allowed down to 1/16). Default 8, grown so no blob needs more than 50,000 blocks. */
  blockSizeMiB?: number;
  /** Where the resume journal lives. Default `<dir>/.kxp-restore`. */
  stateDir?: string;
  /** Working directory for relative paths. Default process.cwd(). */
  cwd?: string;
  /** Per-request retry tuning (tests shorten the backoff). */
  retry?: Partial<RetryPolicy>;
  /** Where HTTPS_PROXY, ALL_PROXY, HTTP_PROXY and NO_PROXY are read. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Entra ID tenant for --storage-from sources without a SAS. */
  tenantId?: string;
  /** Sign-in for --storage-from sources without a SAS. Default: DefaultAzureCredential. */
  credential?: TokenCredential;
  /**
   * Asked for the SAS URLs not given above, once the plan has passed and only for the parts the payload
   * has, so an invalid payload never costs a "Get access" and a one-part payload never asks for the other.
   */
  getAccess?: AccessProvider;
  /** Allow one container on loopback (an emulator) and the other elsewhere; refused by default as a sign of a forgotten URL. */
  allowMixedDestinations?: boolean;
  /** The deployment package this data goes with: checked in the plan, and a bacpac of another version refused. */
  packagePath?: string;
  signal?: AbortSignal;
  onEvent?: (event: UploadEvent) => void;
}

/** What upload and verify report before the first byte moves. */
export type SetupEvent =
  | { type: 'planned'; plan: PlanReport }
  /** Where this run sends or reads, named before the first request; `grantedBy` names the Portal that gave the access. */
  | { type: 'destinations'; db: Destination | null; storage: Destination | null; grantedBy: string | null }
  | { type: 'listed'; container: string; blobs: number; proxy: { url: string; variable: string } | null }
  /** The first request to a container failed in a way worth retrying (host unreachable, 5xx…); it will be tried again. */
  | { type: 'listing-retry'; container: string; attempt: number; delayMs: number; reason: string }
  /** Blobs of remote sources that the storage service copies itself: their bytes never pass through this machine. */
  | { type: 'copying'; sources: string[]; files: number; bytes: number }
  /** The container's journal was locked by a run that is gone (same host, pid no longer running); this run took the lock over. */
  | { type: 'lock-taken-over'; container: string; pid: number; host: string; startedAt: string };
export type UploadEvent = TransferEvent | SetupEvent;

/** One container a run talks to, as the destination line names it. */
export interface Destination {
  /** `account/container`. */
  identity: string;
  endpoint: string;
  loopback: boolean;
}

/** The options the setup steps (plan, SAS checks, listing) share between upload and verify. */
export type SetupOptions = Pick<UploadOptions, 'dbSasUrl' | 'storageSasUrl' | 'stateDir' | 'cwd' | 'retry' | 'env' | 'signal' | 'concurrency' | 'maxConcurrency' | 'getAccess' | 'allowMixedDestinations' | 'packagePath' | 'tenantId' | 'credential'> & {
  onEvent?: (event: SetupEvent) => void;
};

/** Which container URLs a run still needs. */
export interface AccessNeeds {
  database: boolean;
  storage: boolean;
}

/** Supplies SAS URLs on demand, e.g. "Get access" from the Portal; called at most once, after the plan passed. */
export type AccessProvider = (needs: AccessNeeds, signal?: AbortSignal) => Promise<{ dbSasUrl?: string; storageSasUrl?: string; grantedBy?: string }>;

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
  /** Requests in flight: the limit at the end and the range it moved in (absent when the run stopped early). */
  concurrency?: ConcurrencyRange;
}

export interface NotUploaded {
  code: 'SYMLINK' | 'SYSTEM_FILE' | 'IGNORED';
  path: string;
}

export interface Destinations {
  plan: PlanReport;
  db: ContainerSas | null;
  storage: ContainerSas | null;
  stateDir: string;
  /** The --storage-from sources, opened; null without any. */
  remote: RemoteSources | null;
}

export async function uploadPayload(source: PayloadSource, options: UploadOptions = {}): Promise<UploadResult> {
  const started = Date.now();
  const blockSize = blockSizeFromMiB(options.blockSizeMiB);
  checkConcurrency(options);
  const destinations = await prepareDestinations(source, options, 'upload');
  const { plan } = destinations;
  // One run per container: a second run of the same folder would send the same data again and interleave the journal.
  const locks = await lockDestinations(destinations, options);
  let sending = false;
  try {
    const targets = await openTargets(destinations, options);
    try {
      assertContainerRoles(targets);
      await Promise.all([targets.db?.journal.recordRole('database'), targets.storage?.journal.recordRole('storage')]);
      const { remote } = destinations;
      const copies = plan.remote.reduce((sum, part) => ({ files: sum.files + part.files, bytes: sum.bytes + part.bytes }), { files: 0, bytes: 0 });
      if (copies.files > 0) options.onEvent?.({ type: 'copying', sources: plan.remote.map((part) => part.label), ...copies });
      const items = transferItems(source, remote, targets, options);
      sending = true;
      const result = await runTransfer(items, {
        totals: { files: plan.totals.files, bytes: plan.totals.bytes },
        largestFile: plan.largest[0]?.bytes ?? 0,
        concurrency: options.concurrency,
        maxConcurrency: options.maxConcurrency,
        blockSize,
        retry: options.retry,
        signal: options.signal,
        onEvent: (event) => {
          // The connection pools follow the number of requests in flight.
          if (event.type === 'concurrency') for (const target of [targets.db, targets.storage]) target?.pool.resize(event.new);
          options.onEvent?.(event);
        },
      });
      return { ...uploadResult(result.progress, result.errors.map(errorJson), Date.now() - started, notUploadedOf(plan.warnings)), concurrency: result.concurrency };
    } finally {
      await Promise.all([targets.db?.journal.close(), targets.storage?.journal.close()]);
    }
  } catch (thrown) {
    throw explainRefusal(thrown, destinations, sending);
  } finally {
    await Promise.all(locks.map((lock) => lock.release()));
  }
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

/** Locks the journal of each destination container, in a fixed order (database first) so two runs cannot deadlock. */
export async function lockDestinations(destinations: Destinations, options: Pick<SetupOptions, 'onEvent'>): Promise<HeldLock[]> {
  const locks: HeldLock[] = [];
  try {
    for (const sas of [destinations.db, destinations.storage]) {
      if (!sas) continue;
      locks.push(
        await lockJournal(destinations.stateDir, sas.identity, {
          onTakeOver: (stale) => options.onEvent?.({ type: 'lock-taken-over', container: sas.identity, pid: stale.pid, host: stale.host, startedAt: stale.startedAt }),
        }),
      );
    }
    return locks;
  } catch (error) {
    await Promise.all(locks.map((lock) => lock.release()));
    throw error;
  }
}

/**
 * Refuses (WRONG_CONTAINER) when the listings, the journals or the container names say a URL points at the
 * other part of the session: swapped URLs would put db.bacpac among the storage files and exit 0.
 */
export function assertContainerRoles(targets: { db: OpenedTarget | null; storage: OpenedTarget | null }): void {
  const problems: string[] = [];
  for (const [role, target] of [['database', targets.db], ['storage', targets.storage]] as const) {
    if (!target) continue;
    const reasons = roleContradictions({ role, container: target.sas.container, shape: target.remote.shape, remembered: target.journal.role });
    if (reasons.length > 0) problems.push(`the ${role} SAS URL points at a container that is not a ${role} container: ${reasons.join('; ')}`);
  }
  if (problems.length === 0) return;
  const urls = [targets.db && `database SAS URL: ${targets.db.sas.redacted}`, targets.storage && `storage SAS URL: ${targets.storage.sas.redacted}`].filter(Boolean).join('; ');
  throw new KxpError('WRONG_CONTAINER', `Refusing to upload: ${problems.join('. Also, ')}. Nothing was sent (${urls}).`, {
    hint:
      'Give the database container\'s URL to --db-sas-url and the storage container\'s to --storage-sas-url (the Portal lists both after "Get access"); if they were swapped, swap them back. ' +
      'If an earlier run put files in the wrong container, delete them there (for example with Azure Storage Explorer) and run again.',
  });
}

/** What each opened container's listing says against its role, for verify (which reports instead of refusing). */
export function containerShapeProblems(targets: { db: OpenedTarget | null; storage: OpenedTarget | null }): Array<{ container: string; role: ContainerRole; message: string }> {
  const problems: Array<{ container: string; role: ContainerRole; message: string }> = [];
  for (const [role, target] of [['database', targets.db], ['storage', targets.storage]] as const) {
    const problem = target && shapeProblem(role, target.remote.shape);
    if (target && problem) problems.push({ container: target.sas.identity, role, message: `The ${role} container ${target.sas.identity} has the wrong shape: ${problem}.` });
  }
  return problems;
}

/** A refusal from the service, explained by what the SAS URLs say: past day 7 new URLs would not help. */
function explainRefusal(thrown: unknown, destinations: Destinations, sending: boolean): unknown {
  const error = toKxpError(thrown);
  if (error.code !== 'ACCESS_DENIED') return thrown;
  const sas = destinations.db ?? destinations.storage;
  const label = destinations.db ? 'database SAS URL' : 'storage SAS URL';
  return (sas && uploadWindowClosedError(sas, label, new Date(), { cause: thrown, exitCode: sending ? ExitCode.failed : ExitCode.invalid })) ?? thrown;
}


/**
 * Everything that must hold before a single byte is sent: the plan passes, each part present has its SAS
 * URL, and each URL is well-formed, https (unless loopback), not expired and allows what we need.
 */
export async function prepareDestinations(source: PayloadSource, options: SetupOptions, purpose: SasPurpose): Promise<Destinations> {
  const stateDir = defaultStateDir(source, options);
  await refuseStateDirInPayload(source, stateDir, options);
  const remote = openRemoteSources(source, { ...options, maxSockets: (options.concurrency ?? DEFAULT_CONCURRENCY) + 1 });
  const plan = await planPayload(source, { signal: options.signal, cwd: options.cwd, packagePath: options.packagePath, remote, retry: options.retry });
  options.onEvent?.({ type: 'planned', plan });
  if (!plan.ok) {
    const count = plan.errors.length;
    throw new KxpError('VALIDATION_FAILED', `The payload has ${count} problem${count === 1 ? '' : 's'} that would make the custom restore fail; nothing was sent.`, {
      hint: 'Fix them (see the list above, or run `kxp-restore plan`) and run again.',
    });
  }
  const needsDb = plan.bacpac !== null;
  const needsStorage = plan.totals.files > (needsDb ? 1 : 0);
  let { dbSasUrl, storageSasUrl } = options;
  let grantedBy: string | null = null;
  const missing: AccessNeeds = { database: needsDb && !dbSasUrl?.trim(), storage: needsStorage && !storageSasUrl?.trim() };
  if ((missing.database || missing.storage) && options.getAccess) {
    const granted = await options.getAccess(missing, options.signal);
    if (missing.database) dbSasUrl = granted.dbSasUrl;
    if (missing.storage) storageSasUrl = granted.storageSasUrl;
    grantedBy = granted.grantedBy ?? null;
  }
  const db = needsDb ? requireSas(dbSasUrl, 'database SAS URL', '--db-sas-url', 'KXP_DB_SAS_URL', purpose) : null;
  const storage = needsStorage ? requireSas(storageSasUrl, 'storage SAS URL', '--storage-sas-url', 'KXP_STORAGE_SAS_URL', purpose) : null;
  if (db && storage && db.identity === storage.identity) {
    throw new KxpError('SAS_INVALID', `The database and storage SAS URLs point at the same container (${db.identity}).`, {
      hint: 'The custom-restore session hands out two URLs: one for the database container, one for the storage container.',
    });
  }
  if (db && storage && db.loopback !== storage.loopback && !options.allowMixedDestinations) {
    const [local, remote] = db.loopback ? [db, storage] : [storage, db];
    throw new KxpError('MIXED_DESTINATIONS', `One container is on this computer (${local.identity} at ${local.endpoint}) and the other is not (${remote.identity} at ${remote.endpoint}); nothing was sent.`, {
      hint: 'A URL left over from a rehearsal is the usual cause: give both URLs of one custom-restore session. If the mix is meant, add --allow-mixed-destinations.',
    });
  }
  options.onEvent?.({ type: 'destinations', db: db && destination(db), storage: storage && destination(storage), grantedBy });
  return { plan, db, storage, stateDir, remote };
}

/** The journal holds local absolute paths: kept inside the storage folder, it would be uploaded into the site's storage. */
async function refuseStateDirInPayload(source: PayloadSource, stateDir: string, options: { cwd?: string }): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  const storageRoot = source.storage !== undefined ? path.resolve(cwd, source.storage) : source.dir !== undefined ? path.resolve(cwd, source.dir, 'storage') : undefined;
  if (storageRoot === undefined) return;
  const [state, root] = await Promise.all([resolvedPath(stateDir), resolvedPath(storageRoot)]);
  if (state !== root && !state.startsWith(root + path.sep)) return;
  throw new KxpError('USAGE', `The state folder ${displayPath(cwd, stateDir)} is inside the storage files, so its journal (with local paths) would be uploaded with them; nothing was sent.`, {
    path: displayPath(cwd, stateDir),
    hint: `Choose a --state-dir outside ${displayPath(cwd, storageRoot)}, or leave it out to use the default (.kxp-restore beside storage/).`,
  });
}

/** The real path of `target`, resolving links in the part that exists (the state folder may not exist yet). */
async function resolvedPath(target: string): Promise<string> {
  const rest: string[] = [];
  for (let current = target; ; current = path.dirname(current)) {
    try {
      return path.join(await realpath(current), ...rest.reverse());
    } catch {
      if (path.dirname(current) === current) return target;
      rest.push(path.basename(current));
    }
  }
}

function destination(sas: ContainerSas): Destination {
  return { identity: sas.identity, endpoint: sas.endpoint, loopback: sas.loopback };
}

/** A container ready for a run, with the (parsed, redactable) SAS it was opened with. */
export type OpenedTarget = ContainerTarget & { sas: ContainerSas; pool: ConnectionPool };

export async function openTargets(destinations: Destinations, options: SetupOptions): Promise<{ db: OpenedTarget | null; storage: OpenedTarget | null }> {
  const open = async (sas: ContainerSas | null) => {
    if (!sas) return null;
    const concurrency = Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, options.maxConcurrency ?? Infinity);
    const proxy = proxyFor(new URL(sas.url), options.env);
    const target = await openTarget(sas, {
      proxy,
      stateDir: destinations.stateDir,
      signal: options.signal,
      retry: options.retry,
      concurrency,
      onRetry: (notice) => options.onEvent?.({ type: 'listing-retry', container: sas.identity, ...notice }),
    });
    options.onEvent?.({ type: 'listed', container: sas.identity, blobs: target.remote.size, proxy: proxy ? { url: proxy.display, variable: proxy.variable } : null });
    return target;
  };
  const db = await open(destinations.db);
  try {
    return { db, storage: await open(destinations.storage) };
  } catch (error) {
    await db?.journal.close();
    throw error;
  }
}

/** The journal folder: `--state-dir`, else `.kxp-restore` in the migration folder (or beside --storage / --bacpac). */
export function defaultStateDir(source: PayloadSource, options: { stateDir?: string; cwd?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.stateDir !== undefined) return path.resolve(cwd, options.stateDir);
  if (!hasLocalPart(source)) return path.resolve(cwd, STATE_DIR_NAME); // only --storage-from sources
  const anchor = source.dir ?? source.project ?? (source.storage !== undefined ? path.dirname(path.resolve(cwd, source.storage)) : path.dirname(path.resolve(cwd, source.bacpac ?? '.')));
  return path.resolve(cwd, anchor, STATE_DIR_NAME);
}

/**
 * Streams the payload once more (the plan kept only totals). The plan's rules apply again, since the payload
 * may have changed since (a file created or renamed, a folder swapped for a link): any error stops the run.
 */
export async function* payloadFiles(source: PayloadSource, options: { signal?: AbortSignal; cwd?: string }): AsyncGenerator<PayloadFile> {
  for await (const event of scanPayload(source, { signal: options.signal, cwd: options.cwd })) {
    if (event.type === 'file') yield event.file;
    else if (event.finding.severity === 'error') {
      throw new KxpError('SOURCE_CHANGED', `The payload changed after the check: ${event.finding.message}`, {
        path: event.finding.path,
        hint: 'The run stopped there. Fix it (`kxp-restore plan` lists every problem) and run the same command again: what was sent is kept.',
        exitCode: 1,
      });
    }
  }
}

async function* transferItems(source: PayloadSource, remote: RemoteSources | null, targets: { db: ContainerTarget | null; storage: ContainerTarget | null }, options: UploadOptions): AsyncGenerator<TransferJob> {
  if (hasLocalPart(source)) {
    for await (const file of payloadFiles(source, options)) {
      const target = file.kind === 'bacpac' ? targets.db : targets.storage;
      if (!target) throw new KxpError('INTERNAL', `No container for ${file.displayPath}.`);
      yield { file, target };
    }
  }
  if (!remote) return;
  // Listed again (the plan kept only totals); each blob is read by the service through a short-lived read URL.
  for await (const event of scanRemoteSources(remote, new NameClaims(), { signal: options.signal, retry: options.retry })) {
    if (event.type !== 'remote-file') continue;
    if (!targets.storage) throw new KxpError('INTERNAL', `No container for ${event.file.displayPath}.`);
    const { file, reader } = event;
    yield { copy: { ...file, readUrl: (signal?: AbortSignal) => reader.readUrl(file.name, signal) }, target: targets.storage };
  }
}

function requireSas(url: string | undefined, label: string, flag: string, envName: string, purpose: SasPurpose): ContainerSas {
  if (url === undefined || url.trim() === '') {
    const part = label.startsWith('database') ? 'a database file (db.bacpac)' : 'storage files';
    throw new KxpError('USAGE', `The payload has ${part}, so the ${label} is needed.`, {
      hint: `Pass ${flag} URL, ${flag}-file FILE, or set ${envName}; copy it from the Portal's custom restore session ("Get access").`,
    });
  }
  const sas = parseContainerSasUrl(url, label);
  checkContainerSas(sas, label, purpose);
  return sas;
}

/** The `--json` shape of an upload, also used when a run stops early. */
export function uploadResult(progress: ProgressSnapshot, errors: UploadResult['errors'], durationMs: number, leftOut: NotUploaded[] = []): UploadResult {
  return {
    ok: errors.length === 0 && progress.filesFailed === 0,
    files: { total: progress.filesTotal, uploaded: progress.filesUploaded, skipped: progress.filesSkipped, failed: progress.filesFailed, copied: progress.filesCopied ?? 0 },
    bytes: { total: progress.bytesTotal, sent: progress.bytesSent, copied: progress.bytesCopied ?? 0 },
    durationMs,
    errors,
    notUploaded: leftOut,
  };
}

/** What the plan left out on purpose (warnings, not errors): links inside the payload, OS clutter, and IGNORED entries of the folder. */
export function notUploadedOf(warnings: readonly Finding[]): NotUploaded[] {
  return warnings.flatMap((finding) => (finding.code === 'SYMLINK' || finding.code === 'SYSTEM_FILE' || finding.code === 'IGNORED' ? [{ code: finding.code, path: finding.path }] : []));
}
