/**
 * What the C# walker records about a file: its types, methods, calls, assignments and returns, each with
 * the type, method and conditions it sits in. Plain data, read by the mapping reader.
 */
import type { Token } from './csharp-tokens.js';

/** One condition a statement runs under: an `if` around it (`negated` in its `else`), or an earlier early return's guard. */
export interface Condition {
  tokens: Token[];
  negated: boolean;
  line: number;
}

/** A class, struct, record or interface, with the names of its base types (generic arguments dropped). */
export interface TypeInfo {
  name: string;
  bases: string[];
  line: number;
}

export interface Param {
  name: string;
  /** The default value's tokens (`string container = CONTAINER_NAME`), or null. */
  defaultValue: Token[] | null;
}

export interface MethodInfo {
  name: string;
  kind: 'method' | 'constructor' | 'property';
  params: Param[];
  modifiers: string[];
  type: TypeInfo | null;
  line: number;
}

/** Conditions, outermost first; a `null` entry marks the start of a lambda body (it runs when called, not here). */
export type Conditions = Array<Condition | null>;

export interface Context {
  type: TypeInfo | null;
  method: MethodInfo | null;
  conditions: Conditions;
}

export interface CallSite extends Context {
  name: string;
  /** Identifiers before the name: `StorageHelper` of `StorageHelper.MapStoragePath(…)`. */
  receiver: string[];
  args: Token[][];
  line: number;
  /** Index of the name token in the file's token list. */
  at: number;
}

export interface Assignment extends Context {
  /** `provider.CustomRootPath` → ['provider', 'CustomRootPath']; `var provider` → ['provider']. */
  target: string[];
  value: Token[];
  modifiers: string[];
  line: number;
  at: number;
}

export interface Return extends Context {
  value: Token[];
  line: number;
}

export interface CSharpFile {
  tokens: Token[];
  /** Lines between `#if …` and its `#endif`: code compiled only in some builds (the directive's text kept). */
  conditionalRegions: Array<{ from: number; to: number; directive: string }>;
  types: TypeInfo[];
  methods: MethodInfo[];
  calls: CallSite[];
  assignments: Assignment[];
  returns: Return[];
}
