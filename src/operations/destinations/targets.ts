/**
 * The destination containers opened for a run: a client with its connection pool, the container's journal,
 * and the listing taken before sending (an index by blob name, and the shape that tells the container's role).
 */
import { createPooledContainerClient } from '../../azure/client.js';
import type { ContainerClient } from '@azure/storage-blob';
import { DEFAULT_LIST_PARALLEL, listBlobPages, RemoteIndex, type ListOptions } from '../../azure/listing.js';
import { proxyFor } from '../../azure/proxy.js';
import type { ContainerSas } from '../../azure/sas.js';
import { emptyShape, observeBlob, type ContainerShape } from '../../rules/container-role.js';
import { DEFAULT_CONCURRENCY } from '../../transfer/engine.js';
import { Journal } from '../../transfer/journal.js';
import { pacePages } from '../../transfer/pacer.js';
import type { Destinations, OpenedTarget, SetupOptions, Targets } from './types.js';

/** `readOnlyJournals`: the containers (identities) whose journal another run holds: read, never written. */
export async function openTargets(destinations: Pick<Destinations, 'db' | 'storage' | 'stateDir'> & Partial<Pick<Destinations, 'plan'>>, options: SetupOptions, readOnlyJournals?: ReadonlySet<string>): Promise<Targets> {
  // The journal and the listing index are sized once for the plan's files rather than grown step by step.
  const at = (sas: ContainerSas) => ({ ...options, stateDir: destinations.stateDir, expectedFiles: destinations.plan?.totals.files, readOnlyJournal: readOnlyJournals?.has(sas.identity) });
  const db = destinations.db && (await openTarget(destinations.db, at(destinations.db)));
  try {
    return { db, storage: destinations.storage && (await openTarget(destinations.storage, at(destinations.storage))) };
  } catch (error) {
    await db?.journal.close();
    throw error;
  }
}

/** The listing is read-only and doubles as the access probe: a revoked or foreign SAS fails here, before any write. */
export async function openTarget(sas: ContainerSas, options: SetupOptions & { stateDir: string; expectedFiles?: number; readOnlyJournal?: boolean }): Promise<OpenedTarget> {
  const proxy = proxyFor(new URL(sas.url), options.env);
  // The journal first: a state folder that cannot be written is a local mistake, reported without a request.
  const journal = await Journal.open(options.stateDir, sas.identity, { expectedFiles: options.expectedFiles, readOnly: options.readOnlyJournal });
  try {
    // The pool starts at the run's first concurrency and follows later changes (pool.resize).
    const concurrency = Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, options.maxConcurrency ?? Infinity);
    const { client, pool } = createPooledContainerClient(sas, { concurrency, proxy, signal: options.signal });
    const listed = await listTarget(client, sas, options);
    options.onEvent?.({ type: 'listed', container: sas.identity, blobs: listed.remote.size, proxy: proxy ? { url: proxy.display, variable: proxy.variable } : null });
    return { sas, client, journal, pool, ...listed };
  } catch (error) {
    await journal.close();
    throw error;
  }
}

/** The index by blob name and the role evidence, page by page (each page retried on its own). */
async function listTarget(client: ContainerClient, sas: ContainerSas, options: SetupOptions & { expectedFiles?: number }): Promise<{ remote: RemoteIndex; shape: ContainerShape }> {
  const remote = new RemoteIndex(options.expectedFiles);
  const shape = emptyShape();
  for await (const page of listBlobPages(client, destinationListing(sas, options, options.expectedFiles))) {
    for (const item of page) {
      remote.addItem(item);
      observeBlob(shape, item.name);
    }
  }
  return { remote, shape };
}

/**
 * How every listing of a destination container runs: with details, each page paced, retries and progress told
 * as events; by folders, several at once, when `expectedBlobs` says the container is large.
 */
export function destinationListing(sas: ContainerSas, options: SetupOptions, expectedBlobs?: number): ListOptions {
  const container = sas.identity;
  return {
    details: true,
    parallel: options.listParallel ?? DEFAULT_LIST_PARALLEL,
    expectedBlobs,
    maxPageSize: options.listPageSize,
    retryPage: pacePages({ signal: options.signal, policy: options.retry, where: sas.redacted, onRetry: (notice) => options.onEvent?.({ type: 'listing-retry', container, ...notice }) }),
    onPage: (progress) => options.onEvent?.({ type: 'listing-progress', container, ...progress }),
  };
}
