import { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { listBlobPages, type ListingProgress, type PageRetry } from '../../src/azure/listing.js';
import { createContainerClient } from '../../src/azure/client.js';
import { parseContainerSasUrl } from '../../src/azure/sas.js';
import { pacePages } from '../../src/transfer/pacer.js';
import { useProxiedAzurite } from '../support/tcp-proxy.js';

const once: PageRetry = (request) => request(new AbortController().signal);
const query = (target: string) => new URL(target, 'http://x').searchParams;

/** A container shaped like a site's media: a few top folders, libraries of files, one folder wider than a page, blobs at every level. */
function siteNames(): string[] {
  const names = ['db.bacpac', 'default/readme.txt', 'default/assets/top.png'];
  for (const library of ['images', 'docs', 'videos']) for (let i = 0; i < 12; i++) names.push(`default/assets/media/${library}/f${i}.png`);
  for (let i = 0; i < 9; i++) names.push(`default/assets/contentitems/item-${i}/body.txt`, `default/assets/contentitems/item-${i}/sub/deep/x.txt`);
  for (let i = 0; i < 14; i++) names.push(`default/assets/wide/w${String(i).padStart(2, '0')}.txt`);
  names.push('other/a b/ü&<x>.txt');
  return names.sort();
}

describe('listing a large container by folders, several at once', () => {
  const remote = useProxiedAzurite('listing-walk');

  it('yields every blob exactly once, the same set as one sequence of pages, through folder levels and flat listings', async () => {
    const url = await remote.containerUrl({ name: 'walk' });
    const container = new ContainerClient(url);
    const names = siteNames();
    await Promise.all(names.map((name) => container.getBlockBlobClient(name).upload('x', 1)));

    const before = remote.proxy.requests.length;
    const progress: ListingProgress[] = [];
    const walked: string[] = [];
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 5, parallel: 3, expectedBlobs: names.length, onPage: (step) => progress.push(step) })) {
      expect(page.length).toBeLessThanOrEqual(5);
      walked.push(...page.map((item) => item.name));
    }
    const requests = remote.proxy.requests.slice(before).map((request) => query(request.target));
    expect([...walked].sort()).toEqual(names);
    expect(walked).toHaveLength(names.length);
    // It did walk: folder levels asked with a delimiter, then flat listings of several prefixes.
    expect(requests.some((params) => params.get('delimiter') === '/')).toBe(true);
    expect(new Set(requests.filter((params) => params.get('delimiter') === null).map((params) => params.get('prefix'))).size).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ pages: progress.length, blobs: names.length });

    const sequential: string[] = [];
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 5 })) sequential.push(...page.map((item) => item.name));
    expect(sequential).toEqual(names);
  });

  it('a folder whose subfolders are too small to be worth a request each is listed flat whole, its level page not yielded twice', async () => {
    const url = await remote.containerUrl({ name: 'walk-tiny' });
    const container = new ContainerClient(url);
    const names = Array.from({ length: 60 }, (_, i) => `default/tiny/t${String(i).padStart(2, '0')}/a.txt`).concat('default/tiny/top.txt');
    await Promise.all(names.map((name) => container.getBlockBlobClient(name).upload('x', 1)));
    const before = remote.proxy.requests.length;
    const walked: string[] = [];
    // Pages of 100, so the 61 entries of default/tiny/ fit one level page; 1,000 expected gives each of its 60
    // subfolders about 17 blobs, under a fifth of a page (20): not worth 60 requests.
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 100, parallel: 4, expectedBlobs: 1000 })) walked.push(...page.map((item) => item.name));
    expect(walked).toEqual([...names].sort());
    const flat = remote.proxy.requests.slice(before).map((request) => query(request.target)).filter((params) => params.get('delimiter') === null);
    expect(new Set(flat.map((params) => params.get('prefix')))).toEqual(new Set(['default/tiny/']));
  });

  it('a small container (fewer pages than a walk is worth) is listed in one sequence, without a delimiter', async () => {
    const url = await remote.containerUrl({ name: 'walk-small' });
    const container = new ContainerClient(url);
    await Promise.all(['default/a.txt', 'default/b/c.txt'].map((name) => container.getBlockBlobClient(name).upload('x', 1)));
    const before = remote.proxy.requests.length;
    const listed: string[] = [];
    for await (const page of listBlobPages(container, { retryPage: once, maxPageSize: 5, parallel: 8, expectedBlobs: 2 })) listed.push(...page.map((item) => item.name));
    expect(listed).toEqual(['default/a.txt', 'default/b/c.txt']);
    expect(remote.proxy.requests.slice(before).filter((request) => query(request.target).get('delimiter') !== null)).toEqual([]);
  });

  it('a walk page that fails in transit is asked again (same prefix, delimiter and token); the walk still yields every blob once', async () => {
    const url = await remote.containerUrl({ name: 'walk-fault' });
    const container = createContainerClient(parseContainerSasUrl(url, 'storage SAS URL'));
    const names = siteNames();
    await Promise.all(names.map((name) => container.getBlockBlobClient(name).upload('x', 1)));
    const before = remote.proxy.requests.length;
    remote.proxy.failRequest(/delimiter=/, 2); // the second folder-level request is reset before it reaches the service
    const retries: number[] = [];
    const retryPage = pacePages({ where: 'walk-fault', policy: { baseDelayMs: 1, maxDelayMs: 5 }, onRetry: (notice) => retries.push(notice.attempt) });
    const walked: string[] = [];
    for await (const page of listBlobPages(container, { retryPage, maxPageSize: 5, parallel: 3, expectedBlobs: names.length })) walked.push(...page.map((item) => item.name));
    expect([...walked].sort()).toEqual(names);
    expect(walked).toHaveLength(names.length);
    expect(retries).toEqual([1]);
    const requests = remote.proxy.requests.slice(before);
    const failed = requests.filter((request) => request.failed);
    expect(failed).toHaveLength(1);
    // Asked again exactly as before (same prefix, delimiter and token), and only once.
    expect(requests.filter((request) => request.target === failed[0]?.target)).toHaveLength(2);
  });
});
