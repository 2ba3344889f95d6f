/** ContainerClients for a SAS URL, set up so that our own pacer (src/transfer/pacer.ts) owns retries. */
import { AnonymousCredential, ContainerClient, newPipeline } from '@azure/storage-blob';
import type { ContainerSas } from './sas.js';

/**
 * One client per container. The SDK's retry policy is reduced to a single try: retries happen per request
 * in the pacer, with backoff and jitter and events, so a failure is never retried twice over.
 * Connections: the SDK's HTTP client keeps them alive; how many are open at once is bounded by the
 * engine's request limit (the concurrency), never by the SDK.
 */
export function createContainerClient(sas: ContainerSas): ContainerClient {
  const pipeline = newPipeline(new AnonymousCredential(), {
    retryOptions: { maxTries: 1, tryTimeoutInMs: 24 * 3600 * 1000 },
    keepAliveOptions: { enable: true },
  });
  return new ContainerClient(sas.url, pipeline);
}
