/**
 * `--map SRC_PREFIX=DST_PREFIX`: how the names of a remote source container become restore blob names.
 * The longest matching prefix wins; without any mapping, names are taken as they are. Pure functions.
 */
import { KxpError } from '../errors.js';

export interface PrefixMap {
  from: string;
  to: string;
}

/** Parses `SRC=DST` specs (an empty SRC maps every name). A spec without `=` or mapped twice is a usage error. */
export function parsePrefixMaps(specs: readonly string[]): PrefixMap[] {
  const maps: PrefixMap[] = [];
  for (const spec of specs) {
    const equals = spec.indexOf('=');
    if (equals < 0) {
      throw new KxpError('USAGE', `--map takes SRC_PREFIX=DST_PREFIX; got "${spec}".`, {
        hint: "For example --map 'mysite/media/=default/assets/media/' (quote it in the shell).",
      });
    }
    const map = { from: spec.slice(0, equals), to: spec.slice(equals + 1) };
    if (maps.some((other) => other.from === map.from)) {
      throw new KxpError('USAGE', `--map gives the source prefix "${map.from}" twice.`, { hint: 'Keep one mapping per source prefix.' });
    }
    maps.push(map);
  }
  // Longest prefix first, so the first match is the most specific one.
  return maps.sort((a, b) => b.from.length - a.from.length);
}

/** The restore name of a source blob (before lowercasing), or null when no mapping covers it. */
export function mapSourceName(name: string, maps: readonly PrefixMap[]): string | null {
  if (maps.length === 0) return name;
  const map = maps.find((candidate) => name.startsWith(candidate.from));
  return map ? map.to + name.slice(map.from.length) : null;
}
