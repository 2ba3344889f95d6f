// BENCH FIXTURE, not a storage emulator: a minimal Azure Blob service stand-in for `npm run bench:link`.
// It answers Put Blob, Put Block, Put Block List, List Blobs and Get Block List at once and keeps
// nothing, so a benchmark measures the client and the link, not the emulator (Azurite saturates a core
// long before the client does). It checks nothing: never use it to test correctness.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const EMPTY_LISTING = '<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs /><NextMarker /></EnumerationResults>';

/** Starts the stand-in on 127.0.0.1; `requests` counts what it answered by kind. */
export async function startStandIn() {
  const requests = { putBlob: 0, putBlock: 0, putBlockList: 0, list: 0, getBlockList: 0, other: 0 };
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://stand-in').searchParams;
    const comp = query.get('comp');
    const headers = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', date: new Date().toUTCString() };
    // Read the body away as it comes (nothing kept), then answer.
    req.on('data', () => {});
    req.on('end', () => {
      if (req.method === 'GET' && comp === 'list') {
        requests.list++;
        res.writeHead(200, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(EMPTY_LISTING) });
        return res.end(EMPTY_LISTING);
      }
      if (req.method === 'GET' && comp === 'blocklist') {
        // The blob does not exist yet: the engine then sends every block.
        requests.getBlockList++;
        res.writeHead(404, { ...headers, 'x-ms-error-code': 'BlobNotFound', 'content-length': 0 });
        return res.end();
      }
      if (req.method === 'PUT') {
        if (comp === 'block') requests.putBlock++;
        else if (comp === 'blocklist') requests.putBlockList++;
        else requests.putBlob++;
        res.writeHead(201, { ...headers, etag: '"0x8DCBENCH"', 'last-modified': headers.date, 'x-ms-request-server-encrypted': 'true', 'content-length': 0 });
        return res.end();
      }
      requests.other++;
      res.writeHead(200, { ...headers, 'content-length': 0 });
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}
