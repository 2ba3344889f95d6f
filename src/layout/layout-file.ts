/**
 * Layout files: `{ "containers": { "default": ["assets/"] } }`, container names to the project path
 * prefixes they serve (relative to the project root, lowercase, ending in `/`). Optional `"exclude"`
 * lists prefixes inside those that no container serves (left out of the upload), and `"storageAssetsDir"`
 * names the development folder laid out by container (default `$StorageAssets`).
 */
import { readFile } from 'node:fs/promises';
import { KxpError } from '../errors.js';
import { containerNameProblem } from '../rules/names.js';
import { DEFAULT_STORAGE_ASSETS_DIR, exclusionConflicts, layoutConflicts, prefixProblem, type Layout, type LayoutExclusion, type LayoutRule } from '../rules/layout-model.js';

const KNOWN_KEYS = new Set(['containers', 'exclude', 'storageAssetsDir', '$schema', 'comment']);
const EXAMPLE = '{ "containers": { "default": ["assets/"] } }';

export async function readLayoutFile(file: string, shown: string = file): Promise<Layout> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new KxpError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `The layout file ${shown} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`, {
      path: shown,
      hint: `Check the path; a layout file looks like ${EXAMPLE}. \`kxp-restore layout --json\` prints one to start from.`,
      cause,
    });
  }
  return parseLayoutFile(text, shown);
}

/** Parses and validates a layout file's text; every problem names the file, and the line where it can. */
export function parseLayoutFile(text: string, shown: string): Layout {
  const invalid = (message: string, line?: number) =>
    new KxpError('LAYOUT_INVALID', `${shown}${line === undefined ? '' : `:${line}`}: ${message}`, {
      path: shown,
      hint: `A layout file maps container names to the project folders they serve, for example ${EXAMPLE}.`,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    throw invalid(`not valid JSON (${(cause as Error).message})`, position === undefined ? undefined : lineAt(text, Number(position)));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('the file must hold one JSON object with a "containers" member');
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_KEYS.has(key)) throw invalid(`unknown member "${key}" (known: "containers", "exclude", "storageAssetsDir")`, lineOf(text, `"${key}"`));
  }
  const containers = record.containers;
  if (typeof containers !== 'object' || containers === null || Array.isArray(containers)) throw invalid('"containers" must be an object of container names to lists of path prefixes');
  const storageAssetsDir = record.storageAssetsDir ?? DEFAULT_STORAGE_ASSETS_DIR;
  if (typeof storageAssetsDir !== 'string' || storageAssetsDir === '' || /[\\/]/.test(storageAssetsDir)) {
    throw invalid('"storageAssetsDir" must be the name of one folder of the project, such as "$StorageAssets"', lineOf(text, '"storageAssetsDir"'));
  }
  const rules: LayoutRule[] = [];
  for (const [container, prefixes] of Object.entries(containers as Record<string, unknown>)) {
    const at = lineOf(text, `"${container}"`);
    const problem = containerNameProblem(container);
    if (problem) throw invalid(`"${container}" is not a valid container name: it ${problem}`, at);
    if (!Array.isArray(prefixes) || prefixes.length === 0 || prefixes.some((prefix) => typeof prefix !== 'string')) {
      throw invalid(`container "${container}" must list at least one path prefix as a string, such as ["assets/"]`, at);
    }
    for (const prefix of prefixes as string[]) {
      const line = lineOf(text, JSON.stringify(prefix), indexOf(text, `"${container}"`)) ?? at;
      const wrong = prefixProblem(prefix);
      if (wrong) throw invalid(`the prefix "${prefix}" of container "${container}" ${wrong}`, line);
      rules.push({ container, prefix, origin: { kind: 'layout-file', file: shown, line: line ?? 1 } });
    }
  }
  if (rules.length === 0) throw invalid('"containers" is empty; name at least one container');
  const conflicts = layoutConflicts(rules);
  if (conflicts.length > 0) throw invalid(`${conflicts[0]}; each project path belongs to one container`);
  const exclusions = readExclusions(text, shown, record.exclude, invalid);
  const excludedAndMapped = exclusionConflicts(rules, exclusions);
  if (excludedAndMapped.length > 0) throw invalid(`${excludedAndMapped[0]}; remove one of the two`);
  return { source: 'layout-file', from: shown, rules, exclusions, storageAssetsDir, notes: [] };
}

/** `"exclude": ["assets/synchronizations/"]`: prefixes no container serves. */
function readExclusions(text: string, shown: string, value: unknown, invalid: (message: string, line?: number) => Error): LayoutExclusion[] {
  if (value === undefined) return [];
  const at = lineOf(text, '"exclude"');
  if (!Array.isArray(value) || value.some((prefix) => typeof prefix !== 'string')) throw invalid('"exclude" must be a list of path prefixes as strings, such as ["assets/synchronizations/"]', at);
  return (value as string[]).map((prefix) => {
    const line = lineOf(text, JSON.stringify(prefix), indexOf(text, '"exclude"')) ?? at ?? 1;
    const wrong = prefixProblem(prefix);
    if (wrong) throw invalid(`the excluded prefix "${prefix}" ${wrong}`, line);
    return { prefix, origin: { kind: 'layout-file', file: shown, line } };
  });
}

function indexOf(text: string, needle: string, from = 0): number {
  return text.indexOf(needle, Math.max(0, from));
}

function lineOf(text: string, needle: string, from = 0): number | undefined {
  const index = indexOf(text, needle, from);
  return index === -1 ? undefined : lineAt(text, index);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
