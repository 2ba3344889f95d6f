/** ContainerClients for a SAS URL, set up so that our own pacer (src/transfer/pacer.ts) owns retries. */
import http from 'node:http';
import https from 'node:https';
import { AnonymousCredential, ContainerClient, newPipeline, Pipeline, type RequestPolicyFactory } from '@azure/storage-blob';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxyChoice } from './proxy.js';
import type { ContainerSas } from './sas.js';

export interface ClientOptions {
  /** Sockets kept open to the service: the engine's concurrency (plus one for listings and commits). */
  maxSockets?: number;
  /** Send through this proxy (see proxyFor); the SDK's own proxy handling is bypassed by our agent. */
  proxy?: ProxyChoice;
}

/**
 * Only https targets are proxied (proxyFor). agent-base otherwise guesses https from the call stack, and
 * guesses differently when a socket is released than when it is looked up, so tunnels were never reused.
 */
class HttpsTunnelAgent extends HttpsProxyAgent<string> {
  override isSecureEndpoint(): boolean {
    return true;
  }
}

/** The proxy agent: the login goes in a header of our own, never in the URL the library may print. */
function tunnelAgent(proxy: ProxyChoice, options: { keepAlive: boolean; maxSockets: number }): HttpsTunnelAgent {
  const headers: Record<string, string> = proxy.login ? { 'Proxy-Authorization': `Basic ${Buffer.from(proxy.login).toString('base64')}` } : {};
  return new HttpsTunnelAgent(proxy.url.href, { ...options, headers });
}

/**
 * One client per container. The SDK's retry policy is reduced to a single try: retries happen per request
 * in the pacer, with backoff, jitter and events, so a failure is never retried twice over. Requests go
 * through one keep-alive agent sized to the concurrency, so connections are reused, never piled up
 * (through a proxy too: one CONNECT tunnel per socket, reused).
 */
export function createContainerClient(sas: ContainerSas, options: ClientOptions = {}): ContainerClient {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  // Setting our own agent switches off the SDK's HTTPS_PROXY handling, so the proxy is honoured here.
  const agent = options.proxy
    ? tunnelAgent(options.proxy, agentOptions)
    : sas.url.startsWith('https:')
      ? new https.Agent(agentOptions)
      : new http.Agent(agentOptions);
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
