/** Parsers for human-typed option values. */
import { KxpError } from '../errors.js';
import { MAX_BLOCK_SIZE, MIN_BLOCK_SIZE, MiB } from '../transfer/blocks.js';

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

export interface NumberRule {
  /** Only whole numbers. */
  whole?: boolean;
  min: number;
  max?: number;
  /** Words after the range, e.g. "MiB". */
  unit?: string;
}

/**
 * A yargs `coerce` for a number option: yargs turns "abc" into NaN and would let it through, so the
 * check happens while parsing, before any handler starts an emulator or asks a Portal for anything.
 */
export function checkedNumber(option: string, rule: NumberRule): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    // requiresArg options repeated (--concurrency 4 --concurrency 8): the last one wins, as for strings.
    const last: unknown = Array.isArray(value) ? value.at(-1) : value;
    const number = typeof last === 'number' ? last : Number(last);
    const range = `${rule.whole ? 'a whole number' : 'a number'} ${rule.max === undefined ? `of at least ${rule.min}` : `from ${rule.min} to ${rule.max}`}${rule.unit ? ` ${rule.unit}` : ''}`;
    if (!Number.isFinite(number)) throw new KxpError('USAGE', `--${option} takes ${range}; what was given is not a number.`);
    if ((rule.whole && !Number.isInteger(number)) || number < rule.min || (rule.max !== undefined && number > rule.max)) {
      throw new KxpError('USAGE', `--${option} takes ${range}; got ${number}.`);
    }
    return number;
  };
}

/** `--concurrency` of upload and rehearse (the upload operation checks the same range for library callers). */
export const CONCURRENCY_RULE: NumberRule = { whole: true, min: 1, max: 256 };

/** `--block-size MiB`, checked against the service's block limits; `describe` says what it sizes for the command. */
export function blockSizeOption(describe: string) {
  return {
    type: 'number' as const,
    requiresArg: true,
    coerce: checkedNumber('block-size', { min: MIN_BLOCK_SIZE / MiB, max: MAX_BLOCK_SIZE / MiB, unit: 'MiB' }),
    describe,
  };
}
