/** ContainerClients for a SAS URL, set up so that our own pacer (src/transfer/pacer.ts) owns retries. */
import http from 'node:http';
import https from 'node:https';
import { AnonymousCredential, ContainerClient, newPipeline, Pipeline, type RequestPolicyFactory } from '@azure/storage-blob';
import type { ContainerSas } from './sas.js';

export interface ClientOptions {
  /** Sockets kept open to the service: the engine's concurrency (plus one for listings and commits). */
  maxSockets?: number;
}

/**
 * One client per container. The SDK's retry policy is reduced to a single try: retries happen per request
 * in the pacer, with backoff, jitter and events, so a failure is never retried twice over. Requests go
 * through one keep-alive agent sized to the concurrency, so connections are reused, never piled up.
 */
export function createContainerClient(sas: ContainerSas, options: ClientOptions = {}): ContainerClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const agent = sas.url.startsWith('https:') ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const base = newPipeline(new AnonymousCredential(), {
    retryOptions: { maxTries: 1, tryTimeoutInMs: 24 * 3600 * 1000 },
    keepAliveOptions: { enable: true },
  });
  const useAgent: RequestPolicyFactory = {
    create: (next) => ({
      sendRequest: (request) => {
        request.agent = agent;
        return next.sendRequest(request);
      },
    }),
  };
  return new ContainerClient(sas.url, new Pipeline([...base.factories, useAgent], base.options));
}
