// BENCH FIXTURE, not a storage emulator: a minimal Azure Blob service stand-in for the benchmarks.
// It answers Put Blob, Put Block, Put Block List, Get Block List, Get Blob Properties and List Blobs at
// once (Azurite saturates a core long before the client does), so a benchmark measures the client and
// the link, not the emulator. It checks no signature and little else: never use it to test correctness.
// By default it keeps nothing and lists an empty container (`npm run bench:link`). With `keep`, it keeps
// what it is sent (name, size, Content-MD5; not the bytes) and lists it back 5,000 a page, in name order
// (by folder level with a delimiter), each page after `pageDelayMs` of service time (`npm run bench:scale`).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const EMPTY_LISTING = '<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs /><NextMarker /></EnumerationResults>';
const PAGE = 5000;
const ETAG = '"0x8DCBENCH"';
const LAST_MODIFIED = new Date(Date.UTC(2026, 0, 1)).toUTCString();

/** What a `keep` stand-in holds: names in a Map to a slot, sizes and MD5s in flat arrays (no bytes kept). */
class BlobStore {
  slots = new Map();
  names = [];
  sizes = new Float64Array(1024);
  md5s = Buffer.alloc(1024 * 16);
  hasMd5 = new Uint8Array(1024);
  /** Uncommitted blocks by blob name: block ID → size. */
  blocks = new Map();
  sorted = null;

  get size() {
    return this.names.length;
  }

  put(name, size, md5) {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = this.names.length;
      if (slot === this.sizes.length) this.grow();
      this.slots.set(name, slot);
      this.names.push(name);
      this.sorted = null;
    }
    this.sizes[slot] = size;
    this.hasMd5[slot] = md5 && md5.length === 16 ? 1 : 0;
    if (this.hasMd5[slot]) md5.copy(this.md5s, slot * 16);
    this.blocks.delete(name);
  }

  grow() {
    const sizes = new Float64Array(this.sizes.length * 2);
    sizes.set(this.sizes);
    const md5s = Buffer.alloc(this.md5s.length * 2);
    this.md5s.copy(md5s);
    const hasMd5 = new Uint8Array(this.hasMd5.length * 2);
    hasMd5.set(this.hasMd5);
    Object.assign(this, { sizes, md5s, hasMd5 });
  }

  get(name) {
    const slot = this.slots.get(name);
    if (slot === undefined) return undefined;
    return { name, size: this.sizes[slot], md5: this.hasMd5[slot] ? this.md5s.toString('base64', slot * 16, slot * 16 + 16) : null };
  }

  /**
   * Up to PAGE entries from `marker` (inclusive: it is the next name to list) under `prefix`, in name order
   * (sorted once per change of the set). With a delimiter, the names under each subfolder are one entry
   * (`{ folder }`), as the service lists a folder level.
   */
  page(prefix, marker, delimiter = '') {
    this.sorted ??= Uint32Array.from(this.names.keys()).sort((a, b) => (this.names[a] < this.names[b] ? -1 : 1));
    const { sorted, names } = this;
    const entries = [];
    let at = this.firstAtLeast(marker || prefix);
    while (at < sorted.length && entries.length < PAGE) {
      const name = names[sorted[at]];
      if (!name.startsWith(prefix)) break;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      if (cut < 0) {
        entries.push(this.get(name));
        at++;
      } else {
        const folder = name.slice(0, cut + delimiter.length);
        entries.push({ folder });
        at = this.firstAtLeast(`${folder}\uffff`);
      }
    }
    const more = at < sorted.length && names[sorted[at]].startsWith(prefix);
    return { entries, next: more ? names[sorted[at]] : '' };
  }

  /** The position in name order of the first name not below `key`. */
  firstAtLeast(key) {
    const { sorted, names } = this;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (names[sorted[middle]] < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * Starts the stand-in on 127.0.0.1; `requests` counts what it answered by kind, `store` (with `keep`) is
 * what it holds. `store` given: a store of the caller's with the same `get`/`page`/`put`/`size` (a
 * synthetic listing of millions of names, scripts/lib/synthetic-store.js).
 */
export async function startStandIn({ keep = false, pageDelayMs = 0, store: given } = {}) {
  const requests = { putBlob: 0, putBlock: 0, putBlockList: 0, list: 0, getBlockList: 0, properties: 0, other: 0 };
  const store = given ?? (keep ? new BlobStore() : null);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = url.searchParams;
    const comp = query.get('comp');
    // /<account>/<container>/<blob name>
    const blobName = decodeURIComponent(url.pathname.split('/').slice(3).join('/'));
    const headers = { 'x-ms-request-id': randomUUID(), 'x-ms-version': '2025-01-05', date: new Date().toUTCString() };
    const body = [];
    req.on('data', (chunk) => {
      if (store) body.push(chunk);
    });
    req.on('end', () => {
      const answer = (status, extra = {}, text = '') => {
        res.writeHead(status, { ...headers, ...extra, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const written = () => answer(201, { etag: ETAG, 'last-modified': headers.date, 'x-ms-request-server-encrypted': 'true' });
      if (req.method === 'GET' && comp === 'list') {
        requests.list++;
        if (!store) return answer(200, { 'content-type': 'application/xml' }, EMPTY_LISTING);
        const page = store.page(query.get('prefix') ?? '', query.get('marker') ?? '', query.get('delimiter') ?? '');
        setTimeout(() => answer(200, { 'content-type': 'application/xml' }, listingXml(page)), pageDelayMs);
        return;
      }
      if (req.method === 'GET' && comp === 'blocklist') {
        requests.getBlockList++;
        const blocks = store?.blocks.get(blobName);
        // Not there yet: the engine then sends every block.
        if (!blocks && !store?.get(blobName)) return answer(404, { 'x-ms-error-code': 'BlobNotFound' });
        return answer(200, { 'content-type': 'application/xml' }, blockListXml(blocks ?? new Map()));
      }
      if (req.method === 'HEAD' && blobName) {
        requests.properties++;
        const blob = store?.get(blobName);
        if (!blob) return answer(404, { 'x-ms-error-code': 'BlobNotFound' });
        const md5 = blob.md5 ? { 'content-md5': blob.md5 } : {};
        res.writeHead(200, { ...headers, ...md5, etag: ETAG, 'last-modified': LAST_MODIFIED, 'x-ms-blob-type': 'BlockBlob', 'content-length': blob.size });
        return res.end();
      }
      if (req.method === 'PUT' && blobName) {
        const md5 = req.headers['x-ms-blob-content-md5'];
        const md5Bytes = typeof md5 === 'string' ? Buffer.from(md5, 'base64') : undefined;
        if (comp === 'block') {
          requests.putBlock++;
          if (store) {
            if (!store.blocks.has(blobName)) store.blocks.set(blobName, new Map());
            store.blocks.get(blobName).set(query.get('blockid'), Buffer.concat(body).length);
          }
        } else if (comp === 'blocklist') {
          requests.putBlockList++;
          if (store) {
            const staged = store.blocks.get(blobName) ?? new Map();
            const ids = [...Buffer.concat(body).toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g)].map((match) => match[1]);
            store.put(blobName, ids.reduce((sum, id) => sum + (staged.get(id) ?? 0), 0), md5Bytes);
          }
        } else {
          requests.putBlob++;
          store?.put(blobName, Buffer.concat(body).length, md5Bytes);
        }
        return written();
      }
      requests.other++;
      answer(200);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    requests,
    store,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

function listingXml({ entries, next }) {
  const items = entries.map((entry) =>
    entry.folder !== undefined
      ? `<BlobPrefix><Name>${escapeXml(entry.folder)}</Name></BlobPrefix>`
      : `<Blob><Name>${escapeXml(entry.name)}</Name><Properties><Last-Modified>${LAST_MODIFIED}</Last-Modified><Etag>${ETAG}</Etag>` +
        `<Content-Length>${entry.size}</Content-Length><Content-Type>application/octet-stream</Content-Type>` +
        `${entry.md5 ? `<Content-MD5>${entry.md5}</Content-MD5>` : ''}<BlobType>BlockBlob</BlobType><ServerEncrypted>true</ServerEncrypted></Properties><Metadata /></Blob>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?><EnumerationResults><MaxResults>${PAGE}</MaxResults><Blobs>${items.join('')}</Blobs><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`;
}

function blockListXml(blocks) {
  const items = [...blocks].map(([id, size]) => `<Block><Name>${escapeXml(id)}</Name><Size>${size}</Size></Block>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><BlockList><CommittedBlocks /><UncommittedBlocks>${items}</UncommittedBlocks></BlockList>`;
}

function escapeXml(text) {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
