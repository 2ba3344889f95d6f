/**
 * An HTTP front on 127.0.0.1 that plays a busy or odd storage account: requests `refusal` picks are answered
 * at once with its status and headers (503 ServerBusy with Retry-After…), after their body was read (with
 * `forward`, only after the service behind it has carried the request out: a lost answer); `rewrite`, when
 * given, may change any other answer (headers and body) on its way back. Everything else is passed on unchanged.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  /** Send the request on to the service first, then answer with this refusal instead of its answer. */
  forward?: boolean;
}

/** An answer of the service on its way back, which `rewrite` may change. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BusyFront {
  port: number;
  close(): Promise<void>;
}

export async function startBusyFront(targetPort: number, refusal: (req: IncomingMessage) => Refusal | null, rewrite?: (req: IncomingMessage, answer: Answer) => Answer): Promise<BusyFront> {
  const server = createServer((req, res) => {
    const refused = refusal(req);
    const refuse = () => {
      res.writeHead(refused?.status ?? 500, { ...refused?.headers, 'content-length': '0' });
      res.end();
    };
    if (refused && !refused.forward) {
      req.resume();
      req.on('end', refuse);
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (refused) {
        answer.resume();
        answer.on('end', refuse);
        return;
      }
      if (!rewrite) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const changed = rewrite(req, { status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) });
        const headers = { ...changed.headers };
        delete headers['transfer-encoding'];
        res.writeHead(changed.status, { ...headers, 'content-length': req.method === 'HEAD' ? (headers['content-length'] ?? '0') : String(changed.body.length) });
        res.end(req.method === 'HEAD' ? undefined : changed.body);
      });
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
