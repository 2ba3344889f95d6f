/**
 * `verify`: the remote containers against the source, by name, size and MD5. Every local file is read and
 * hashed (streamed, a few files at a time) and compared with the blob's Content-MD5; `trustJournal` takes
 * the MD5 from the journal instead where it vouches for the file; `deep` also downloads and hashes every blob,
 * because the Content-MD5 of a blob committed from blocks is only what the uploader said.
 * Reports missing, extra and mismatched blobs; identical only when all three are empty.
 */
import { hash } from 'node:crypto';
import { KEPT_PER_LIST, KeptList } from '../kept-list.js';
import pLimit from 'p-limit';
import { listBlobPages, type RemoteBlob } from '../azure/listing.js';
import { paced } from '../transfer/pacer.js';
import type { PayloadSource } from '../source/types.js';
import type { ContainerTarget } from '../transfer/target.js';
import { md5OfHandle } from '../fs/file-hash.js';
import { assertUnchanged, openSourceFile, SyncReads } from '../transfer/source-file.js';
import type { FileState } from '../transfer/journal.js';
import type { PayloadFile } from '../source/types.js';
import { lockJournalsForReading } from './destinations/locks.js';
import { prepareDestinations } from './destinations/prepare.js';
import { containerShapeProblems } from './destinations/roles.js';
import { destinationListing, openTargets } from './destinations/targets.js';
import type { Destinations, OpenedTarget, SetupEvent, SetupOptions, Targets } from './destinations/types.js';
import { compareCopy } from './verify-remote.js';
import { md5OfBlobBytes } from '../azure/blob-hash.js';
import { compositeClaim, localComposite } from './verify-composite.js';

export interface VerifyOptions extends Omit<SetupOptions, 'onEvent'> {
  /** Files hashed at once. Default 4. */
  concurrency?: number;
  /**
   * Take a local file's MD5 from the resume journal when it vouches for exactly this version of the file,
   * instead of reading it. Fast; trusts that nothing rewrote a file behind the journal's back.
   */
  trustJournal?: boolean;
  /** Also download every blob and hash its bytes, rather than trusting its Content-MD5. */
  deep?: boolean;
  /**
   * For --storage-from blobs without a Content-MD5 on both sides: download both and compare their MD5s
   * (the bytes then pass through this machine) instead of trusting the recorded source ETag.
   */
  hash?: boolean;
  /**
   * Only these blobs (`database:<name>` or `storage:<name>`), e.g. one shard's share: the rest is not
   * compared, and blobs the payload lacks are not looked for (they may be another shard's).
   */
  only?: ReadonlySet<string>;
  onEvent?: (event: VerifyEvent) => void;
}

export type VerifyEvent =
  | SetupEvent
  | { type: 'verify-start'; files: number; bytes: number; copies: number; hash: boolean }
  /** `hashed`: the local file was read (not taken from the journal); `downloaded`: the blob was read too. */
  | { type: 'verify-file'; blobName: string; path: string; status: 'ok' | 'missing' | 'mismatched'; hashed: boolean; downloaded: boolean; size: number };

/** What a verify run compared, so its output can say what it proves. */
export interface VerifyProof {
  /** `read`: every local file was read and hashed; `journal`: MD5s the journal vouched for were taken from it. */
  local: 'read' | 'journal';
  /** `content-md5`: compared with each blob's stored Content-MD5; `downloaded`: each blob was downloaded and hashed. */
  remote: 'content-md5' | 'downloaded';
  /** Files whose MD5 came from the journal (only with `trustJournal`). */
  filesFromJournal: number;
}

export interface Mismatch {
  blobName: string;
  path: string;
  reason: string;
}

export { KEPT_PER_LIST };

export interface VerifyResult {
  ok: boolean;
  /** How many blobs were missing, extra and mismatched: each list below keeps only the first KEPT_PER_LIST found (sorted). */
  counts: { missing: number; extra: number; mismatched: number };
  /** Blob names the source has and the containers lack. */
  missing: string[];
  /** Blob names the containers hold and the source does not have (e.g. a stray `DB.bacpac`). */
  extra: string[];
  /** The container each extra blob is in (a name may be extra in both). */
  extraDetails: Array<{ blobName: string; container: string }>;
  /** Blob names whose size or Content-MD5 differ from the source. */
  mismatched: string[];
  /** Why each mismatched blob differs. */
  details: Mismatch[];
  /**
   * Containers whose content does not fit the part they were given for: a database container holding anything
   * but db.bacpac, a storage container holding a .bacpac or blobs outside `<container>/` (swapped URLs).
   */
  wrongContainer: Array<{ container: string; role: 'database' | 'storage'; message: string }>;
  checked: number;
  proof: VerifyProof;
  durationMs: number;
}

export async function verifyPayload(source: PayloadSource, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const destinations = await prepareDestinations(source, options, 'verify');
  const journals = await lockJournalsForReading(destinations, options);
  try {
    return await verifyDestinations(destinations, await openTargets(destinations, options, journals.readOnly), options, started);
  } finally {
    await Promise.all(journals.locks.map((lock) => lock.release()));
  }
}

async function verifyDestinations(destinations: Destinations, targets: Targets, options: VerifyOptions, started: number): Promise<VerifyResult> {
  const wrongContainer = containerShapeProblems(targets);
  const copies = destinations.plan.remote.reduce((sum, part) => sum + part.files, 0);
  options.onEvent?.({ type: 'verify-start', files: destinations.plan.totals.files, bytes: destinations.plan.totals.bytes, copies, hash: (options.hash || options.deep) ?? false });
  const missing = new KeptList<string>();
  const extraFound = new KeptList<VerifyResult['extraDetails'][number]>();
  const mismatches = new KeptList<Mismatch>();
  const limit = pLimit(options.concurrency ?? 4);
  const pending = new Set<Promise<void>>();
  let checked = 0;
  const proof: VerifyProof = { local: options.trustJournal ? 'journal' : 'read', remote: options.deep ? 'downloaded' : 'content-md5', filesFromJournal: 0 };
  let failure = null as { error: unknown } | null;
  // Keep the queue short so memory does not grow with the number of files. One waiter woken by the task that
  // ends, not Promise.race over the queue: that attached 256 reactions per file (most of verify's garbage).
  let wake: (() => void) | undefined;
  const schedule = async (work: () => Promise<void>) => {
    while (pending.size >= 256) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure.error;
    const task = limit(work).finally(() => {
      pending.delete(task);
      const waiting = wake;
      wake = undefined;
      waiting?.();
    });
    // A comparison may fail while the scan awaits the next folder: handled here at once (never an
    // unhandled rejection), and thrown at the next file or by Promise.all below.
    task.catch((error: unknown) => (failure ??= { error }));
    pending.add(task);
  };
  /** The blob of this name, claimed; or none, and the file is reported missing. */
  const claim = (file: { blobName: string; displayPath: string; size: number }, target: ContainerTarget) => {
    if (options.only && !options.only.has(`${target === targets.db ? 'database' : 'storage'}:${file.blobName}`)) return undefined;
    checked++;
    const remote = target.remote.claim(file.blobName);
    if (!remote) {
      missing.add(file.blobName);
      options.onEvent?.({ type: 'verify-file', blobName: file.blobName, path: file.displayPath, status: 'missing', hashed: false, downloaded: false, size: file.size });
    }
    return remote;
  };
  try {
    for await (const file of destinations.payload.entries({ signal: options.signal })) {
      if (file.kind === 'remote') {
        // A copied blob against the restore container: by size, Content-MD5, recorded source ETag (or --hash).
        const target = targets.storage as OpenedTarget;
        const remote = claim(file, target);
        if (!remote) continue;
        await schedule(async () => {
          const outcome = await compareCopy(file, remote, { source: file.reader.client, sourceName: file.reader.source, destination: target.client, hash: (options.hash || options.deep) ?? false, retry: options.retry, signal: options.signal });
          if (outcome.reason) mismatches.add({ blobName: file.blobName, path: file.displayPath, reason: outcome.reason });
          options.onEvent?.({ type: 'verify-file', blobName: file.blobName, path: file.displayPath, status: outcome.reason ? 'mismatched' : 'ok', hashed: outcome.hashed, downloaded: outcome.hashed, size: file.size });
        });
        continue;
      }
      const target = (file.kind === 'bacpac' ? targets.db : targets.storage) as ContainerTarget;
      const remote = claim(file, target);
      if (!remote) continue;
      await schedule(async () => {
        const outcome = await compare(file, remote, target as OpenedTarget, options);
        if (outcome.fromJournal) proof.filesFromJournal++;
        if (outcome.reason) mismatches.add({ blobName: file.blobName, path: file.displayPath, reason: outcome.reason });
        options.onEvent?.({
          type: 'verify-file',
          blobName: file.blobName,
          path: file.displayPath,
          status: outcome.reason ? 'mismatched' : 'ok',
          hashed: outcome.hashed,
          downloaded: outcome.downloaded,
          size: file.size,
        });
      });
    }
    await Promise.all(pending);
    if (failure) throw failure.error;
    if (!options.only) {
      await unclaimed(targets.db, extraFound, options);
      await unclaimed(targets.storage, extraFound, options);
    }
  } finally {
    await Promise.allSettled(pending);
    await Promise.all([targets.db?.journal.close(), targets.storage?.journal.close()]);
  }
  const extraDetails = extraFound.kept.sort((a, b) => (a.blobName < b.blobName ? -1 : a.blobName > b.blobName ? 1 : a.container < b.container ? -1 : 1));
  const details = mismatches.kept.sort((a, b) => (a.blobName < b.blobName ? -1 : a.blobName > b.blobName ? 1 : 0));
  const counts = { missing: missing.count, extra: extraFound.count, mismatched: mismatches.count };
  const ok = counts.missing === 0 && counts.extra === 0 && counts.mismatched === 0 && wrongContainer.length === 0;
  return {
    ok,
    counts,
    missing: missing.kept.sort(),
    extra: extraDetails.map((detail) => detail.blobName),
    extraDetails,
    mismatched: details.map((detail) => detail.blobName),
    details,
    wrongContainer,
    checked,
    proof,
    durationMs: Date.now() - started,
  };
}

/**
 * The index keeps no names, so the blobs the source lacks are found by listing the container once more; not
 * needed when the source claimed every blob the first listing found (the common, identical case: at a million
 * blobs that is a second listing saved). Blobs added while verify runs are then not seen: verify after uploads end.
 */
async function unclaimed(target: OpenedTarget | null, into: KeptList<VerifyResult['extraDetails'][number]>, options: VerifyOptions): Promise<void> {
  if (!target || target.remote.unclaimed === 0) return;
  for await (const page of listBlobPages(target.client, destinationListing(target.sas, options, target.remote.size))) {
    // One by one: a container can hold more names than a function call takes arguments.
    for (const item of page) if (!target.remote.isClaimed(item.name)) into.add({ blobName: item.name, container: target.sas.container });
  }
}

interface Comparison {
  reason: string | null;
  /** The local file was read and hashed. */
  hashed: boolean;
  fromJournal: boolean;
  downloaded: boolean;
}

const NOT_READ = { hashed: false, fromJournal: false, downloaded: false };

async function compare(file: PayloadFile, remote: RemoteBlob, target: OpenedTarget, options: VerifyOptions): Promise<Comparison> {
  if (file.size !== remote.size) return { reason: `size differs: local ${file.size} bytes, remote ${remote.size} bytes`, ...NOT_READ };
  if (remote.md5 === null) {
    // Committed by `upload --finish`: checked by the MD5 of its block MD5s (and with --deep, its bytes too).
    const claim = await compositeClaim(file, target, options);
    if (claim) {
      const local = await localComposite(file, claim.blockSize, options.signal);
      if (local.composite !== claim.md5) return { reason: `content differs: the MD5 of the local file's block MD5s is ${local.composite}, the blob's ${claim.md5}`, hashed: true, fromJournal: false, downloaded: false };
      if (!options.deep) return { reason: null, hashed: true, fromJournal: false, downloaded: false };
      const stored = await downloadedMd5(file, target, options);
      return { reason: stored === local.md5 ? null : `content differs: local MD5 ${local.md5}, the blob's bytes hash to ${stored}`, hashed: true, fromJournal: false, downloaded: true };
    }
    if (!options.deep) return { reason: 'the remote blob has no Content-MD5, so its content cannot be checked without --deep; upload it again', ...NOT_READ };
  }
  const { md5, fromJournal } = await localMd5(file, remote.md5, target, options);
  const local = { hashed: !fromJournal, fromJournal };
  if (!options.deep) return { reason: md5 === remote.md5 ? null : `content differs: local MD5 ${md5}, remote Content-MD5 ${remote.md5}`, ...local, downloaded: false };
  const stored = await downloadedMd5(file, target, options);
  if (stored !== md5) return { reason: `content differs: local MD5 ${md5}, the blob's bytes hash to ${stored}`, ...local, downloaded: true };
  if (remote.md5 !== null && remote.md5 !== stored) return { reason: `the blob's bytes match, but its Content-MD5 (${remote.md5}) does not; upload it again`, ...local, downloaded: true };
  return { reason: null, ...local, downloaded: true };
}

/**
 * The local file's MD5: read from the very file the scan saw, or, trusting the journal, the remote MD5 when
 * the journal hashed this version of the file to it. A journal that remembers another MD5 is not enough to
 * report a difference: the file is read, and the message names the MD5 it really has.
 */
async function localMd5(file: PayloadFile, remoteMd5: string | null, target: OpenedTarget, options: VerifyOptions): Promise<{ md5: string; fromJournal: boolean }> {
  if (smallReads.take(file.size)) {
    // Opened, checked and (unless the journal vouches for this version) read and hashed in one synchronous step,
    // so one buffer serves every file; a file the journal vouches for is never read.
    const whole = smallReads.readWhole(file, (scratch ??= Buffer.allocUnsafe(smallReads.maxBytes)), 'verified', (state) => vouches(file, state, remoteMd5, target, options));
    if (whole.bytes === null) return { md5: remoteMd5 ?? '', fromJournal: true };
    const md5 = hash('md5', whole.bytes, 'base64');
    target.journal.record('hash', file.blobName, whole.state, md5);
    return { md5, fromJournal: false };
  }
  const source = await openSourceFile(file, 'verified');
  try {
    return await journalled(file, source.state, remoteMd5, target, options, async () => {
      const md5 = await md5OfHandle(source.handle, options.signal, source.state.size);
      await assertUnchanged(source, file, 'verified');
      return md5;
    });
  } finally {
    await source.handle.close();
  }
}

/** Small files are read whole with synchronous calls while those stay fast (src/fs/sync-while-fast.ts). */
const smallReads = new SyncReads();
let scratch: Buffer | undefined;

/** With --trust-journal: whether the journal hashed this version of the file to the blob's MD5. */
function vouches(file: PayloadFile, state: FileState, remoteMd5: string | null, target: OpenedTarget, options: VerifyOptions): boolean {
  return options.trustJournal === true && remoteMd5 !== null && target.journal.sameMd5(file.blobName, state, remoteMd5) === true;
}

/** The journal's word when trusted and it vouches for this version, else `read`'s MD5, remembered in the journal. */
async function journalled(file: PayloadFile, state: FileState, remoteMd5: string | null, target: OpenedTarget, options: VerifyOptions, read: () => Promise<string>): Promise<{ md5: string; fromJournal: boolean }> {
  if (vouches(file, state, remoteMd5, target, options) && remoteMd5 !== null) return { md5: remoteMd5, fromJournal: true };
  const md5 = await read();
  target.journal.record('hash', file.blobName, state, md5);
  return { md5, fromJournal: false };
}

/** The blob's bytes, downloaded and hashed as a stream (a failed attempt starts the blob again). */
async function downloadedMd5(file: PayloadFile, target: OpenedTarget, options: VerifyOptions): Promise<string> {
  const blob = target.client.getBlobClient(file.blobName);
  return paced((signal) => md5OfBlobBytes(blob, signal), { signal: options.signal, policy: options.retry, bytes: file.size, where: file.displayPath });
}
