import { describe, expect, it } from 'vitest';
import { etagDigest, RemoteIndex } from '../../src/azure/listing.js';

const md5 = Buffer.alloc(16, 7).toString('base64');

describe('RemoteIndex', () => {
  it('keeps sizes up to a block blob’s limit exactly, in 6 bytes, and an impossible size as one no file has', () => {
    const index = new RemoteIndex(10);
    const largest = 190.7 * 2 ** 40; // Azure's largest block blob, 190.7 TiB
    for (const size of [0, 1, 2 ** 32 + 5, Math.floor(largest), 2 ** 48 - 2]) {
      index.add(`default/${size}.bin`, size, md5);
      expect(index.get(`default/${size}.bin`)?.size).toBe(size);
    }
    // A size the service would never list (a malformed Content-Length) is kept as one no file has, not a crash.
    for (const size of [Number.NaN, -1, 1.5, 2 ** 48]) {
      index.add(`default/odd-${size}.bin`, size, md5);
      expect(index.get(`default/odd-${size}.bin`)?.size).toBe(2 ** 48 - 1);
    }
  });

  it('keeps the source ETag of copied blobs apart, and forgets it when the blob is listed again without one', () => {
    const index = new RemoteIndex();
    index.add('default/copied.jpg', 3, md5, { sourceEtag: '"0x8DC1"' });
    index.add('default/uploaded.jpg', 3, md5);
    index.add('default/pending.jpg', 3, undefined, { sourceEtag: '0x8DC2', unfinished: true });
    expect(index.get('default/copied.jpg')).toEqual({ size: 3, md5, sourceEtag: etagDigest('0x8DC1'), copyUnfinished: false });
    expect(index.get('default/uploaded.jpg')).toEqual({ size: 3, md5, sourceEtag: null, copyUnfinished: false });
    expect(index.claim('default/pending.jpg')).toEqual({ size: 3, md5: null, sourceEtag: etagDigest('"0x8DC2"'), copyUnfinished: true });
    index.add('default/copied.jpg', 4, md5);
    expect(index.get('default/copied.jpg')).toEqual({ size: 4, md5, sourceEtag: null, copyUnfinished: false });
    expect(index.size).toBe(3);
    expect(index.unclaimed).toBe(2);
  });
});
