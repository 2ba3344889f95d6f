/** ContainerClients for a SAS URL, set up so that our own pacer (src/transfer/pacer.ts) owns retries. */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { TokenCredential } from '@azure/identity';
import { AnonymousCredential, ContainerClient, newPipeline, type Pipeline } from '@azure/storage-blob';
import { HttpsProxyAgent, type HttpsProxyAgentOptions } from 'https-proxy-agent';
import type { ProxyChoice } from './proxy.js';
import type { ContainerSas } from './sas.js';

export interface ClientOptions {
  /** Requests the engine keeps in flight at first (the pool follows later changes through resize). */
  concurrency?: number;
  /** Sockets kept open when no concurrency is given. Default 16. */
  maxSockets?: number;
  /** Send through this proxy (see proxyFor); the SDK's own proxy handling is bypassed by our agent. */
  proxy?: ProxyChoice;
  /** The run's signal: aborting it closes every tunnel to the proxy, answered or not. */
  signal?: AbortSignal;
  /** How long a proxy may take to answer a CONNECT before its socket is closed and the request fails (retried by the pacer). Default 30 s. */
  connectTimeoutMs?: number;
}

/** A CONNECT unanswered this long is given up: well inside the pacer's 60 s attempt timeout. */
export const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Only https targets are proxied (proxyFor). agent-base otherwise guesses https from the call stack, and
 * guesses differently when a socket is released than when it is looked up, so tunnels were never reused.
 * Each socket to the proxy gets a signal of its own (net.connect takes it from the agent's options):
 * aborted by the run's signal, or when the CONNECT goes unanswered for `connectTimeoutMs`. Destroying the
 * request alone never reaches a socket still waiting for the CONNECT's answer, which stayed open for good.
 */
class HttpsTunnelAgent extends HttpsProxyAgent<string> {
  readonly #signal: AbortSignal | undefined;
  readonly #connectTimeoutMs: number;

  constructor(proxy: string, options: HttpsProxyAgentOptions<string> & { signal?: AbortSignal; connectTimeoutMs?: number }) {
    const { signal, connectTimeoutMs, ...rest } = options;
    super(proxy, rest);
    this.#signal = signal;
    this.#connectTimeoutMs = connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  }

  override isSecureEndpoint(): boolean {
    return true;
  }

  override connect(...args: Parameters<HttpsProxyAgent<string>['connect']>): Promise<net.Socket> {
    const tunnel = new AbortController();
    const run = this.#signal;
    const stop = () => tunnel.abort(run?.reason);
    run?.addEventListener('abort', stop, { once: true });
    // The base class calls net.connect with these options before its first await: the signal is this socket's alone.
    const shared = this.connectOpts;
    this.connectOpts = { ...shared, signal: tunnel.signal };
    let connecting: Promise<net.Socket>;
    try {
      connecting = super.connect(...args);
    } finally {
      this.connectOpts = shared;
    }
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        // A network timeout for the pacer to retry; aborting the tunnel's signal closes the socket.
        reject(Object.assign(new Error(`the proxy did not answer the CONNECT within ${this.#connectTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
        tunnel.abort();
      }, this.#connectTimeoutMs);
    });
    connecting.catch(() => undefined); // after a timeout, its own rejection (the aborted socket) is of no interest
    return Promise.race([connecting, unanswered]).then(
      (socket) => {
        clearTimeout(timer);
        socket.once('close', () => run?.removeEventListener('abort', stop));
        return socket;
      },
      (error: unknown) => {
        clearTimeout(timer);
        run?.removeEventListener('abort', stop);
        throw error;
      },
    );
  }
}

/** The proxy agent: the login goes in a header of our own, never in the URL the library may print. */
export function tunnelAgent(proxy: ProxyChoice, options: { keepAlive: boolean; maxSockets: number; signal?: AbortSignal; connectTimeoutMs?: number }): HttpsTunnelAgent {
  const headers: Record<string, string> = proxy.login ? { 'Proxy-Authorization': `Basic ${Buffer.from(proxy.login).toString('base64')}` } : {};
  return new HttpsTunnelAgent(proxy.url.href, { ...options, headers });
}

/**
 * The keep-alive pool of a container client, following the engine's concurrency: as many sockets as
 * requests in flight plus a little headroom (a socket is released a tick after its answer is read), so no
 * request waits for a socket while the engine holds a slot for it; idle sockets beyond that are closed.
 * Sockets open only on demand, so the pool grows at the pace of the concurrency, never in a storm.
 */
export interface ConnectionPool {
  resize(concurrency: number): void;
  readonly maxSockets: number;
}

export const SOCKET_HEADROOM = 2;

export interface PooledContainerClient {
  client: ContainerClient;
  pool: ConnectionPool;
}

/** The agent each pooled client sends through, for requests sent beside the SDK on the same pool (put-blob.ts). */
const agents = new WeakMap<ContainerClient, http.Agent>();

/** The agent (keep-alive pool or proxy tunnel) of a client made by createPooledContainerClient. */
export function agentOf(client: ContainerClient): http.Agent | undefined {
  return agents.get(client);
}

/**
 * One client per container. The SDK's retry policy is reduced to a single try: retries happen per request
 * in the pacer, with backoff, jitter and events, so a failure is never retried twice over. Requests go
 * through one keep-alive agent sized to the concurrency, so connections are reused, never piled up
 * (through a proxy too: one CONNECT tunnel per socket, reused).
 */
export function createContainerClient(sas: ContainerSas, options: ClientOptions = {}): ContainerClient {
  return createPooledContainerClient(sas, options).client;
}

/** A container client and the pool its requests go through, for a caller that changes its concurrency. */
export function createPooledContainerClient(sas: ContainerSas, options: ClientOptions = {}): PooledContainerClient {
  const { pipeline, pool, agent } = pooledPipeline(sas.url, new AnonymousCredential(), options);
  const client = new ContainerClient(sas.url, pipeline);
  agents.set(client, agent);
  return { client, pool };
}

/**
 * The same pipeline for any URL and credential (an Entra ID token for a remote source account): one try per
 * request, our keep-alive (or proxy) agent.
 */
export function createPipeline(url: string, credential: AnonymousCredential | TokenCredential, options: ClientOptions = {}): Pipeline {
  return pooledPipeline(url, credential, options).pipeline;
}

function pooledPipeline(url: string, credential: AnonymousCredential | TokenCredential, options: ClientOptions): { pipeline: Pipeline; pool: ConnectionPool; agent: http.Agent } {
  const sockets = options.concurrency !== undefined ? options.concurrency + SOCKET_HEADROOM : (options.maxSockets ?? 16);
  const agentOptions = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets };
  // Setting our own agent switches off the SDK's HTTPS_PROXY handling, so the proxy is honoured here.
  const agent = options.proxy
    ? tunnelAgent(options.proxy, { ...agentOptions, signal: options.signal, connectTimeoutMs: options.connectTimeoutMs })
    : url.startsWith('https:')
      ? new https.Agent(agentOptions)
      : new http.Agent(agentOptions);
  const base = newPipeline(credential, {
    retryOptions: { maxTries: 1, tryTimeoutInMs: 24 * 3600 * 1000 },
    keepAliveOptions: { enable: true },
  });
  const pool: ConnectionPool = {
    resize: (concurrency) => {
      agent.maxSockets = agent.maxFreeSockets = Math.max(1, concurrency) + SOCKET_HEADROOM;
    },
    get maxSockets() {
      return agent.maxSockets;
    },
  };
  // The agent goes in natively (core-rest-pipeline's agent policy, ahead of its proxy policy). A request policy
  // of our own would be wrapped around the signing policy by the SDK (the service then refuses a signed request),
  // and would put every request through the SDK's v1 compatibility layer (a few % of the CPU per small file).
  Object.assign(base.options, { agent });
  return { pipeline: base, pool, agent };
}
