/**
 * TCP servers on loopback that accept connections and never answer: a Portal or storage endpoint that hangs,
 * or a proxy that never answers the CONNECT. Closed (with every socket) after each test.
 */
import net from 'node:net';
import { afterEach } from 'vitest';

export interface SilentServer {
  port: number;
  connections: () => number;
  /** Resolves when a client sends its first bytes (a request, a CONNECT). */
  connected: Promise<void>;
  /** Resolves when a client ends its connection. */
  closedByClient: Promise<void>;
}

/** `silentServer(onSocket)` for a test file: each accepted socket goes to `onSocket` (pause or resume it). */
export function useSilentServers(): (onSocket: (socket: net.Socket) => void) => Promise<SilentServer> {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
  return async (onSocket) => {
    let connections = 0;
    let closedByClient = () => {};
    const closed = new Promise<void>((resolve) => (closedByClient = resolve));
    let connectedNow = () => {};
    const connected = new Promise<void>((resolve) => (connectedNow = resolve));
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => connectedNow());
      socket.on('end', () => closedByClient());
      socket.on('close', () => sockets.delete(socket));
      onSocket(socket);
    });
    const close = server.close.bind(server);
    server.close = ((callback?: (error?: Error) => void) => {
      for (const socket of sockets) socket.destroy();
      return close(callback);
    }) as typeof server.close;
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as net.AddressInfo).port, connections: () => connections, connected, closedByClient: closed };
  };
}
