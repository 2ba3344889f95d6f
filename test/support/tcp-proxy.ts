/**
 * A real TCP proxy on 127.0.0.1 for fault injection: counts bytes client→server, can reset connections
 * every N bytes, and can hold (stall) all upstream traffic once a byte count is reached until released.
 * It logs each HTTP request (method, target) and can fail a chosen one (e.g. the third listing page).
 * Tests wait on its promises (bytes reached, stalled), never on sleeps.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createContainerSasUrl, type ContainerSasOptions } from '../../src/azure/azurite.js';
import { useAzurite, type AzuriteHarness } from './azurite.js';

export interface TcpProxy {
  port: number;
  /** `http://127.0.0.1:<port>/<path>`: put in front of a SAS URL with createContainerSasUrl's baseUrl. */
  url(path?: string): string;
  /** Bytes forwarded client→server so far. */
  readonly bytesUp: number;
  /** Bytes forwarded server→client so far (what a client downloaded through the proxy). */
  readonly bytesDown: number;
  /** Bytes forwarded server→client on connections whose first request does not match `head` (e.g. another client's user agent). */
  bytesDownExcept(head: RegExp): number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** The most connections open at one time. */
  readonly peakOpen: number;
  /** Delay every chunk by this many ms in each direction (a link with round-trip time 2 × ms); 0 turns it off. */
  setLatency(ms: number): void;
  /** Connections reset by resetEvery so far. */
  readonly resets: number;
  /** Reset (RST) the connection carrying the N-th byte since the last reset; null turns it off. */
  resetEvery(bytes: number | null): void;
  /** Resolves once bytesUp reaches `bytes`. */
  whenBytes(bytes: number): Promise<void>;
  /** Flip one byte (xor 0xff) of the client→server stream at this absolute byte count, once: damage in transit. */
  corruptAt(byteCount: number): void;
  /** Forward at most up to `bytes` in total, holding the rest; resolves when the stall point is reached. */
  stallAt(bytes: number): Promise<void>;
  /** Lets held traffic flow again. */
  release(): void;
  /** Resets every open connection now. */
  cutAll(): void;
  /** Every HTTP request seen so far, in order: method, target (sig= redacted), and whether failRequest failed it. */
  readonly requests: readonly ProxiedRequest[];
  /** Reset the connection carrying the `nth` request from now on whose target matches, once, before it reaches the server. */
  failRequest(target: RegExp, nth?: number): void;
  close(): Promise<void>;
}

export interface ProxiedRequest {
  method: string;
  target: string;
  failed: boolean;
}

/** The head of a request at the start of a chunk (Node's HTTP client writes a request's head in one piece). */
const REQUEST_LINE = /^(GET|HEAD|PUT|POST|DELETE|OPTIONS|PATCH) (\S+) HTTP\/1\.[01]\r\n/;

interface Pair {
  client: Socket;
  upstream: Socket;
  held: Buffer[];
  /** The start of what the client sent first (its first request's head). */
  head: string;
  bytesDown: number;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const everyPair: Pair[] = [];
  let bytesUp = 0;
  let bytesDown = 0;
  let connections = 0;
  let peakOpen = 0;
  let latencyMs = 0;
  /** Runs `deliver` after the link's latency; a constant delay keeps every direction in order. */
  const later = (deliver: () => void) => (latencyMs > 0 ? setTimeout(deliver, latencyMs) : deliver());
  let resets = 0;
  let resetInterval: number | null = null;
  let sinceReset = 0;
  let stallLimit: number | null = null;
  let corruptOffset: number | null = null;
  let onStalled: (() => void) | undefined;
  const byteWaiters: Array<{ bytes: number; resolve: () => void }> = [];
  const requests: ProxiedRequest[] = [];
  let requestFault: { target: RegExp; left: number } | null = null;
  /** Logs a request starting in this chunk; true when the request is to fail. */
  const logRequest = (chunk: Buffer): boolean => {
    const line = REQUEST_LINE.exec(chunk.subarray(0, 8192).toString('latin1'));
    if (!line) return false;
    const request = { method: line[1] ?? '', target: (line[2] ?? '').replace(/sig=[^&]*/, 'sig=REDACTED'), failed: false };
    requests.push(request);
    if (requestFault && requestFault.target.test(request.target) && --requestFault.left === 0) {
      requestFault = null;
      request.failed = true;
    }
    return request.failed;
  };

  const notifyBytes = () => {
    for (const waiter of [...byteWaiters]) {
      if (bytesUp >= waiter.bytes) {
        byteWaiters.splice(byteWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const reset = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
  };

  /** Forwards what may go now; returns false when the pair was reset. */
  const forward = (pair: Pair, chunk: Buffer): boolean => {
    let data = chunk;
    if (stallLimit !== null) {
      const room = Math.max(0, stallLimit - bytesUp);
      if (room < data.length) {
        pair.held.push(data.subarray(room));
        data = data.subarray(0, room);
        pair.client.pause();
        onStalled?.();
        onStalled = undefined;
      }
    }
    if (data.length === 0) return true;
    if (corruptOffset !== null && corruptOffset >= bytesUp && corruptOffset < bytesUp + data.length) {
      data = Buffer.from(data);
      data[corruptOffset - bytesUp] = (data[corruptOffset - bytesUp] ?? 0) ^ 0xff;
      corruptOffset = null;
    }
    if (resetInterval !== null && sinceReset + data.length >= resetInterval) {
      const part = resetInterval - sinceReset;
      sinceReset = 0;
      bytesUp += part;
      pair.upstream.write(data.subarray(0, part));
      resets++;
      notifyBytes();
      reset(pair);
      return false;
    }
    sinceReset += data.length;
    bytesUp += data.length;
    pair.upstream.write(data);
    notifyBytes();
    return true;
  };

  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, held: [], head: '', bytesDown: 0 };
    pairs.add(pair);
    peakOpen = Math.max(peakOpen, pairs.size);
    everyPair.push(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.head.length < 2048) pair.head += chunk.subarray(0, 2048).toString('latin1');
      if (logRequest(chunk)) return reset(pair);
      if (pair.held.length > 0) {
        pair.held.push(chunk);
        client.pause();
        return;
      }
      if (latencyMs > 0) later(() => pairs.has(pair) && forward(pair, chunk));
      else forward(pair, chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
      pair.bytesDown += chunk.length;
      later(() => client.write(chunk));
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('end', () => later(() => upstream.end()));
    upstream.on('end', () => later(() => client.end()));
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: (path = '') => `http://127.0.0.1:${port}/${path.replace(/^\/+/, '')}`,
    get bytesUp() {
      return bytesUp;
    },
    get bytesDown() {
      return bytesDown;
    },
    bytesDownExcept(head) {
      return everyPair.filter((pair) => !head.test(pair.head)).reduce((sum, pair) => sum + pair.bytesDown, 0);
    },
    get connections() {
      return connections;
    },
    get peakOpen() {
      return peakOpen;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    get resets() {
      return resets;
    },
    resetEvery(bytes) {
      resetInterval = bytes;
      sinceReset = 0;
    },
    whenBytes(bytes) {
      return new Promise((resolve) => {
        byteWaiters.push({ bytes, resolve });
        notifyBytes();
      });
    },
    corruptAt(byteCount) {
      corruptOffset = byteCount;
    },
    stallAt(bytes) {
      stallLimit = bytes;
      return new Promise((resolve) => {
        if (bytesUp >= bytes) return resolve();
        onStalled = resolve;
      });
    },
    release() {
      stallLimit = null;
      for (const pair of [...pairs]) {
        const held = pair.held.splice(0);
        for (const chunk of held) if (!forward(pair, chunk)) break;
        if (pairs.has(pair)) pair.client.resume();
      }
    },
    cutAll() {
      for (const pair of [...pairs]) reset(pair);
    },
    get requests() {
      return requests;
    },
    failRequest(target, nth = 1) {
      requestFault = { target, left: nth };
    },
    async close() {
      for (const pair of [...pairs]) reset(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ProxiedAzurite {
  readonly storage: AzuriteHarness;
  /** The proxy in front of the emulator; valid inside tests. */
  readonly proxy: TcpProxy;
  /** Creates a container (a fresh name unless given) and returns its SAS URL through the proxy. */
  containerUrl(options?: ContainerSasOptions & { name?: string }): Promise<string>;
}

/** One Azurite and one TCP proxy in front of it for the current test file. */
export function useProxiedAzurite(prefix: string): ProxiedAzurite {
  const storage = useAzurite();
  let proxy: TcpProxy | undefined;
  let count = 0;
  beforeAll(async () => {
    proxy = await startTcpProxy(storage.azurite.port);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const harness: ProxiedAzurite = {
    storage,
    get proxy() {
      if (!proxy) throw new Error('The proxy is not running yet: use it inside a test or hook');
      return proxy;
    },
    async containerUrl(options = {}) {
      const { name = `${prefix}-${++count}`, ...sas } = options;
      await storage.containerSasUrl(name);
      return createContainerSasUrl(storage.azurite, name, { baseUrl: harness.proxy.url('devstoreaccount1'), ...sas });
    },
  };
  return harness;
}
