/**
 * Just enough C# to read a storage mapping: a statement walker over the tokens of csharp-tokens.ts that
 * records every call, assignment and `return` with its context: the type and method it sits in, and the
 * conditions that must hold for it to run (enclosing `if`s, and the guards of earlier early returns in the
 * same block). It does not type-check or resolve overloads; the mapping reader refuses what it cannot place.
 */
import { CSharpSyntaxError, isIdent, MAX_NESTING, isPunct, matchBrackets, splitArgs, tokenize, type Token } from './csharp-tokens.js';
import type { Condition, Context, CSharpFile, MethodInfo, Param, TypeInfo } from './csharp-model.js';

export { CSharpSyntaxError, isIdent, isPunct, sourceText, splitArgs, splitTop, stripParens, type Token } from './csharp-tokens.js';
export type { Assignment, CallSite, Condition, Conditions, CSharpFile, MethodInfo, Param, Return, TypeInfo } from './csharp-model.js';

/** What walking one statement found: where it ends, whether it always leaves the block, and the guard it leaves behind. */
interface Step {
  end: number;
  exits: boolean;
  /** After `if (c) return;` the rest of the block runs only when `c` is false. */
  guard: Condition | null;
}

const STATEMENT_KEYWORDS = new Set(['if', 'while', 'for', 'foreach', 'using', 'lock', 'switch', 'catch', 'fixed', 'return', 'throw', 'new', 'typeof', 'nameof', 'sizeof', 'default', 'checked', 'unchecked', 'when', 'await']);
const DECLARATION_MODIFIERS = new Set(['const', 'static', 'readonly', 'public', 'private', 'protected', 'internal', 'var', 'override', 'virtual', 'sealed', 'new', 'required', 'abstract', 'async', 'extern', 'partial']);
const TYPE_KEYWORDS = new Set(['class', 'struct', 'record', 'interface']);
const EXITS = new Set(['return', 'throw', 'continue', 'break']);

/** Tokenizes a file and walks its statements, recording calls, assignments and returns with their context. */
export function readCSharp(source: string): CSharpFile {
  const tokens = tokenize(source);
  const file: CSharpFile = { tokens, conditionalRegions: conditionalRegions(source), types: [], methods: [], calls: [], assignments: [], returns: [] };
  new Walker(file).statements(0, tokens.length, { type: null, method: null, conditions: [] });
  return file;
}

function conditionalRegions(source: string): CSharpFile['conditionalRegions'] {
  const regions: CSharpFile['conditionalRegions'] = [];
  const open: Array<{ from: number; directive: string }> = [];
  source.split('\n').forEach((text, index) => {
    const directive = /^\s*#\s*(if|endif)\b(.*)$/.exec(text);
    if (directive?.[1] === 'if') open.push({ from: index + 1, directive: `#if${(directive[2] ?? '').trimEnd()}` });
    else if (directive?.[1] === 'endif') {
      const start = open.pop();
      if (start) regions.push({ ...start, to: index + 1 });
    }
  });
  return regions;
}

class Walker {
  readonly #file: CSharpFile;
  readonly #tokens: Token[];
  readonly #matching: Map<number, number>;
  #nesting = 0;

  constructor(file: CSharpFile) {
    this.#file = file;
    this.#tokens = file.tokens;
    this.#matching = matchBrackets(file.tokens);
  }

  /** Walks a block; returns whether its last statement always leaves it. */
  statements(start: number, end: number, context: Context): boolean {
    let conditions = context.conditions;
    let exits = false;
    let i = start;
    while (i < end) {
      const step = this.statement(i, end, { ...context, conditions });
      exits = step.exits;
      if (step.guard !== null) conditions = [...conditions, step.guard];
      i = step.end;
    }
    return exits;
  }

  statement(i: number, end: number, context: Context): Step {
    // Every nested block, branch, loop body and lambda passes here: the one place to bound the recursion.
    if (++this.#nesting > MAX_NESTING) throw new CSharpSyntaxError(`blocks and statements nest more than ${MAX_NESTING} levels deep`, this.#tokens[i]?.line ?? 1);
    try {
      return this.statementAt(i, end, context);
    } finally {
      this.#nesting--;
    }
  }

  statementAt(i: number, end: number, context: Context): Step {
    const tokens = this.#tokens;
    const token = tokens[i];
    const plain = (to: number, exits = false): Step => ({ end: to, exits, guard: null });
    if (token === undefined) return plain(end);
    if (isPunct(token, '{')) {
      const close = this.close(i, end);
      return plain(close + 1, this.statements(i + 1, close, context));
    }
    if (isPunct(token, ';') || isIdent(token, 'else')) return plain(i + 1);
    if (isIdent(token, 'if') && isPunct(tokens[i + 1], '(')) {
      const close = this.close(i + 1, end);
      const condition = tokens.slice(i + 2, close);
      this.raw(i + 2, close, context);
      const line = token.line;
      const when = (negated: boolean): Context => ({ ...context, conditions: [...context.conditions, { tokens: condition, negated, line }] });
      const then = this.statement(close + 1, end, when(false));
      if (!isIdent(tokens[then.end], 'else')) return { end: then.end, exits: false, guard: then.exits ? { tokens: condition, negated: true, line } : null };
      const otherwise = this.statement(then.end + 1, end, when(true));
      const guard = then.exits && !otherwise.exits ? { tokens: condition, negated: true, line } : otherwise.exits && !then.exits ? { tokens: condition, negated: false, line } : null;
      return { end: otherwise.end, exits: then.exits && otherwise.exits, guard };
    }
    if (isIdent(token, 'switch') && isPunct(tokens[i + 1], '(')) {
      // Each case runs only for some values of the switch expression: a condition the reader must be able to read.
      const close = this.close(i + 1, end);
      this.raw(i + 2, close, context);
      const on: Condition = { tokens: tokens.slice(i + 2, close), negated: false, line: token.line };
      return plain(this.statement(close + 1, end, { ...context, conditions: [...context.conditions, on] }).end);
    }
    if (['while', 'for', 'foreach', 'using', 'lock', 'catch', 'fixed'].some((word) => isIdent(token, word)) && isPunct(tokens[i + 1], '(')) {
      const close = this.close(i + 1, end);
      this.raw(i + 2, close, context);
      // A loop's body may run zero times and its early exits leave only the loop: nothing carries out of it.
      return plain(this.statement(close + 1, end, context).end);
    }
    if (isIdent(token, 'do') || isIdent(token, 'try') || isIdent(token, 'finally') || isIdent(token, 'unsafe') || (isIdent(token, 'checked') && isPunct(tokens[i + 1], '{'))) {
      return plain(this.statement(i + 1, end, context).end);
    }
    if (token.kind === 'ident' && EXITS.has(token.value)) {
      const stop = this.statementEnd(i + 1, end);
      this.raw(i + 1, stop, context);
      if (token.value === 'return') this.#file.returns.push({ ...context, value: tokens.slice(i + 1, stop), line: token.line });
      return plain(stop + 1, true);
    }
    return this.declarationOrExpression(i, end, context);
  }

  /** A declaration or an expression statement, up to `;` or a body `{ … }`. */
  declarationOrExpression(i: number, end: number, context: Context): Step {
    const tokens = this.#tokens;
    const plain = (to: number): Step => ({ end: to, exits: false, guard: null });
    let k = i;
    while (k < end) {
      const current = tokens[k] as Token;
      if (isPunct(current, ';')) {
        this.raw(i, k, context);
        this.assignment(i, k, context);
        return plain(k + 1);
      }
      if (isPunct(current, '(') || isPunct(current, '[')) {
        k = this.close(k, end) + 1;
        continue;
      }
      if (isPunct(current, '{')) {
        const close = this.close(k, end);
        const after = isPunct(tokens[close + 1], ';') ? close + 2 : close + 1;
        if (isPunct(tokens[k - 1], '=>')) {
          // A statement lambda assigned at statement level: `x.Y = (a, b) => { … };`
          this.raw(i, k, context);
          this.assignment(i, k, context, close);
          this.statements(k + 1, close, { ...context, conditions: [...context.conditions, null] });
          return plain(after);
        }
        if (this.isInitializer(i, k)) {
          this.raw(i, close, context);
          return plain(after);
        }
        const type = this.typeHeader(i, k);
        if (type !== null) {
          this.#file.types.push(type);
          this.statements(k + 1, close, { type, method: null, conditions: [] });
          return plain(after);
        }
        const declared = this.methodHeader(i, k, context) ?? this.propertyHeader(i, k, context);
        // A method header declares its name; it is no call (a constructor's `: base(…)` is of no interest here).
        if (declared === null) this.raw(i, k, context);
        else this.#file.methods.push(declared);
        this.statements(k + 1, close, declared === null ? context : { ...context, method: declared, conditions: [] });
        return plain(after);
      }
      if (isPunct(current, '=>')) {
        const declared = this.methodHeader(i, k, context) ?? this.propertyHeader(i, k, context) ?? this.accessorHeader(i, k, context);
        if (declared !== null) {
          // Expression-bodied member: `string Name => "x";`, `void M(string p) => StorageHelper.MapStoragePath(p, x);`
          const stop = this.statementEnd(k + 1, end);
          if (declared !== context.method) this.#file.methods.push(declared);
          const inner = { ...context, method: declared, conditions: [] };
          this.raw(k + 1, stop, inner);
          this.#file.returns.push({ ...inner, value: tokens.slice(k + 1, stop), line: current.line });
          return plain(stop + 1);
        }
      }
      k++;
    }
    this.raw(i, end, context);
    return plain(end);
  }

  /** The index of the `;` ending the statement that continues at `from` (brackets skipped). */
  statementEnd(from: number, end: number): number {
    let stop = from;
    while (stop < end && !isPunct(this.#tokens[stop], ';')) stop = isPunct(this.#tokens[stop], '(') || isPunct(this.#tokens[stop], '[') || isPunct(this.#tokens[stop], '{') ? this.close(stop, end) + 1 : stop + 1;
    return stop;
  }

  /** `new Foo { … }`, `x = { … }`: an initializer, not a body (brackets such as a parameter default are skipped). */
  isInitializer(start: number, brace: number): boolean {
    const before = this.#tokens[brace - 1];
    if (isPunct(before, '=') || isPunct(before, ',') || isPunct(before, '(')) return true;
    for (let k = start; k < brace; k++) {
      const token = this.#tokens[k];
      if (isPunct(token, '(') || isPunct(token, '[')) k = this.close(k, brace);
      else if (isIdent(token, 'new') || isPunct(token, '=')) return true;
    }
    return false;
  }

  /** `[attributes] modifiers class Name<T>(…) : Base, IFace where …` before a body, or null. */
  typeHeader(start: number, brace: number): TypeInfo | null {
    const tokens = this.#tokens;
    for (let k = start; k < brace; k++) {
      if (isPunct(tokens[k], '[') || isPunct(tokens[k], '(')) {
        k = this.close(k, brace);
        continue;
      }
      const keyword = tokens[k] as Token;
      if (keyword.kind !== 'ident' || !TYPE_KEYWORDS.has(keyword.value)) continue;
      const name = tokens[k + 1];
      if (name?.kind !== 'ident') return null;
      const bases: string[] = [];
      let depth = 0;
      let colon = false;
      let expectName = false;
      for (let b = k + 2; b < brace; b++) {
        const token = tokens[b] as Token;
        if (isPunct(token, '(') && depth === 0 && !colon) {
          b = this.close(b, brace);
          continue;
        }
        if (isPunct(token, '<')) depth++;
        else if (isPunct(token, '>')) depth--;
        else if (depth === 0 && isPunct(token, ':') && !colon) colon = expectName = true;
        else if (depth === 0 && isPunct(token, ',')) expectName = colon;
        else if (depth === 0 && isIdent(token, 'where')) break;
        else if (expectName && token.kind === 'ident' && !isPunct(tokens[b + 1], '.')) {
          bases.push(token.value);
          expectName = false;
        }
      }
      return { name: name.value, bases, line: name.line };
    }
    return null;
  }

  /** A method, constructor or local function header `… Name(params) [: base(…)] [where …]`, or null. */
  methodHeader(start: number, stop: number, context: Context): MethodInfo | null {
    const tokens = this.#tokens;
    for (let k = start; k < stop; k++) {
      const token = tokens[k] as Token;
      if (isPunct(token, '[') && k === start) {
        k = this.close(k, stop);
        start = k + 1;
        continue;
      }
      if (isPunct(token, '=') || isIdent(token, 'namespace') || isIdent(token, 'enum') || (token.kind === 'ident' && TYPE_KEYWORDS.has(token.value))) return null;
      if (isPunct(token, '(')) {
        const nameAt = k - 1 - this.typeParameterLength(k - 1, start);
        const name = tokens[nameAt];
        if (name?.kind !== 'ident' || STATEMENT_KEYWORDS.has(name.value) || nameAt < start) return null;
        const close = this.close(k, stop);
        const params = splitArgs(tokens.slice(k + 1, close)).flatMap((param): Param[] => {
          const equals = param.findIndex((t) => isPunct(t, '='));
          const head = equals === -1 ? param : param.slice(0, equals);
          const last = head.at(-1);
          return last?.kind === 'ident' ? [{ name: last.value, defaultValue: equals === -1 ? null : param.slice(equals + 1) }] : [];
        });
        const modifiers = tokens.slice(start, nameAt).filter((t) => t.kind === 'ident' && DECLARATION_MODIFIERS.has(t.value)).map((t) => t.value);
        const kind = name.value === context.type?.name && context.method === null ? 'constructor' : 'method';
        return { name: name.value, kind, params, modifiers, type: context.type, line: name.line };
      }
    }
    return null;
  }

  /** The number of tokens of a type parameter list `<T, U>` ending at `end` (0 when there is none). */
  typeParameterLength(end: number, start: number): number {
    if (!isPunct(this.#tokens[end], '>')) return 0;
    let depth = 0;
    for (let k = end; k >= start; k--) {
      if (isPunct(this.#tokens[k], '>')) depth++;
      else if (isPunct(this.#tokens[k], '<') && --depth === 0) return end - k + 1;
    }
    return 0;
  }

  /** The number of tokens of type arguments `<object, List<int>>` starting at `start` (0 when there are none). */
  typeArgumentLength(start: number, end: number): number {
    if (!isPunct(this.#tokens[start], '<')) return 0;
    let depth = 0;
    for (let k = start; k < end; k++) {
      const token = this.#tokens[k] as Token;
      if (isPunct(token, '<')) depth++;
      else if (isPunct(token, '>') && --depth === 0) return k - start + 1;
      else if (token.kind !== 'ident' && !['.', ',', '?', '[', ']'].some((value) => isPunct(token, value))) return 0;
    }
    return 0;
  }

  /** A property of a type: `modifiers Type Name { … }` or `Type Name => …` directly in a type body. */
  propertyHeader(start: number, stop: number, context: Context): MethodInfo | null {
    if (context.type === null || context.method !== null || stop - start < 2) return null;
    const tokens = this.#tokens.slice(start, stop);
    const name = tokens.at(-1);
    if (name?.kind !== 'ident' || tokens.some((t) => isPunct(t, '=') || isPunct(t, '(') || (t.kind === 'ident' && (TYPE_KEYWORDS.has(t.value) || t.value === 'namespace' || t.value === 'enum')))) return null;
    const modifiers = tokens.filter((t) => t.kind === 'ident' && DECLARATION_MODIFIERS.has(t.value)).map((t) => t.value);
    return { name: name.value, kind: 'property', params: [], modifiers, type: context.type, line: name.line };
  }

  /** `get => …;` inside a property body: the property itself. */
  accessorHeader(start: number, stop: number, context: Context): MethodInfo | null {
    return context.method?.kind === 'property' && stop === start + 1 && isIdent(this.#tokens[start], 'get') ? context.method : null;
  }

  /** Records the calls in a token range (lambda bodies inside arguments are walked as statements). */
  raw(start: number, end: number, context: Context): void {
    const tokens = this.#tokens;
    for (let k = start; k < end; k++) {
      const token = tokens[k] as Token;
      if (isPunct(token, '{') && isPunct(tokens[k - 1], '=>')) {
        const close = this.close(k, end);
        this.statements(k + 1, close, { ...context, conditions: [...context.conditions, null] });
        k = close;
        continue;
      }
      const open = token.kind === 'ident' ? k + 1 + this.typeArgumentLength(k + 1, end) : -1;
      if (token.kind === 'ident' && isPunct(tokens[open], '(') && !STATEMENT_KEYWORDS.has(token.value) && !isIdent(tokens[k - 1], 'new')) {
        const close = this.close(open, end);
        const receiver: string[] = [];
        for (let back = k - 1; back > 0; back -= 2) {
          const dot = tokens[back];
          const owner = tokens[back - 1];
          if (!(isPunct(dot, '.') || isPunct(dot, '?.')) || owner?.kind !== 'ident') break;
          receiver.unshift(owner.value);
        }
        // `.Name(` after a call or an index (`services.AddA().AddB()`): a member of some value, never of this type.
        if (receiver.length === 0 && (isPunct(tokens[k - 1], '.') || isPunct(tokens[k - 1], '?.'))) receiver.push('(value)');
        this.#file.calls.push({ ...context, name: token.value, receiver, args: splitArgs(tokens.slice(open + 1, close)), line: token.line, at: k });
      }
    }
  }

  /** Records `target = value` (and `const string X = …`) of a statement spanning [start, end). */
  assignment(start: number, end: number, context: Context, valueEnd = end): void {
    const tokens = this.#tokens;
    let equals = -1;
    for (let k = start; k < end; k++) {
      const token = tokens[k] as Token;
      if (isPunct(token, '(') || isPunct(token, '[')) {
        k = this.close(k, end);
        continue;
      }
      if (isPunct(token, '=')) {
        equals = k;
        break;
      }
    }
    if (equals <= start) return;
    const left = tokens.slice(start, equals);
    const modifiers = left.filter((token) => token.kind === 'ident' && DECLARATION_MODIFIERS.has(token.value)).map((token) => token.value);
    // The target: the trailing `a.b.c` chain of the left side.
    const target: string[] = [];
    for (let k = left.length - 1; k >= 0; k -= 2) {
      const name = left[k];
      if (name?.kind !== 'ident') break;
      target.unshift(name.value);
      if (!isPunct(left[k - 1], '.')) break;
    }
    if (target.length === 0) return;
    const value = tokens.slice(equals + 1, valueEnd === end ? end : valueEnd + 1);
    this.#file.assignments.push({ ...context, target, value, modifiers, line: (tokens[equals] as Token).line, at: equals });
  }

  close(open: number, limit: number): number {
    const close = this.#matching.get(open);
    if (close === undefined || close > limit) throw new CSharpSyntaxError(`unbalanced "${(this.#tokens[open] as Token).value}"`, (this.#tokens[open] as Token).line);
    return close;
  }
}
