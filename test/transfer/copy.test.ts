/**
 * Server-side copies against Azurite (3.37+: Put Block From URL implemented), each copy path with small blobs
 * (CopyTuning shrinks the sizes): a source rewritten between listing and copy, or during a copy in blocks, never
 * gives a torn or wrong blob; a Copy Blob refused with 409 is followed only when the copy in the way is provably
 * this one; pending, failed and aborted copies (their status shown by an HTTP front); a pending copy holds no slot.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContainerSasUrl } from '../../src/azure/azurite.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { openTarget } from '../../src/operations/destinations/targets.js';
import { compareCopy } from '../../src/operations/verify-remote.js';
import { createHash } from 'node:crypto';
import type { CopyItem, CopyJob, CopyTuning } from '../../src/transfer/copy.js';
import { runTransfer } from '../../src/transfer/engine.js';
import type { TransferEvent } from '../../src/transfer/events.js';
import { useAzurite } from '../support/azurite.js';
import { startBusyFront, type Answer, type BusyFront, type Refusal } from '../support/busy-front.js';
import { useTempDirs } from '../support/tree.js';
import type { IncomingMessage } from 'node:http';

const KiB = 1024;

describe('server-side copies', () => {
  const storage = useAzurite();
  const tempDir = useTempDirs();
  let containers = 0;
  let front: BusyFront | undefined;
  afterEach(async () => {
    await front?.close();
    front = undefined;
  });

  /** A source and a restore container; URLs through `base` (a front) when given: Azurite copies only when the source host equals the request's. */
  async function setup(options: { base?: string } = {}) {
    const id = ++containers;
    const service = storage.azurite.serviceClient;
    const source = service.getContainerClient(`copy-source-${id}`);
    const restore = service.getContainerClient(`copy-restore-${id}`);
    await Promise.all([source.create(), restore.create()]);
    const baseUrl = options.base ? `${options.base}/devstoreaccount1` : undefined;
    const sourceSas = createContainerSasUrl(storage.azurite, source.containerName, { permissions: 'r', ...(baseUrl ? { baseUrl } : {}) });
    const restoreSas = parseContainerSasUrl(createContainerSasUrl(storage.azurite, restore.containerName, baseUrl ? { baseUrl } : {}), 'storage SAS URL');
    /** Writes a source blob and returns the copy job for it, as listed now. */
    const put = async (name: string, body: Buffer, readUrl?: (url: string) => Promise<string>): Promise<CopyJob> => {
      const blob = source.getBlockBlobClient(name);
      await blob.upload(body, body.length);
      const properties = await blob.getProperties();
      const [base, query] = sourceSas.split('?');
      const url = `${base}/${name}?${query}`;
      return { blobName: `default/${name}`, displayPath: `source/${name}`, size: body.length, md5: null, etag: properties.etag ?? '', readUrl: () => (readUrl ? readUrl(url) : Promise.resolve(url)) };
    };
    /** One run of the engine (its own listing of the restore container, as a re-run has). */
    const run = async (jobs: CopyJob[], copyTuning: Partial<CopyTuning>, concurrency = 4) => {
      const target = await openTarget(restoreSas, { stateDir: path.join(await tempDir(), 'state') });
      const events: TransferEvent[] = [];
      const items: CopyItem[] = jobs.map((copy) => ({ copy, target }));
      try {
        const totals = { files: jobs.length, bytes: jobs.reduce((sum, job) => sum + job.size, 0) };
        const result = await runTransfer(items, { totals, largestFile: 0, concurrency, copyTuning, onEvent: (event) => events.push(event), retry: { baseDelayMs: 1, maxDelayMs: 5 } });
        return { result, events };
      } finally {
        await target.journal.close();
      }
    };
    const restored = async (name: string) => {
      const blob = restore.getBlobClient(`default/${name}`);
      if (!(await blob.exists())) return null;
      return (await blob.downloadToBuffer()).toString('base64');
    };
    return { source, restore, put, run, restored };
  }

  const sync: Partial<CopyTuning> = {};
  const blocks: Partial<CopyTuning> = { syncLimit: 16 * KiB, blockSize: 16 * KiB, large: 'blocks' };
  const async: Partial<CopyTuning> = { syncLimit: 16 * KiB, large: 'async', pollIntervalMs: 5 };

  for (const [path, tuning] of [['Copy Blob From URL', sync], ['Put Block From URL', blocks], ['Copy Blob (asynchronous)', async]] as const) {
    it(`${path}: a source rewritten between listing and copy is not copied (SOURCE_CHANGED, no blob)`, async () => {
      const { source, put, run, restored } = await setup();
      const job = await put('photo.jpg', randomBytes(64 * KiB));
      await source.getBlockBlobClient('photo.jpg').upload(randomBytes(64 * KiB), 64 * KiB);
      const { result, events } = await run([job], tuning);
      expect(result.errors.map((error) => [error.code, error.path, error.message])).toEqual([['SOURCE_CHANGED', 'source/photo.jpg', expect.stringContaining('changed after it was listed')]]);
      expect(await restored('photo.jpg')).toBeNull();
      // Each path ran as named: no fallback from Put Block From URL.
      expect(events.some((event) => event.type === 'copy-fallback')).toBe(false);
    });
  }

  it('Put Block From URL: a source rewritten while its ranges are copied leaves no torn blob (each range carries the source condition)', async () => {
    const { source, put, run, restored } = await setup();
    let calls = 0;
    const job = await put('video.mp4', randomBytes(64 * KiB), async (url) => {
      // The second range's URL is asked for after the source was rewritten (same size, other bytes).
      if (++calls === 2) await source.getBlockBlobClient('video.mp4').upload(randomBytes(64 * KiB), 64 * KiB);
      return url;
    });
    const { result } = await run([job], blocks);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(result.errors.map((error) => error.code)).toEqual(['SOURCE_CHANGED']);
    expect(await restored('video.mp4')).toBeNull();
  });

  it('every path copies an unchanged source exactly, recording its ETag', async () => {
    const { restore, put, run, restored } = await setup();
    const bodies = { 'a.bin': randomBytes(8 * KiB), 'b.bin': randomBytes(40 * KiB), 'c.bin': randomBytes(40 * KiB) };
    const jobs = await Promise.all(Object.entries(bodies).map(([name, body]) => put(name, body)));
    for (const [index, tuning] of [sync, blocks, async].entries()) {
      const { result, events } = await run([jobs[index] as CopyJob], tuning);
      expect(result.errors).toEqual([]);
      expect(events.some((event) => event.type === 'copy-fallback')).toBe(false);
    }
    for (const [name, body] of Object.entries(bodies)) expect(await restored(name)).toBe(body.toString('base64'));
    for (const job of jobs) expect((await restore.getBlobClient(job.blobName).getProperties()).metadata?.kxpsourceetag).toBe(job.etag.replace(/"/g, ''));
  });

  /** A front before Azurite: `refuse` answers requests it picks, `status` may change answers (a copy status). */
  async function withFront(refuse: (req: IncomingMessage) => Refusal | null, status?: (req: IncomingMessage, answer: Answer) => Answer) {
    front = await startBusyFront(storage.azurite.port, refuse, status);
    return `http://127.0.0.1:${front.port}`;
  }
  /** Copy Blob (asynchronous), not Copy Blob From URL (which says x-ms-requires-sync). */
  const isCopyStart = (req: IncomingMessage) => req.method === 'PUT' && req.headers['x-ms-copy-source'] !== undefined && req.headers['x-ms-requires-sync'] === undefined;
  const isPropertiesOf = (req: IncomingMessage, name: string) => req.method === 'HEAD' && (req.url ?? '').split('?')[0]?.endsWith(`/default/${name}`);

  it('Copy Blob refused with 409 while a completed copy of an older source version is there: not taken for this one', async () => {
    let refusing = false;
    const base = await withFront((req) => (refusing && isCopyStart(req) ? { status: 409, headers: { 'x-ms-error-code': 'PendingCopyOperation' } } : null));
    const { source, put, run, restored } = await setup({ base });
    const first = randomBytes(40 * KiB);
    const old = await put('old.pdf', first);
    expect((await run([old], async)).result.errors).toEqual([]);
    await source.getBlockBlobClient('old.pdf').upload(randomBytes(40 * KiB), 40 * KiB);
    const fresh = { ...old, etag: (await source.getBlobClient('old.pdf').getProperties()).etag ?? '' };
    refusing = true;
    const { result } = await run([fresh], async);
    expect(result.errors.map((error) => [error.code, error.message])).toEqual([['TRANSFER_FAILED', expect.stringContaining('not provably this one')]]);
    expect(result.progress.filesUploaded).toBe(0);
    expect(await restored('old.pdf')).toBe(first.toString('base64'));
  });

  it('Copy Blob whose answer was lost, retried and refused with 409: the copy in the way is provably this one and is followed', async () => {
    let starts = 0;
    const base = await withFront((req) => {
      if (!isCopyStart(req)) return null;
      // The first start reaches the service but its answer is lost; the retry finds that copy in the way.
      return ++starts === 1 ? { status: 503, headers: { 'x-ms-error-code': 'ServerBusy' }, forward: true } : { status: 409, headers: { 'x-ms-error-code': 'PendingCopyOperation' } };
    });
    const { put, run, restored } = await setup({ base });
    const body = randomBytes(40 * KiB);
    const { result } = await run([await put('lost.pdf', body)], async);
    expect(starts).toBe(2);
    expect(result.errors).toEqual([]);
    expect(result.progress.filesUploaded).toBe(1);
    expect(await restored('lost.pdf')).toBe(body.toString('base64'));
  });

  it('a pending copy is polled until it ends, without holding a slot: with one slot, the next copy starts meanwhile', async () => {
    let secondStarted = false;
    let pendingPolls = 0;
    const base = await withFront(
      (req) => {
        if (isCopyStart(req) && (req.headers['x-ms-copy-source'] as string).includes('/second.bin')) secondStarted = true;
        return null;
      },
      (req, answer) => {
        // first.bin's copy stays pending until second.bin's copy has started.
        if (!isPropertiesOf(req, 'first.bin') || secondStarted || answer.headers['x-ms-copy-status'] === undefined) return answer;
        pendingPolls++;
        return { ...answer, headers: { ...answer.headers, 'x-ms-copy-status': 'pending', 'x-ms-copy-progress': `0/${answer.headers['content-length']}` } };
      },
    );
    const { put, run, restored } = await setup({ base });
    const bodies = [randomBytes(40 * KiB), randomBytes(40 * KiB)];
    const jobs = [await put('first.bin', bodies[0] as Buffer), await put('second.bin', bodies[1] as Buffer)];
    const { result } = await run(jobs, async, 1);
    expect(result.errors).toEqual([]);
    expect(pendingPolls).toBeGreaterThan(0);
    expect(await restored('first.bin')).toBe(bodies[0]?.toString('base64'));
    expect(await restored('second.bin')).toBe(bodies[1]?.toString('base64'));
  });

  for (const ended of ['failed', 'aborted'] as const) {
    it(`a copy that ends ${ended} is a failed file with the service's words, not a copied one`, async () => {
      const base = await withFront(
        () => null,
        (req, answer) =>
          isPropertiesOf(req, 'doc.pdf') && answer.headers['x-ms-copy-status'] !== undefined
            ? { ...answer, headers: { ...answer.headers, 'x-ms-copy-status': ended, 'x-ms-copy-status-description': `500 InternalError "copy ${ended} at the service"` } }
            : answer,
      );
      const { put, run } = await setup({ base });
      const { result } = await run([await put('doc.pdf', randomBytes(40 * KiB))], async);
      expect(result.errors.map((error) => [error.code, error.message])).toEqual([['TRANSFER_FAILED', expect.stringContaining(`copy ended ${ended}: 500 InternalError`)]]);
      expect(result.progress.filesUploaded).toBe(0);
    });
  }

  it('a service without Put Block From URL (501): the large copy falls back to Copy Blob, said once, and completes', async () => {
    const isBlockFromUrl = (req: IncomingMessage) => req.method === 'PUT' && (req.url ?? '').includes('comp=block') && req.headers['x-ms-copy-source'] !== undefined;
    const base = await withFront((req) => (isBlockFromUrl(req) ? { status: 501, headers: { 'x-ms-error-code': 'NotImplemented' } } : null));
    const { put, run, restored } = await setup({ base });
    const body = randomBytes(40 * KiB);
    const { result, events } = await run([await put('big.bin', body)], blocks);
    expect(result.errors).toEqual([]);
    expect(events.filter((event) => event.type === 'copy-fallback')).toHaveLength(1);
    expect(await restored('big.bin')).toBe(body.toString('base64'));
  });

  it('verify: an unfinished copy is reported before any MD5 is compared, and --hash reads the restore blob\'s bytes instead of trusting its Content-MD5', async () => {
    const { source, restore, put } = await setup();
    const body = randomBytes(40 * KiB);
    const md5 = createHash('md5').update(body).digest();
    const job = await put('claimed.bin', body);
    await source.getBlockBlobClient('claimed.bin').setHTTPHeaders({ blobContentMD5: md5 });
    const etag = (await source.getBlobClient('claimed.bin').getProperties()).etag ?? '';
    // The restore blob claims the source's MD5 (as a Put Block List does) over other bytes.
    const claimed = restore.getBlockBlobClient(job.blobName);
    await claimed.upload(randomBytes(40 * KiB), 40 * KiB);
    await claimed.setHTTPHeaders({ blobContentMD5: md5 });
    const file = { kind: 'remote' as const, source: 0, name: 'claimed.bin', displayPath: job.displayPath, blobName: job.blobName, container: 'default', size: body.length, md5: md5.toString('base64'), etag };
    const remote = { size: body.length, md5: md5.toString('base64'), sourceEtag: null, copyUnfinished: false };
    const options = { source, destination: restore, hash: false };
    expect((await compareCopy(file, remote, options)).reason).toBeNull();
    const hashed = await compareCopy(file, remote, { ...options, hash: true });
    expect(hashed).toEqual({ reason: expect.stringContaining("the restore blob's bytes hash to"), hashed: true });
    expect((await compareCopy(file, { ...remote, copyUnfinished: true }, options)).reason).toContain('has not finished (pending, failed or aborted)');
  });
});
