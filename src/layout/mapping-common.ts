/**
 * Shared by the two mapping readers (modules, Program.cs): the refusal every unreadable spot ends in,
 * and reachability: every chain of calls that runs a statement, with what decides whether it runs at all
 * (a registered module's OnInit, a top-level statement) and the conditions along the way.
 */
import { KxpError } from '../errors.js';
import type { RuleOrigin } from '../rules/layout-model.js';
import type { CallSite, Conditions, MethodInfo } from './csharp.js';
import { Unresolved, type CodeIndex, type Frame, type SourceFile } from './csharp-values.js';
import { branchOf, type Branch } from './environment-branch.js';

/** What the readers found, beside the rules: exclusions, notes, the development folder. */
export interface MappingOutput {
  notes: string[];
  storageAssetsDir: string | undefined;
}

export function unreadable(file: string, line: number, what: string): KxpError {
  return new KxpError('LAYOUT_UNREADABLE', `${file}:${line}: ${what}; kxp-restore cannot tell the storage layout from the code with certainty.`, {
    path: `${file}:${line}`,
    hint: 'Describe the layout your cloud environments use in a layout file and pass --layout FILE, e.g. { "containers": { "default": ["assets/"] } } (see docs/layout.md; `kxp-restore layout --from-export` can learn it from a deployed environment).',
  });
}

/** A value that had to be known: the string, or the refusal naming what could not be read. */
export function known(value: string | Unresolved, context: string): string {
  if (value instanceof Unresolved) throw unreadable(value.file, value.line, `${context}: \`${value.what}\` ${value.why}`);
  return value;
}

/** How a chain of calls starts: it runs when the application starts, it never runs (with why), or nobody can tell. */
export type Root = { kind: 'runs' } | { kind: 'ignored'; note: string };

export interface Chain {
  frames: Frame[];
  root: Root;
}

const MAX_CHAIN = 8;
const MODULE_ENTRY_POINTS = new Set(['OnInit', 'OnPreInit']);
const PROGRAM_ENTRY_POINTS = new Set(['Main', 'ConfigureServices', 'Configure']);

/** Every chain of calls from where the application starts running code to `site`. */
export function chainsTo(index: CodeIndex, file: SourceFile, site: CallSite): Chain[] {
  const chains: Chain[] = [];
  const climb = (frames: Frame[]): void => {
    const top = frames.at(-1) as Frame;
    const method = top.method;
    if (method === null) {
      // Outside any method but inside a type: a declaration the walker did not recognise; do not take it for a top-level statement.
      if (top.type !== null) throw unreadable(top.file.shown, site.line, `cannot tell which member of ${top.type.name} this mapping is in`);
      chains.push({ frames, root: { kind: 'runs' } });
      return;
    }
    const callers = index.callers(method).filter(({ call }) => !frames.some((frame) => frame.method !== null && frame.method === call.method));
    if (callers.length === 0) {
      chains.push({ frames, root: rootOf(index, top, method) });
      return;
    }
    if (frames.length >= MAX_CHAIN) throw unreadable(top.file.shown, method.line, `${method.name} is reached through more than ${MAX_CHAIN} calls`);
    for (const { file: callerFile, call } of callers) climb([...frames.slice(0, -1), { ...top, entry: call }, { file: callerFile, type: call.type, method: call.method, entry: null }]);
  };
  climb([{ file, type: site.type, method: site.method, entry: null }]);
  return chains;
}

function rootOf(index: CodeIndex, frame: Frame, method: MethodInfo): Root {
  const type = frame.type;
  const where = `${frame.file.shown}:${method.line}`;
  if (type !== null && type.bases.some((base) => /Module$/.test(base))) {
    if (method.kind !== 'constructor' && !MODULE_ENTRY_POINTS.has(method.name)) return { kind: 'ignored', note: `${where}: ${type.name}.${method.name} is never called; its mapping does not apply.` };
    if (index.registered.has(type.name)) return { kind: 'runs' };
    return { kind: 'ignored', note: `${where}: the module ${type.name} is not registered (no [assembly: RegisterModule(typeof(${type.name}))] in the code read), so Xperience never runs it; its mapping does not apply.` };
  }
  if (method.modifiers.includes('private')) return { kind: 'ignored', note: `${where}: ${method.name} is never called; its mapping does not apply.` };
  if (PROGRAM_ENTRY_POINTS.has(method.name)) return { kind: 'runs' };
  throw unreadable(frame.file.shown, method.line, `${method.name} is not called anywhere in the code read and is no module's OnInit, so whether and where it runs is not in the code`);
}

/** Which environments a chain runs in: every level's conditions must be readable (and outside `#if` regions); any development condition makes it development. */
export function branchOfChain(chain: Chain, site: CallSite): Branch {
  const levels: Array<{ file: SourceFile; conditions: Conditions; line: number }> = [{ file: (chain.frames[0] as Frame).file, conditions: site.conditions, line: site.line }];
  chain.frames.forEach((frame, i) => {
    const caller = chain.frames[i + 1];
    if (frame.entry !== null && caller !== undefined) levels.push({ file: caller.file, conditions: frame.entry.conditions, line: frame.entry.line });
  });
  let result: Branch = 'cloud';
  for (const level of levels) {
    const region = level.file.code.conditionalRegions.find((candidate) => level.line > candidate.from && level.line < candidate.to);
    if (region) throw unreadable(level.file.shown, level.line, `this is compiled only under \`${region.directive}\` (line ${region.from}), which depends on how the application is built`);
    const branch = branchOf(level.conditions);
    if (branch.kind === 'unknown') throw unreadable(level.file.shown, branch.line, branch.why);
    if (branch.kind === 'development') result = 'development';
  }
  return result;
}

/**
 * Where a mapped value came from, for the user to check: the call that passes it in from the first
 * method without parameters up the chain (`OnInit` calling `MapAzureStoragePath("~/assets/")`), or the site.
 */
export function originOf(chain: Chain, site: CallSite): RuleOrigin {
  const frames = chain.frames;
  let k = 0;
  while (frames[k]?.entry && (frames[k]?.method?.params.length ?? 0) > 0) k++;
  if (k === 0) return { kind: 'code', file: (frames[0] as Frame).file.shown, line: site.line, detail: site.name };
  const helper = frames[k - 1] as Frame;
  return { kind: 'code', file: (frames[k] as Frame).file.shown, line: (helper.entry as CallSite).line, detail: helper.method?.name ?? site.name };
}
