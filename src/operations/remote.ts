/**
 * Opening a payload in the operations: its remote sources (--storage-from) list each page with the transfer
 * pacer's retries, telling retries and progress. Shared by plan, upload, verify and rehearse.
 */
import type { TokenCredential } from '@azure/identity';
import type { ListingProgress } from '../azure/listing.js';
import { openPayload, type Payload } from '../source/payload.js';
import type { SourceListing } from '../source/remote.js';
import type { PayloadSource } from '../source/types.js';
import { pacePages, type RetryNotice, type RetryPolicy } from '../transfer/pacer.js';

export interface RemoteSourceOptions {
  /** Entra ID tenant for sources without a SAS (DefaultAzureCredential otherwise picks its own). */
  tenantId?: string;
  /** Sign-in for sources without a SAS. Default: DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI…). */
  credential?: TokenCredential;
  /** Where HTTPS_PROXY & co. are read. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Told before a listing page is tried again. */
  onListingRetry?: (source: string, notice: RetryNotice) => void;
  /** Told after each listing page: pages and blobs listed so far. */
  onListingProgress?: (source: string, progress: ListingProgress) => void;
  /** Blobs per listing page (default 5,000, the service's maximum). */
  listPageSize?: number;
}

/** Each page of a source's listing paced on its own (a failed page is tried again, never the whole listing); a refusal names the source. */
export function pagedSourceListing(options: RemoteSourceOptions): SourceListing {
  return (reader) => {
    const { label, redacted } = reader.source;
    return {
      maxPageSize: options.listPageSize,
      retryPage: pacePages({ signal: options.signal, policy: options.retry, where: redacted, onRetry: (notice) => options.onListingRetry?.(label, notice) }),
      onPage: (progress) => options.onListingProgress?.(label, progress),
    };
  };
}

/** The payload `source` names, opened (see src/source/payload.ts), its sources listed page by page. */
export function openSourcePayload(source: PayloadSource, options: RemoteSourceOptions & { cwd?: string; maxSockets?: number } = {}): Promise<Payload> {
  return openPayload(source, { ...options, listing: pagedSourceListing(options) });
}
