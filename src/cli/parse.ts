/** Parsers for human-typed option values. */
import { KxpError } from '../errors.js';

const sizeUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** "500GB", "1.5 TiB", "1048576" → bytes. Decimal units are powers of 1000, binary ones (KiB…) of 1024. */
export function parseSize(value: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = sizeUnits[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) {
    throw new KxpError('USAGE', `${option} takes a size such as 500GB, 1.5TiB or 1048576; got "${value}".`);
  }
  return Math.round(Number(match[1]) * unit);
}
