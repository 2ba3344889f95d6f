/**
 * What the mapping reader knows about the code as a whole: types, methods and who calls them (resolved
 * within their class), registered modules, and the value of a string expression along a call chain
 * (literals, interpolation, `+`, constants of any file read, parameters bound by the caller or their
 * defaults, locals assigned once, methods and properties that return a constant). What it cannot
 * read comes back as `Unresolved`, naming the identifier, never as a guess.
 */
import { isIdent, isPunct, sourceText, splitArgs, splitTop, stripParens, type CallSite, type CSharpFile, type MethodInfo, type Token, type TypeInfo } from './csharp.js';

export interface SourceFile {
  shown: string;
  code: CSharpFile;
}

/**
 * One level of a call chain. `frames[0]` is where an expression sits; `frames[i].entry` is the call, in
 * `frames[i + 1]`, that runs `frames[i].method` (null at the top of the chain).
 */
export interface Frame {
  file: SourceFile;
  type: TypeInfo | null;
  method: MethodInfo | null;
  entry: CallSite | null;
}

/** A value the reader could not know from the code, with the identifier (or expression) to name. */
export class Unresolved {
  constructor(
    readonly file: string,
    readonly what: string,
    readonly line: number,
    readonly why: string,
  ) {}
}

/**
 * Constants of Kentico's own packages that mapping code uses (their source is not in the project).
 * LuceneStorageConstants: Kentico.Xperience.Lucene.Core, src/Kentico.Xperience.Lucene.Core/Store/LuceneStorageConstants.cs
 * of github.com/Kentico/xperience-by-kentico-lucene (the one value since the constant was added).
 */
const PACKAGE_CONSTANTS = new Map([['LuceneStorageConstants.LUCENE_INDEX_PATH', 'App_Data/LuceneSearch']]);

const MAX_DEPTH = 24;

export class CodeIndex {
  readonly files: SourceFile[];
  /** Class names named by `[assembly: RegisterModule(typeof(X))]` anywhere in the code read. */
  readonly registered = new Set<string>();
  readonly #methods = new Map<string, Array<{ file: SourceFile; method: MethodInfo }>>();
  readonly #calls = new Map<string, Array<{ file: SourceFile; call: CallSite }>>();

  constructor(files: SourceFile[]) {
    this.files = files;
    for (const file of files) {
      for (const method of file.code.methods) push(this.#methods, method.name, { file, method });
      for (const call of file.code.calls) push(this.#calls, call.name, { file, call });
      const tokens = file.code.tokens;
      tokens.forEach((token, i) => {
        if (!isIdent(token, 'RegisterModule') || !isPunct(tokens[i + 1], '(') || !isIdent(tokens[i + 2], 'typeof')) return;
        let k = i + 4;
        while (tokens[k + 1] !== undefined && !isPunct(tokens[k + 1], ')')) k++;
        const name = tokens[k];
        if (name?.kind === 'ident') this.registered.add(name.value);
      });
    }
  }

  /** The methods a call can run: within its own type unless the receiver names another type. */
  resolve(call: CallSite): Array<{ file: SourceFile; method: MethodInfo }> {
    const named = (this.#methods.get(call.name) ?? []).filter((candidate) => candidate.method.kind === 'method');
    const receiver = call.receiver.at(-1);
    if (receiver === undefined || (receiver === 'this' && call.receiver.length === 1)) {
      return named.filter((candidate) => (candidate.method.type?.name ?? null) === (call.type?.name ?? null));
    }
    if (receiver === 'base') return [];
    const ofType = named.filter((candidate) => candidate.method.type?.name === receiver);
    if (ofType.length > 0) return ofType;
    // An instance (`service.GetPath()`): only a method no other type could also be meant by.
    const visible = named.filter((candidate) => !candidate.method.modifiers.includes('private'));
    const types = new Set(visible.map((candidate) => candidate.method.type?.name));
    return types.size === 1 ? visible : [];
  }

  /** The calls that run `method`, with the file each is in (recursion left out). */
  callers(method: MethodInfo): Array<{ file: SourceFile; call: CallSite }> {
    return (this.#calls.get(method.name) ?? []).filter(({ call }) => call.method !== method && this.resolve(call).some((candidate) => candidate.method === method));
  }

  /** A string expression's value in `frames[level]`: see the file comment for what is followed. */
  evaluate(frames: Frame[], level: number, expression: Token[], depth = 0): string | Unresolved {
    const frame = frames[level] as Frame;
    const tokens = stripParens(expression);
    const line = tokens[0]?.line ?? frame.entry?.line ?? 0;
    if (tokens.length === 0) return new Unresolved(frame.file.shown, sourceText(expression), line, 'is empty');
    if (depth > MAX_DEPTH) return new Unresolved(frame.file.shown, sourceText(tokens), line, 'refers to itself or goes too deep');
    const pieces = splitTop(tokens, '+');
    if (pieces.length > 1) return this.#joined(pieces.map((piece) => () => this.evaluate(frames, level, piece, depth + 1)));
    const first = tokens[0] as Token;
    if (tokens.length === 1 && first.kind === 'string') {
      return this.#joined(first.parts.map((part) => () => ('text' in part ? part.text : part.hole.length === 0 ? new Unresolved(frame.file.shown, first.value, first.line, 'formats a value at run time') : this.evaluate(frames, level, part.hole, depth + 1))));
    }
    if (isIdent(first, 'nameof') && isPunct(tokens[1], '(') && isPunct(tokens.at(-1), ')')) {
      const last = tokens.at(-2);
      return last?.kind === 'ident' ? last.value : new Unresolved(frame.file.shown, sourceText(tokens), line, 'is not a name');
    }
    if (tokens.length === 3 && isIdent(first, 'string') && isIdent(tokens[2], 'Empty')) return '';
    const dotted = dottedName(tokens);
    if (dotted !== null) return this.#name(frames, level, dotted, line, depth);
    const call = callOf(tokens);
    if (call !== null) return this.#returned(frames, level, call, sourceText(tokens), line, depth);
    return new Unresolved(frame.file.shown, sourceText(tokens), line, 'is computed in a way kxp-restore does not follow');
  }

  #joined(parts: Array<() => string | Unresolved>): string | Unresolved {
    let text = '';
    for (const part of parts) {
      const value = part();
      if (value instanceof Unresolved) return value;
      text += value;
    }
    return text;
  }

  /** A parameter, a local, a constant or a property, by name. */
  #name(frames: Frame[], level: number, names: string[], line: number, depth: number): string | Unresolved {
    const frame = frames[level] as Frame;
    const name = names.at(-1) as string;
    const shown = names.join('.');
    const method = frame.method;
    if (names.length === 1 && method !== null) {
      const index = method.params.findIndex((param) => param.name === name);
      if (index !== -1) {
        const param = method.params[index] as (typeof method.params)[number];
        const arg = frame.entry === null ? undefined : argumentFor(frame.entry.args, index, name);
        if (arg !== undefined) return this.evaluate(frames, level + 1, arg, depth + 1);
        if (frame.entry !== null && param.defaultValue !== null) return this.evaluate([{ ...frame, method: null, entry: null }], 0, param.defaultValue, depth + 1);
        return new Unresolved(frame.file.shown, name, line, frame.entry === null ? `is a parameter of ${method.name}, which nothing in the code read calls` : `is a parameter of ${method.name} that the call at line ${frame.entry.line} does not pass`);
      }
      const locals = frame.file.code.assignments.filter((assignment) => assignment.method === method && assignment.target.length === 1 && assignment.target[0] === name);
      if (locals.length === 1) return this.evaluate(frames, level, withoutSemicolon((locals[0] as (typeof locals)[number]).value), depth + 1);
      if (locals.length > 1) return new Unresolved(frame.file.shown, name, line, `is assigned more than once in ${method.name}`);
    }
    const owner = names.length > 1 ? (names.at(-2) as string) : null;
    const constants = this.files.flatMap((file) =>
      file.code.assignments
        .filter((assignment) => assignment.method === null && assignment.target.length === 1 && assignment.target[0] === name && (assignment.modifiers.includes('const') || (assignment.modifiers.includes('static') && assignment.modifiers.includes('readonly'))))
        .map((assignment) => ({ file, type: assignment.type, value: assignment.value })),
    );
    const properties = (this.#methods.get(name) ?? []).filter((candidate) => candidate.method.kind === 'property');
    const candidates = [...constants, ...properties.map(({ file, method: property }) => ({ file, type: property.type, value: null as Token[] | null, property }))];
    // Qualified: that type's; unqualified: this type's, else this file's, else any (all must agree).
    const scoped =
      owner !== null
        ? candidates.filter((candidate) => candidate.type?.name === owner)
        : [candidates.filter((candidate) => candidate.type !== null && candidate.type.name === frame.type?.name), candidates.filter((candidate) => candidate.file === frame.file), candidates].find((list) => list.length > 0) ?? [];
    if (scoped.length === 0) {
      const known = PACKAGE_CONSTANTS.get(names.slice(-2).join('.'));
      if (known !== undefined) return known;
      return new Unresolved(frame.file.shown, shown, line, owner === null ? 'is not a parameter, local or constant of the code read' : `is not a constant of the code read (its type ${owner} is not in the project)`);
    }
    const values = new Set<string>();
    for (const candidate of scoped) {
      const standalone: Frame[] = [{ file: candidate.file, type: candidate.type, method: 'property' in candidate ? (candidate.property as MethodInfo) : null, entry: null }];
      const value =
        'property' in candidate ? this.#returnValue(standalone, candidate.property as MethodInfo, candidate.file, shown, line, depth) : this.evaluate(standalone, 0, withoutSemicolon(candidate.value as Token[]), depth + 1);
      if (value instanceof Unresolved) return value;
      values.add(value);
    }
    return values.size === 1 ? ([...values][0] as string) : new Unresolved(frame.file.shown, shown, line, `names ${values.size} constants with different values`);
  }

  /** `Name()`, `Type.Name(args)`: the one value the method returns, its parameters bound to the arguments. */
  #returned(frames: Frame[], level: number, call: { name: string; receiver: string[]; args: Token[][] }, shown: string, line: number, depth: number): string | Unresolved {
    const frame = frames[level] as Frame;
    const site: CallSite = { ...call, type: frame.type, method: frame.method, conditions: [], line, at: -1 };
    const targets = this.resolve(site);
    if (targets.length !== 1) return new Unresolved(frame.file.shown, shown, line, targets.length === 0 ? 'is not a method of the code read' : 'may be one of several methods');
    const { file, method } = targets[0] as { file: SourceFile; method: MethodInfo };
    return this.#returnValue([{ file, type: method.type, method, entry: site }, ...frames.slice(level)], method, file, shown, line, depth);
  }

  #returnValue(frames: Frame[], method: MethodInfo, file: SourceFile, shown: string, line: number, depth: number): string | Unresolved {
    const returns = file.code.returns.filter((candidate) => candidate.method === method && !candidate.conditions.includes(null));
    if (returns.length !== 1 || (returns[0] as (typeof returns)[number]).conditions.length > 0) return new Unresolved(file.shown, shown, line, 'does not return one value');
    return this.evaluate(frames, 0, (returns[0] as (typeof returns)[number]).value, depth + 1);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `a`, `A.b`, `this.c` → the names; anything else null. */
function dottedName(tokens: Token[]): string[] | null {
  if (tokens.length % 2 === 0 || !tokens.every((token, index) => (index % 2 === 0 ? token.kind === 'ident' : isPunct(token, '.')))) return null;
  const names = tokens.filter((_, index) => index % 2 === 0).map((token) => token.value);
  return names[0] === 'this' ? names.slice(1) : names;
}

/** `A.B.Name(args)` → its parts; anything else null. */
function callOf(tokens: Token[]): { name: string; receiver: string[]; args: Token[][] } | null {
  const open = tokens.findIndex((token) => isPunct(token, '('));
  if (open < 1 || !isPunct(tokens.at(-1), ')')) return null;
  const head = dottedName(tokens.slice(0, open));
  if (head === null || stripParens(tokens.slice(open)).length !== tokens.length - open - 2) return null;
  return { name: head.at(-1) as string, receiver: head.slice(0, -1), args: splitArgs(tokens.slice(open + 1, -1)) };
}

/** The argument for a parameter: by name (`container: "x"`) or by position. */
function argumentFor(args: Token[][], index: number, name: string): Token[] | undefined {
  const named = args.find((arg) => isIdent(arg[0], name) && isPunct(arg[1], ':'));
  if (named) return named.slice(2);
  const positional = args[index];
  return positional === undefined || (positional[0]?.kind === 'ident' && isPunct(positional[1], ':')) ? undefined : positional;
}

function withoutSemicolon(tokens: Token[]): Token[] {
  return tokens.filter((token) => !isPunct(token, ';'));
}
