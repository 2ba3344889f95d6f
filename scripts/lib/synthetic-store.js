// A stand-in store (scripts/lib/stand-in.js) that holds nothing: blob i is computed from i, so a listing of
// 10,000,000 names costs the benchmark's own process no memory. Names are zero-padded, so name order is
// index order: `default/d<i / 1000>/f<i>.bin`, size 100 + i mod 1,001, Content-MD5 the MD5 of "<i>".
// Lists flat only (no delimiter walk): enough for what `npm run bench:tables` measures, the index it fills.
import { createHash } from 'node:crypto';

const PAGE = 5000;

/** The name of blob `i`. */
export function syntheticName(i) {
  return `default/d${String(Math.floor(i / 1000)).padStart(5, '0')}/f${String(i).padStart(8, '0')}.bin`;
}

/** The size and base64 Content-MD5 of blob `i`. */
export function syntheticBlob(i) {
  return { size: 100 + (i % 1001), md5: createHash('md5').update(String(i)).digest('base64') };
}

export class SyntheticStore {
  constructor(count) {
    this.count = count;
  }

  get size() {
    return this.count;
  }

  get(name) {
    const i = indexOf(name);
    return i === undefined || i >= this.count ? undefined : { name, ...syntheticBlob(i) };
  }

  put() {
    throw new Error('the synthetic store is read-only');
  }

  page(prefix, marker, delimiter = '') {
    if (delimiter || (prefix && !'default/'.startsWith(prefix))) throw new Error('the synthetic store lists the whole container, flat');
    const from = marker ? (indexOf(marker) ?? this.count) : 0;
    const to = Math.min(this.count, from + PAGE);
    const entries = [];
    for (let i = from; i < to; i++) entries.push({ name: syntheticName(i), ...syntheticBlob(i) });
    return { entries, next: to < this.count ? syntheticName(to) : '' };
  }
}

function indexOf(name) {
  const match = /^default\/d\d{5}\/f(\d{8})\.bin$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The local file state the benchmark's journal records for blob `i`: hashed a minute after its last change. */
export function syntheticFileState(i) {
  const changedNs = 1_700_000_000_000_000_000n + BigInt(i) * 1000n;
  return { path: `/bench/${syntheticName(i)}`, size: 100 + (i % 1001), dev: 1n, ino: BigInt(i + 1), mtimeNs: changedNs, ctimeNs: changedNs, seenAtMs: Number(changedNs / 1_000_000n) + 60_000 };
}
