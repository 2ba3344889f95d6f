/** Opens one destination container for a run: client, journal and the remote listing taken before sending. */
import { createPooledContainerClient, type ConnectionPool } from '../azure/client.js';
import { listRemoteBlobs } from '../azure/listing.js';
import type { ProxyChoice } from '../azure/proxy.js';
import type { ContainerSas } from '../azure/sas.js';
import type { ContainerTarget } from './target.js';
import { Journal } from './journal.js';
import { paced, type RetryNotice, type RetryPolicy } from './pacer.js';

export interface OpenTargetOptions {
  stateDir: string;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** Requests in flight at first; the pool follows later changes (pool.resize). */
  concurrency?: number;
  /** Told before each retry of the listing, so a person waiting on an unreachable host hears why. */
  onRetry?: (notice: RetryNotice) => void;
  /** The outbound proxy, if any (see proxyFor). */
  proxy?: ProxyChoice;
}

/** The listing is read-only and doubles as the access probe: a revoked or foreign SAS fails here, before any write. */
export async function openTarget(sas: ContainerSas, options: OpenTargetOptions): Promise<ContainerTarget & { sas: ContainerSas; pool: ConnectionPool }> {
  // The journal first: a state folder that cannot be written is a local mistake, reported without a request.
  const journal = await Journal.open(options.stateDir, sas.identity);
  try {
    const { client, pool } = createPooledContainerClient(sas, { concurrency: options.concurrency, proxy: options.proxy });
    const remote = await paced((signal) => listRemoteBlobs(client, { signal }), { signal: options.signal, policy: options.retry, where: sas.redacted, onRetry: options.onRetry });
    return { sas, client, journal, remote, pool };
  } catch (error) {
    await journal.close();
    throw error;
  }
}
