import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { listBlobPages, RemoteIndex, type ListingProgress, type PageRetry } from '../../src/azure/listing.js';
import { createContainerClient } from '../../src/azure/client.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { pacePages } from '../../src/transfer/pacer.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';

/** No retry: the request runs once. */
const once: PageRetry = (request) => request(new AbortController().signal);

/** The continuation token (marker) a listing request carries; '' for the first page. */
const marker = (target: string) => new URL(target, 'http://x').searchParams.get('marker') ?? '';

describe('remote listing', () => {
  const remote = useProxiedAzurite('listing');

  it('lists page by page into an index with size and Content-MD5 (or none), telling progress; a second listing finds the unclaimed names', async () => {
    const container = new ContainerClient(await remote.storage.containerSasUrl('listing'));
    const md5 = createHash('md5').update('hello').digest();
    await container.getBlockBlobClient('default/a.txt').upload('hello', 5, { blobHTTPHeaders: { blobContentMD5: md5 } });
    await container.getBlockBlobClient('default/no-md5.bin').stageBlock(Buffer.from('AAAA').toString('base64'), 'xyz', 3);
    await container.getBlockBlobClient('default/no-md5.bin').commitBlockList([Buffer.from('AAAA').toString('base64')]);
    await Promise.all(Array.from({ length: 40 }, (_, i) => container.getBlockBlobClient(`default/many/f${i}.txt`).upload('x', 1)));

    const index = new RemoteIndex();
    const progress: ListingProgress[] = [];
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 5, details: true, onPage: (step) => progress.push(step) })) {
      expect(page.length).toBeLessThanOrEqual(5);
      for (const item of page) index.addItem(item);
    }
    expect(progress).toEqual(Array.from({ length: 9 }, (_, i) => ({ pages: i + 1, blobs: Math.min(42, 5 * (i + 1)) })));
    expect(index.size).toBe(42);
    expect(index.get('default/a.txt')).toEqual({ size: 5, md5: md5.toString('base64'), sourceEtag: null, copyUnfinished: false });
    expect(index.get('default/no-md5.bin')).toEqual({ size: 3, md5: null, sourceEtag: null, copyUnfinished: false });
    expect(index.get('Default/a.txt')).toBeUndefined();

    // verify claims every name the source has, present or not; the rest are "extra".
    expect(index.claim('default/a.txt')).toEqual({ size: 5, md5: md5.toString('base64'), sourceEtag: null, copyUnfinished: false });
    expect(index.claim('default/only-local.txt')).toBeUndefined();
    expect(index.unclaimed).toBe(41); // a claimed name that was not listed does not count
    for (let i = 0; i < 40; i++) index.claim(`default/many/f${i}.txt`);
    index.claim('default/a.txt'); // twice: counted once
    expect(index.size).toBe(42);
    expect(index.unclaimed).toBe(1);
    await container.getBlockBlobClient('DB.bacpac').upload('stray', 5);
    const extra: string[] = [];
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 5 })) for (const item of page) if (!index.isClaimed(item.name)) extra.push(item.name);
    expect(extra).toEqual(['DB.bacpac', 'default/no-md5.bin']);
  });

  it('a page whose request fails in transit is asked again with its own continuation token: the listing resumes at that page, not at the first', async () => {
    const url = await remote.containerUrl({ name: 'listing-fault' });
    // Our own client: the SDK's retries are off, so a failure reaches the pacer (as in every run).
    const container = createContainerClient(parseContainerSasUrl(url, 'storage SAS URL'));
    const names = Array.from({ length: 23 }, (_, i) => `default/f${String(i).padStart(2, '0')}.txt`);
    await Promise.all(names.map((name) => container.getBlockBlobClient(name).upload('x', 1)));
    const isList = (target: string) => target.includes('comp=list');
    const before = remote.proxy.requests.length;
    remote.proxy.failRequest(/comp=list/, 3); // the third page's request is reset before it reaches the service
    const retries: number[] = [];
    const listed: string[] = [];
    const retryPage = pacePages({ where: 'listing-fault', policy: { baseDelayMs: 1, maxDelayMs: 5 }, onRetry: (notice) => retries.push(notice.attempt) });
    for await (const page of listBlobPages(container, { retryPage, maxPageSize: 5 })) listed.push(...page.map((item) => item.name));

    expect(listed).toEqual(names);
    expect(retries).toEqual([1]);
    const requests = remote.proxy.requests.slice(before).filter((request) => isList(request.target));
    const markers = requests.map((request) => marker(request.target));
    // Five pages, six requests: page 3 twice (the failed attempt and its retry, same token), page 1 once.
    expect(requests.map((request) => request.failed)).toEqual([false, false, true, false, false, false]);
    expect(markers[0]).toBe('');
    expect(markers[3]).toBe(markers[2]);
    expect(markers[2]).not.toBe('');
    expect(new Set(markers).size).toBe(5);
    expect(markers.filter((value) => value === '')).toHaveLength(1);
  });

  it('names with XML specials, spaces and non-ASCII come back as they were written, with their metadata and copy status', async () => {
    const container = new ContainerClient(await remote.storage.containerSasUrl('listing-names'));
    const names = ['default/a & b <c>.txt', "default/it's \"quoted\".txt", 'default/ünïcødé 漢字.txt', 'default/plus+percent%20.txt'];
    for (const name of names) await container.getBlockBlobClient(name).upload('x', 1, { metadata: { kxpsourceetag: '0x8DEADBEEF' } });
    const listed = [];
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 2, details: true })) listed.push(...page);
    expect(listed.map((item) => item.name).sort()).toEqual([...names].sort());
    for (const item of listed) expect(item).toMatchObject({ size: 1, sourceEtag: '0x8DEADBEEF', md5: createHash('md5').update('x').digest('base64') });
    expect(listed[0]?.etag).toMatch(/^"?0x/);
  });

  it('a page whose body is cut part-way is asked again with the same token; a percent-encoded name is decoded', async () => {
    const blob = (name: string, attributes = '') => `<Blob><Name${attributes}>${name}</Name><Properties><Content-Length>3</Content-Length><Content-MD5>rL0Y20zC+Fzt72VPzMSk2A==</Content-MD5><Etag>0x1</Etag></Properties><Metadata /></Blob>`;
    const pages: Record<string, string> = {
      '': `<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>${blob('a')}${blob('b%01c', ' Encoded="true"')}</Blobs><NextMarker>m2</NextMarker></EnumerationResults>`,
      m2: `<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>${blob('c &amp; d')}${blob('e')}</Blobs><NextMarker /></EnumerationResults>`,
    };
    const markers: string[] = [];
    let cut = true;
    const server: Server = createServer((req, res) => {
      const marker = new URL(req.url ?? '', 'http://x').searchParams.get('marker') ?? '';
      markers.push(marker);
      const body = pages[marker] ?? '';
      res.writeHead(200, { 'content-type': 'application/xml', 'x-ms-request-id': 'r' });
      if (marker === 'm2' && cut) {
        // Half the page, then the connection dies: a real TCP fault in the middle of the body.
        cut = false;
        res.write(body.slice(0, body.length / 2), () => res.socket?.resetAndDestroy());
        return;
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const container = createContainerClient(parseContainerSasUrl(`http://127.0.0.1:${port}/account/listing?sv=2025-01-05&sr=c&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig=abc`, 'storage SAS URL'));
      const retries: number[] = [];
      const retryPage = pacePages({ where: 'cut', policy: { baseDelayMs: 1, maxDelayMs: 5 }, onRetry: (notice) => retries.push(notice.attempt) });
      const listed = [];
      for await (const page of listBlobPages(container, { retryPage })) listed.push(...page);
      expect(listed.map((item) => item.name)).toEqual(['a', 'b\u0001c', 'c & d', 'e']);
      expect(listed[0]).toEqual({ name: 'a', size: 3, md5: 'rL0Y20zC+Fzt72VPzMSk2A==', etag: '0x1' });
      expect(markers).toEqual(['', 'm2', 'm2']);
      expect(retries).toEqual([1]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
