import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback port with nothing listening: every connection to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves with the error code of a fresh connection attempt ('connected' if it succeeds). */
export function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** A loopback listener that only counts connections: proof that nothing was sent. Close `server` after the test. */
export async function connectionCounter(): Promise<{ url: string; count: () => number; server: Server }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, count: () => connections, server };
}

/**
 * Joins a TLS socket (the client's, decrypted) to a plain TCP connection to a loopback port, both ways; every
 * socket joins `open` until it closes (so a test server can destroy them on close), and an error on any ends both.
 */
export function pipeToPort(secure: Socket, targetPort: number, open: Set<Socket>, alsoTracked: Socket[] = []): void {
  const upstream = connect(targetPort, '127.0.0.1');
  for (const socket of [...alsoTracked, secure, upstream]) {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {
      secure.destroy();
      upstream.destroy();
    });
  }
  secure.pipe(upstream).pipe(secure);
}
