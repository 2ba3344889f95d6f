/**
 * An HTTP front on 127.0.0.1 that plays a busy storage account: requests `refusal` picks are answered at
 * once with its status and headers (503 ServerBusy with Retry-After…), after their body was read; the
 * others are passed on to the service behind it unchanged.
 */
import { createServer, request, type IncomingMessage } from 'node:http';

export interface Refusal {
  status: number;
  headers: Record<string, string>;
}

export interface BusyFront {
  port: number;
  close(): Promise<void>;
}

export async function startBusyFront(targetPort: number, refusal: (req: IncomingMessage) => Refusal | null): Promise<BusyFront> {
  const server = createServer((req, res) => {
    const refused = refusal(req);
    if (refused) {
      req.resume();
      req.on('end', () => {
        res.writeHead(refused.status, { ...refused.headers, 'content-length': '0' });
        res.end();
      });
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
