/** Issue 19.1: destination listings go page by page, each page retried on its own, with progress told. */
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { uploadPayload, type UploadEvent } from '../../src/operations/upload.js';
import { verifyPayload, type VerifyEvent } from '../../src/operations/verify.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';
import { useTempDirs, writeTree } from '../support/tree.js';

const FILES = 12;
const PAGE = 5;
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 }, listPageSize: PAGE };
/** The continuation token a listing request carries; '' for a first page. */
const marker = (target: string) => new URL(target, 'http://x').searchParams.get('marker') ?? '';
const progressOf = (events: Array<UploadEvent | VerifyEvent>) => events.flatMap((event) => (event.type === 'listing-progress' ? [[event.pages, event.blobs]] : []));

describe('destination listings, page by page', () => {
  const remote = useProxiedAzurite('pages');
  const tempDir = useTempDirs();
  const payload = async () => {
    const dir = await tempDir();
    await writeTree(dir, Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`storage/default/f${String(i).padStart(2, '0')}.txt`, `file ${i}`])));
    return dir;
  };

  it('upload and verify list a container of several pages, tell progress after each page, and find an extra blob on the last page', async () => {
    const dir = await payload();
    const storageSasUrl = await remote.containerUrl();
    expect(await uploadPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast })).toMatchObject({ ok: true, files: { uploaded: FILES } });

    const events: UploadEvent[] = [];
    const resumed = await uploadPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast, onEvent: (event) => events.push(event) });
    expect(resumed).toMatchObject({ ok: true, files: { uploaded: 0, skipped: FILES } });
    expect(progressOf(events)).toEqual([[1, 5], [2, 10], [3, 12]]);
    expect(events.find((event) => event.type === 'listed')).toMatchObject({ blobs: FILES });

    await new ContainerClient(storageSasUrl).getBlockBlobClient('default/zz-extra.txt').upload('stray', 5);
    const seen: VerifyEvent[] = [];
    const verified = await verifyPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast, onEvent: (event) => seen.push(event) });
    expect(verified).toMatchObject({ ok: false, missing: [], mismatched: [], extra: ['default/zz-extra.txt'], checked: FILES });
    // The listing before the comparison, then the second pass for names the source lacks: 13 blobs, 3 pages each.
    expect(progressOf(seen)).toEqual([[1, 5], [2, 10], [3, 13], [1, 5], [2, 10], [3, 13]]);

    // Without the stray blob the source claims every listed blob: no second pass is needed, none is made.
    await new ContainerClient(storageSasUrl).getBlobClient('default/zz-extra.txt').delete();
    const identical: VerifyEvent[] = [];
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast, onEvent: (event) => identical.push(event) })).toMatchObject({ ok: true, checked: FILES });
    expect(progressOf(identical)).toEqual([[1, 5], [2, 10], [3, 12]]);
  });

  it('a listing page that fails in transit is asked again from that page, in upload and in verify, and the run ends well', async () => {
    const dir = await payload();
    const storageSasUrl = await remote.containerUrl();
    expect(await uploadPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast })).toMatchObject({ ok: true });
    const listings = (from: number) => remote.proxy.requests.slice(from).filter((request) => request.target.includes('comp=list'));

    // Upload: the second page's request is reset on its way.
    let from = remote.proxy.requests.length;
    remote.proxy.failRequest(/comp=list/, 2);
    const events: UploadEvent[] = [];
    expect(await uploadPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast, onEvent: (event) => events.push(event) })).toMatchObject({ ok: true, files: { skipped: FILES } });
    expect(events.filter((event) => event.type === 'listing-retry')).toHaveLength(1);
    let requests = listings(from);
    expect(requests.map((request) => request.failed)).toEqual([false, true, false, false]);
    expect(requests.map((request) => marker(request.target)).filter((value) => value === '')).toHaveLength(1);
    expect(marker(requests[2]?.target ?? '')).toBe(marker(requests[1]?.target ?? ''));

    // Verify: the fifth listing request is the second page of the second pass (names the source lacks; a stray blob makes it needed).
    await new ContainerClient(storageSasUrl).getBlockBlobClient('default/zz-extra.txt').upload('stray', 5);
    from = remote.proxy.requests.length;
    remote.proxy.failRequest(/comp=list/, 5);
    expect(await verifyPayload({ dir, storageOnly: true }, { storageSasUrl, ...fast })).toMatchObject({ ok: false, extra: ['default/zz-extra.txt'], missing: [], mismatched: [], checked: FILES });
    requests = listings(from);
    expect(requests.map((request) => request.failed)).toEqual([false, false, false, false, true, false, false]);
    const markers = requests.map((request) => marker(request.target));
    expect(markers.filter((value) => value === '')).toHaveLength(2); // one first page per pass, none again after the failure
    expect(markers[5]).toBe(markers[4]);
  });
});
