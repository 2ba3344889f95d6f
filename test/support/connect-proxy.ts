/**
 * An HTTP CONNECT proxy for tests that, like a corporate proxy doing TLS inspection, ends the client's
 * TLS itself (with a certificate made for the occasion) and forwards the plain HTTP to a loopback port.
 * That lets an https, production-style storage URL (`https://<account>.blob.core.windows.net/…`) reach
 * Azurite, and proves every request went through the proxy: nothing else can resolve that host here.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { pipeToPort } from './net.js';
import { TLSSocket } from 'node:tls';
import selfsigned from 'selfsigned';

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The PEM certificate the proxy presents (trust it with NODE_EXTRA_CA_CERTS). */
  certificate: string;
  /** `host:port` of every CONNECT, in order. */
  readonly tunnels: string[];
  /** The Proxy-Authorization header of every CONNECT ('' when none). */
  readonly authorizations: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(options: { hostname: string; targetPort: number; /** Answer 407 unless the CONNECT carries this Proxy-Authorization. */ requireAuthorization?: string }): Promise<ConnectProxy> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: options.hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: options.hostname }] }],
  });
  const tunnels: string[] = [];
  const authorizations: string[] = [];
  const open = new Set<Socket>();
  const server = createServer((_request, response) => response.writeHead(405).end('CONNECT only'));
  server.on('connect', (request: IncomingMessage, client: Socket) => {
    tunnels.push(request.url ?? '');
    authorizations.push(request.headers['proxy-authorization'] ?? '');
    if (options.requireAuthorization !== undefined && request.headers['proxy-authorization'] !== options.requireAuthorization) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const secure = new TLSSocket(client, { isServer: true, key: pems.private, cert: pems.cert });
    pipeToPort(secure, options.targetPort, open, [client]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    certificate: pems.cert,
    tunnels,
    authorizations,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
