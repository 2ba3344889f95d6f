/**
 * A TLS front for a loopback service, with a self-signed certificate no one trusts: what a client meets behind
 * a proxy that inspects TLS with a root certificate this computer lacks. It forwards the plain bytes to a port.
 */
import type { Socket } from 'node:net';
import { pipeToPort } from './net.js';
import { createServer } from 'node:tls';
import selfsigned from 'selfsigned';

export interface TlsFront {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** TLS handshakes it has been asked for so far. */
  readonly handshakes: number;
  close(): Promise<void>;
}

export async function startUntrustedTlsFront(targetPort: number): Promise<TlsFront> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, algorithm: 'sha256' });
  const open = new Set<Socket>();
  let handshakes = 0;
  const server = createServer({ key: pems.private, cert: pems.cert }, (secure) => {
    pipeToPort(secure, targetPort, open);
  });
  server.on('connection', (socket: Socket) => {
    handshakes++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    get handshakes() {
      return handshakes;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
