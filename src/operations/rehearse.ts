/**
 * `rehearse`: the whole custom restore, end to end, against a Portal emulator started for the occasion:
 * plan → start emulator → create session → get access → upload → verify → restore point + restore →
 * check the environment holds exactly the source files → close → stop. Every step is timed. Nothing is
 * sent when the plan (or the bacpac's version against the environment's) says the restore would fail.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { KeptList } from '../kept-list.js';
import { listBlobPages, RemoteIndex, type ListOptions } from '../azure/listing.js';
import { readXperienceVersion } from '../bacpac/index.js';
import { ExitCode, KxpError, toKxpError, errorJson, type ErrorCode } from '../errors.js';
import type { Finding } from '../rules/finding.js';
import type { PayloadFile, PayloadSource, SourceEntry } from '../source/types.js';
import { hasLocalPart } from '../source/payload.js';
import { md5OfFile } from '../fs/file-hash.js';
import { pacePages } from '../transfer/pacer.js';
import { DEFAULT_ENVIRONMENT_VERSION, startPortalEmulator, type RunningPortalEmulator } from '../portal/emulator/start.js';
import { HttpPortal } from '../portal/http-portal.js';
import { restoreToEnvironment, type RestoreFlowEvent } from '../portal/restore-flow.js';
import { ENVIRONMENTS, type DeploymentInfo, type EnvironmentName, type RestoreInfo, type RestoreState } from '../portal/types.js';
import { uploadDeploymentPackage } from '../portal/deployment-upload.js';
import { checkDeploymentPackage, type DeploymentPackageCheck } from './package-check.js';
import { waitForDeployment } from './package-upload.js';
import { planPayload } from './plan.js';
import { uploadPayload, type UploadEvent, type UploadResult } from './upload.js';
import { verifyPayload, type VerifyEvent, type VerifyResult } from './verify.js';
import { makeDirectory } from '../fs/make-directory.js';
import { mirrorRemoteSources, rehearsalSourceAccounts } from './rehearse-source.js';
import { openSourcePayload } from './remote.js';

export interface RehearseOptions {
  /** Target environment. Default qa. */
  env?: EnvironmentName;
  /** Versions of the emulator's environments (default: the bundled example's). */
  envVersions?: Partial<Record<EnvironmentName, string>>;
  concurrency?: number;
  /**
   * Keep the emulator's storage on disk in a fresh folder under this one (removed afterwards) instead of
   * in memory: for payloads larger than the memory Azurite may use.
   */
  dataDir?: string;
  /**
   * A deployment package to deploy first, as in a real initial deployment: checked with the payload (its
   * Xperience version must be the bacpac's), deployed to the environment, and its version checked there at the end.
   */
  packagePath?: string;
  /** Entra ID tenant for --storage-from sources without a SAS (read once, to copy them into the emulator). */
  tenantId?: string;
  cwd?: string;
  signal?: AbortSignal;
  onEvent?: (event: RehearseEvent) => void;
}

export type RehearseEvent =
  | { type: 'step-start'; step: string }
  | { type: 'step-done'; step: RehearseStep }
  | { type: 'upload'; event: UploadEvent }
  | { type: 'verify'; event: VerifyEvent }
  | { type: 'restore'; event: RestoreFlowEvent };

/** One timed step: what it found or did when it passed (src/report words it), or the error that stopped it. */
export type RehearseStep = RehearseStepPassed | RehearseStepFailed;

interface TimedStep {
  name: string;
  durationMs: number;
}

export interface RehearseStepPassed extends TimedStep {
  ok: true;
  /** Null for a step with nothing to report but that it passed (close session, stop emulator). */
  facts: RehearseStepFacts | null;
}

export interface RehearseStepFailed extends TimedStep {
  ok: false;
  error: { code: ErrorCode; message: string };
}

/** What each passing step established, by kind. */
export type RehearseStepFacts =
  | { kind: 'plan'; files: number; bytes: number }
  | VersionCheckFacts
  | { kind: 'emulator'; url: string; env: EnvironmentName; environmentVersion: string; storageDir: string | null /* null: in memory */ }
  | { kind: 'source'; blobs: number; bytes: number }
  | { kind: 'session'; sessionId: string }
  | { kind: 'access'; expiresOn: string }
  | { kind: 'upload'; filesUploaded: number; bytesSent: number }
  | { kind: 'verify'; identicalFiles: number }
  | { kind: 'restore'; restoreId: string; env: EnvironmentName; state: RestoreState }
  | { kind: 'environment'; env: EnvironmentName; identicalBlobs: number; xperienceVersion?: string | null }
  | { kind: 'package'; path: string; assemblyName: string | null; applicationVersion: string | null; xperienceVersion: string | null; bacpacVersion: string | null }
  | { kind: 'deployment'; deploymentId: string; env: EnvironmentName; xperienceVersion: string | null; bytes: number };

/**
 * The bacpac's Xperience version against the environment's. `bacpac` is null when the payload has no
 * database; its `version` is null when it is not an Xperience database (nothing to compare; a warning says so).
 */
export interface VersionCheckFacts {
  kind: 'version';
  env: EnvironmentName;
  environmentVersion: string;
  bacpac: { path: string; version: string | null } | null;
}

/** What the environment holds compared with the source: blob names as `<container>/<path>` (and `db.bacpac`). */
export interface EnvironmentCheck {
  ok: boolean;
  checked: number;
  /** How many blobs were missing, extra and mismatched; each list keeps only the first KEPT_PER_LIST (sorted). */
  counts: { missing: number; extra: number; mismatched: number };
  missing: string[];
  extra: string[];
  mismatched: string[];
}

export interface RehearseReport {
  ok: boolean;
  env: EnvironmentName;
  steps: RehearseStep[];
  durationMs: number;
  /** Errors and warnings of the plan (the reason nothing was sent when it failed). */
  findings: Finding[];
  upload: UploadResult | null;
  /** Also when verify found differences (the step failed): its first names of each list, and their counts. */
  verify: Pick<VerifyResult, 'ok' | 'counts' | 'missing' | 'extra' | 'mismatched'> | null;
  restore: RestoreInfo | null;
  environment: EnvironmentCheck | null;
  /** The deployment of `packagePath`, when one was given. */
  deployment: DeploymentInfo | null;
  error: { code: string; path: string | null; message: string; exitCode: number } | null;
}

/** The emulator's environment accounts (src/portal/emulator names them so): a source account may not take one of these names. */
const ENVIRONMENT_ACCOUNT_NAMES = ENVIRONMENTS.map((env) => `${env}storage`);

/** The payload's entries (local files, and the blobs of every --storage-from under their restore names), under the plan's rules. */
async function* payloadEntries(source: PayloadSource, cwd: string | undefined, signal: AbortSignal | undefined): AsyncGenerator<SourceEntry> {
  const payload = await openSourcePayload(source, { cwd, signal });
  yield* payload.entries({ signal });
}

/** The payload's database file, read without walking its storage (a local database file comes first); none for remote sources alone. */
async function payloadBacpac(source: PayloadSource, cwd: string | undefined, signal: AbortSignal | undefined): Promise<PayloadFile | undefined> {
  if (!hasLocalPart(source)) return undefined;
  for await (const file of payloadEntries({ ...source, storageFrom: undefined, map: undefined }, cwd, signal)) return file.kind === 'bacpac' ? file : undefined;
  return undefined;
}

/** Runs one rehearsal; never throws for a failed step: the report says which step failed and why. */
export async function rehearse(source: PayloadSource, options: RehearseOptions = {}): Promise<RehearseReport> {
  const started = Date.now();
  const env = options.env ?? 'qa';
  const { signal, cwd } = options;
  const report: RehearseReport = { ok: false, env, steps: [], durationMs: 0, findings: [], upload: null, verify: null, restore: null, environment: null, deployment: null, error: null };
  const step = async <T>(name: string, run: () => Promise<T>, factsOf: (value: T) => RehearseStepFacts | null = () => null): Promise<T> => {
    options.onEvent?.({ type: 'step-start', step: name });
    const stepStarted = Date.now();
    try {
      const value = await run();
      const done: RehearseStep = { name, ok: true, durationMs: Date.now() - stepStarted, facts: factsOf(value) };
      report.steps.push(done);
      options.onEvent?.({ type: 'step-done', step: done });
      return value;
    } catch (error) {
      const { code, message } = toKxpError(error);
      // Whatever an interrupted step threw (often the caller's abort reason), its cause is the interruption.
      const failed: RehearseStep = { name, ok: false, durationMs: Date.now() - stepStarted, error: { code: signal?.aborted ? 'ABORTED' : code, message } };
      report.steps.push(failed);
      options.onEvent?.({ type: 'step-done', step: failed });
      throw error;
    }
  };

  let emulator: RunningPortalEmulator | undefined;
  const stateDir = await mkdtemp(path.join(tmpdir(), 'kxp-rehearse-state-'));
  let storageDir: string | undefined;
  try {
    await step('plan', async () => {
      const plan = await planPayload(source, { cwd, signal });
      report.findings = [...plan.errors, ...plan.warnings];
      if (!plan.ok) {
        const count = plan.errorCount;
        throw new KxpError('VALIDATION_FAILED', `The payload has ${count} problem${count === 1 ? '' : 's'} that would make the custom restore fail; nothing was sent.`, {
          hint: 'Fix them (listed above) and rehearse again.',
        });
      }
      return plan;
    }, (plan) => ({ kind: 'plan', files: plan.totals.files, bytes: plan.totals.bytes }));
    const packagePath = options.packagePath;
    const deploymentPackage = packagePath === undefined ? null : await step('check package', () => checkPackageWithPayload(packagePath, source, options, (finding) => report.findings.push(finding)), (check) => ({
      kind: 'package', path: check.path, assemblyName: check.assemblyName, applicationVersion: check.applicationVersion, xperienceVersion: check.xperienceVersion, bacpacVersion: check.bacpac?.version ?? null,
    }));
    // After the deployment the environment runs the package's version: that is what the database must match.
    const environmentVersion = deploymentPackage?.xperienceVersion ?? options.envVersions?.[env] ?? DEFAULT_ENVIRONMENT_VERSION;
    await step('check version', () => checkVersion(source, env, environmentVersion, cwd, signal), (facts) => facts);

    // --storage-from sources are held in the emulator's own Azurite: Azurite copies only within one instance.
    const sourceAccounts = rehearsalSourceAccounts(source, ENVIRONMENT_ACCOUNT_NAMES);
    emulator = await step('start emulator', async () => {
      if (options.dataDir !== undefined) {
        await makeDirectory(options.dataDir);
        storageDir = await mkdtemp(path.join(options.dataDir, 'kxp-rehearse-'));
      }
      return startPortalEmulator({ envVersions: options.envVersions, dataDir: storageDir, extraAccounts: sourceAccounts, signal });
    }, (running) => ({ kind: 'emulator', url: running.url, env, environmentVersion, storageDir: storageDir ?? null }));
    const running = emulator;
    const portal = new HttpPortal({ url: running.url, token: running.tokenFor('devops') });
    if (packagePath !== undefined) {
      report.deployment = await step(`deploy to ${env}`, async () => {
        const sent = await uploadDeploymentPackage(path.resolve(cwd ?? process.cwd(), packagePath), { portalUrl: running.url, projectGuid: running.emulator.projectGuid, env, token: running.tokenFor('devops'), signal });
        if (!sent.deployment) throw new KxpError('INTERNAL', 'The emulator did not name the deployment it started.');
        return waitForDeployment(portal, sent.deployment, { pollIntervalMs: 50, signal });
      }, (deployment) => ({ kind: 'deployment', deploymentId: deployment.id, env, xperienceVersion: deployment.xperienceVersion, bytes: deployment.bytes }));
    }
    // From here on the payload's --storage-from URLs point at the copies in the emulator's Azurite.
    const payload = sourceAccounts.length === 0 ? source : (await step('copy source into the emulator', () => mirrorRemoteSources(source, running.azurite, sourceAccounts, { tenantId: options.tenantId, signal }), (mirrored) => ({ kind: 'source', blobs: mirrored.blobs, bytes: mirrored.bytes }))).source;
    await step('create session', () => portal.createSession({ signal }), (session) => ({ kind: 'session', sessionId: session.id }));
    const grant = await step('get access', () => portal.getAccess({ signal }), (access) => ({ kind: 'access', expiresOn: access.expiresOn }));

    const uploadOptions = { dbSasUrl: grant.databaseSasUrl, storageSasUrl: grant.storageSasUrl, stateDir, cwd, signal };
    report.upload = await step('upload', async () => {
      const result = await uploadPayload(payload, { ...uploadOptions, concurrency: options.concurrency, onEvent: (event) => options.onEvent?.({ type: 'upload', event }) });
      if (!result.ok) throw new KxpError('TRANSFER_FAILED', `${result.files.failed} file(s) failed to upload: ${result.errors.map((error) => error.message).join('; ')}`);
      return result;
    }, (result) => ({ kind: 'upload', filesUploaded: result.files.uploaded, bytesSent: result.bytes.sent }));

    await step('verify', async () => {
      const result = await verifyPayload(payload, { ...uploadOptions, onEvent: (event) => options.onEvent?.({ type: 'verify', event }) });
      // Kept before the step can fail, so the report names what differs, not only how many.
      report.verify = { ok: result.ok, counts: result.counts, missing: result.missing, extra: result.extra, mismatched: result.mismatched };
      if (!result.ok) throw new KxpError('VERIFY_MISMATCH', `The restore containers differ from the source: ${result.counts.missing} missing, ${result.counts.extra} extra, ${result.counts.mismatched} mismatched.`);
      return result;
    }, (result) => ({ kind: 'verify', identicalFiles: result.checked }));

    report.restore = await step(`restore to ${env}`, () =>
      restoreToEnvironment(portal, { env, assumeYes: true, intervalMs: 50, signal, onEvent: (event) => options.onEvent?.({ type: 'restore', event }) }),
    (restore) => ({ kind: 'restore', restoreId: restore.id, env: restore.env, state: restore.state }));

    report.environment = await step(`check ${env}`, async () => {
      const check = await checkEnvironment(running, env, payloadEntries(payload, cwd, signal), signal);
      // Kept before the step can fail, so the report names what differs, not only how many.
      report.environment = check;
      if (!check.ok) throw new KxpError('VERIFY_MISMATCH', `The ${env} environment does not hold exactly the source files: ${check.counts.missing} missing, ${check.counts.extra} extra, ${check.counts.mismatched} mismatched.`);
      const status = running.emulator.environments().find((candidate) => candidate.name === env);
      if (report.deployment && (status?.version !== report.deployment.xperienceVersion || status.application?.deploymentId !== report.deployment.id)) {
        throw new KxpError('VERIFY_MISMATCH', `The ${env} environment runs Xperience ${status?.version ?? '?'} from deployment ${status?.application?.deploymentId ?? 'none'}, not the package's ${report.deployment.xperienceVersion ?? '?'} from ${report.deployment.id}.`);
      }
      return { ...check, xperienceVersion: report.deployment ? (status?.version ?? null) : undefined };
    }, (check) => ({ kind: 'environment', env, identicalBlobs: check.checked, xperienceVersion: check.xperienceVersion }));

    await step('close session', () => portal.closeSession({ signal }));
    report.ok = true;
  } catch (thrown) {
    // Whatever an interrupted step threw, the rehearsal was stopped: say so, not "internal error"; and since
    // it removes everything it made, nothing is resumable: exit 130 (interrupted), not 3 (resumable).
    const error = signal?.aborted
      ? new KxpError('ABORTED', 'The rehearsal was interrupted; everything it started was stopped and removed, so there is nothing to resume: run rehearse again to start over.', { cause: thrown, exitCode: ExitCode.interrupted })
      : toKxpError(thrown);
    report.error = { ...errorJson(error), exitCode: error.exitCode };
  } finally {
    if (emulator) {
      const running = emulator;
      await step('stop emulator', () => running.stop()).catch(() => undefined);
    }
    await rm(stateDir, { recursive: true, force: true });
    if (storageDir !== undefined) await rm(storageDir, { recursive: true, force: true });
    report.durationMs = Date.now() - started;
  }
  return report;
}

/** The package's own checks and its version against the payload's bacpac; stops before anything is sent. */
async function checkPackageWithPayload(packagePath: string, source: PayloadSource, options: RehearseOptions, warn: (finding: Finding) => void): Promise<DeploymentPackageCheck> {
  const bacpac = (await payloadBacpac(source, options.cwd, options.signal))?.absolutePath;
  const env = options.env ?? 'qa';
  const check = await checkDeploymentPackage(packagePath, { bacpac, environmentVersion: options.envVersions?.[env], cwd: options.cwd, signal: options.signal });
  // The plan step reported the bacpac's own version findings already.
  for (const finding of [...check.errors, ...check.warnings]) if (finding.code !== 'NOT_XPERIENCE' && finding.code !== 'BACPAC_VERSION') warn(finding);
  if (!check.ok) {
    const mismatch = check.errors.find((finding) => finding.code === 'VERSION_MISMATCH');
    if (mismatch) throw new KxpError('VERSION_MISMATCH', `${mismatch.message} Nothing was sent.`, { path: mismatch.path });
    const count = check.errors.length;
    throw new KxpError('PACKAGE_INVALID', `The deployment package has ${count} problem${count === 1 ? '' : 's'} that would make the deployment fail; nothing was sent.`, {
      path: check.path,
      hint: 'Fix them (listed above, or run `kxp-restore package check`) and rehearse again.',
    });
  }
  return check;
}

/** Stops before anything is sent when the bacpac's Xperience version differs from the environment's. */
async function checkVersion(
  source: PayloadSource,
  env: EnvironmentName,
  environmentVersion: string,
  cwd: string | undefined,
  signal: AbortSignal | undefined,
): Promise<VersionCheckFacts> {
  const facts = { kind: 'version', env, environmentVersion } as const;
  const file = await payloadBacpac(source, cwd, signal);
  if (file !== undefined) {
    const version = await readXperienceVersion(file.absolutePath, { signal });
    if (version !== null && version !== environmentVersion) {
      throw new KxpError('VERSION_MISMATCH', `${file.displayPath} is an Xperience ${version} database but the ${env} environment runs ${environmentVersion}; the restore would fail, so nothing was sent.`, {
        path: file.displayPath,
        hint: `Export the database from a site on ${environmentVersion}, or rehearse against an environment on ${version} (--env-version ${env}=${version}).`,
      });
    }
    // A database without a version was reported by the plan (NOT_XPERIENCE): nothing to compare here.
    return { ...facts, bacpac: { path: file.displayPath, version } };
  }
  return { ...facts, bacpac: null };
}

/**
 * Compares the environment's database and storage containers with the source files by name, size and MD5.
 * Exported for its own test; rehearse calls it after the restore.
 */
export async function checkEnvironment(running: RunningPortalEmulator, env: EnvironmentName, files: AsyncIterable<SourceEntry>, signal?: AbortSignal): Promise<EnvironmentCheck> {
  // One compact index for all the environment's containers, by `<container>/<path>` (millions of files fit).
  const storage = running.emulator.environmentStorage(env);
  const containers: ContainerClient[] = [];
  for await (const container of storage.listContainers({ abortSignal: signal })) containers.push(storage.getContainerClient(container.name));
  const remote = new RemoteIndex();
  for (const container of containers) {
    for await (const page of listBlobPages(container, environmentListing(container, signal))) {
      for (const blob of page) remote.add(`${container.containerName}/${blob.name}`, blob.size, blob.md5);
    }
  }
  const database = await running.emulator.environmentDatabase(env).getBlobClient('db.bacpac').getProperties({ abortSignal: signal }).catch(() => null);
  const missing = new KeptList<string>();
  const extra = new KeptList<string>();
  const mismatched = new KeptList<string>();
  let checked = 0;
  for await (const file of files) {
    checked++;
    const found = file.kind === 'bacpac'
      ? database && { size: database.contentLength ?? -1, md5: database.contentMD5 ? Buffer.from(database.contentMD5).toString('base64') : null }
      : remote.claim(file.blobName);
    if (!found) missing.add(file.blobName);
    // A copied blob: its size, and its Content-MD5 when the source has one (blobs uploaded in blocks often do not).
    else if (file.kind === 'remote') {
      if (found.size !== file.size || (file.md5 !== null && found.md5 !== file.md5)) mismatched.add(file.blobName);
    } else if (found.size !== file.size || found.md5 !== (await md5OfFile(file.absolutePath, signal))) mismatched.add(file.blobName);
  }
  for (const container of containers) {
    for await (const page of listBlobPages(container, environmentListing(container, signal))) {
      for (const blob of page) {
        const name = `${container.containerName}/${blob.name}`;
        if (!remote.isClaimed(name)) extra.add(name);
      }
    }
  }
  const counts = { missing: missing.count, extra: extra.count, mismatched: mismatched.count };
  return { ok: counts.missing + counts.extra + counts.mismatched === 0, checked, counts, missing: missing.kept.sort(), extra: extra.kept.sort(), mismatched: mismatched.kept.sort() };
}

/** The emulator's environment containers are listed like any other: page by page, each page paced. */
function environmentListing(container: ContainerClient, signal: AbortSignal | undefined): ListOptions {
  return { retryPage: pacePages({ signal, where: container.containerName }) };
}
