/**
 * Just enough C# to read a storage mapping: a tokenizer (strings, verbatim and interpolated strings,
 * comments, identifiers) and a statement walker that records, for every call and assignment, the
 * method it sits in and the `if` conditions around it. It does not type-check or resolve overloads;
 * whatever the reader cannot place with certainty it reports instead of guessing.
 */

export type Token =
  | { kind: 'ident'; value: string; line: number }
  | { kind: 'punct'; value: string; line: number }
  | { kind: 'number'; value: string; line: number }
  | { kind: 'char'; value: string; line: number }
  /** A string literal; `parts` holds text and, for interpolated strings, the tokens of each hole. */
  | { kind: 'string'; value: string; line: number; parts: StringPart[]; raw: boolean };

export type StringPart = { text: string } | { hole: Token[] };

const PUNCTUATION = ['??=', '<<=', '>>=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '::', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '->'];

export class CSharpSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function tokenize(source: string, firstLine = 1): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = firstLine;
  const n = source.length;
  const atLineStart = () => {
    for (let k = i - 1; k >= 0; k--) {
      const c = source[k];
      if (c === '\n') return true;
      if (c !== ' ' && c !== '\t' && c !== '\r') return false;
    }
    return true;
  };
  while (i < n) {
    const c = source[i] as string;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF') {
      i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (let k = i; k < stop; k++) if (source[k] === '\n') line++;
      i = stop;
      continue;
    }
    if (c === '#' && atLineStart()) {
      // Preprocessor directive: the whole line.
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    // Strings: "…", @"…", $"…", $@"…", @$"…", """…""" (raw).
    const stringStart = /^(\$@|@\$|\$|@)?"/.exec(source.slice(i, i + 3));
    if (stringStart) {
      const prefix = stringStart[1] ?? '';
      const token = readString(source, i + prefix.length, prefix.includes('$'), prefix.includes('@'), line);
      tokens.push(token.token);
      line = token.line;
      i = token.end;
      continue;
    }
    if (c === "'") {
      let k = i + 1;
      while (k < n && source[k] !== "'") k += source[k] === '\\' ? 2 : 1;
      tokens.push({ kind: 'char', value: source.slice(i + 1, k), line });
      i = k + 1;
      continue;
    }
    if (/[A-Za-z_@]/.test(c) || c.charCodeAt(0) > 127) {
      let k = i + 1;
      while (k < n && (/[A-Za-z0-9_]/.test(source[k] as string) || (source.charCodeAt(k) > 127 && source[k] !== '\uFEFF'))) k++;
      const word = source.slice(i, k);
      tokens.push({ kind: 'ident', value: word.startsWith('@') ? word.slice(1) : word, line });
      i = k;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let k = i + 1;
      while (k < n && /[0-9A-Za-z_.]/.test(source[k] as string)) k++;
      tokens.push({ kind: 'number', value: source.slice(i, k), line });
      i = k;
      continue;
    }
    const multi = PUNCTUATION.find((p) => source.startsWith(p, i));
    tokens.push({ kind: 'punct', value: multi ?? c, line });
    i += multi?.length ?? 1;
  }
  return tokens;
}

function readString(source: string, quote: number, interpolated: boolean, verbatim: boolean, startLine: number): { token: Token; end: number; line: number } {
  let line = startLine;
  // Raw string literal: three or more quotes.
  let quotes = 0;
  while (source[quote + quotes] === '"') quotes++;
  if (quotes >= 3) {
    const fence = '"'.repeat(quotes);
    const close = source.indexOf(fence, quote + quotes);
    if (close === -1) throw new CSharpSyntaxError('unterminated raw string literal', line);
    const text = source.slice(quote + quotes, close);
    for (const ch of text) if (ch === '\n') line++;
    // Interpolated raw strings ($"""…{x}…""") are left unread: the value is unknown rather than guessed.
    return { token: { kind: 'string', value: text, line: startLine, parts: interpolated ? [{ hole: [] }] : [{ text }], raw: true }, end: close + quotes, line };
  }
  const parts: StringPart[] = [];
  let text = '';
  let i = quote + 1;
  for (;;) {
    if (i >= source.length) throw new CSharpSyntaxError('unterminated string literal', startLine);
    const c = source[i] as string;
    if (c === '\n') {
      if (!verbatim) throw new CSharpSyntaxError('newline in a string literal', line);
      line++;
    }
    if (c === '"') {
      if (verbatim && source[i + 1] === '"') {
        text += '"';
        i += 2;
        continue;
      }
      i++;
      break;
    }
    if (c === '\\' && !verbatim) {
      const next = source[i + 1] ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'", a: '\u0007', b: '\b', f: '\f', v: '\v', e: '\u001b' };
      if (next in simple) {
        text += simple[next];
        i += 2;
        continue;
      }
      if (next === 'u' || next === 'x') {
        const hex = /^[0-9A-Fa-f]{1,4}/.exec(source.slice(i + 2, i + 6))?.[0] ?? '';
        text += String.fromCharCode(parseInt(hex || '0', 16));
        i += 2 + hex.length;
        continue;
      }
      text += next;
      i += 2;
      continue;
    }
    if (interpolated && c === '{') {
      if (source[i + 1] === '{') {
        text += '{';
        i += 2;
        continue;
      }
      if (text) parts.push({ text });
      text = '';
      const close = holeEnd(source, i + 1, line);
      const holeSource = source.slice(i + 1, close.end);
      // A format or alignment (`{x:N2}`, `{x,5}`) makes the value depend on run-time formatting.
      const hole = tokenize(holeSource, line);
      parts.push({ hole: close.formatted ? [] : hole });
      for (const ch of holeSource) if (ch === '\n') line++;
      i = close.end + 1;
      continue;
    }
    if (interpolated && c === '}' && source[i + 1] === '}') {
      text += '}';
      i += 2;
      continue;
    }
    text += c;
    i++;
  }
  if (text || parts.length === 0) parts.push({ text });
  const value = parts.map((part) => ('text' in part ? part.text : '{…}')).join('');
  return { token: { kind: 'string', value, line: startLine, parts, raw: false }, end: i, line };
}

/** The index of the `}` closing an interpolation hole that starts at `start`, skipping nested strings and braces. */
function holeEnd(source: string, start: number, line: number): { end: number; formatted: boolean } {
  let depth = 0;
  let formatted = false;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      const end = source.indexOf('"', i + 1);
      if (end === -1) break;
      i = end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '}') {
      if (depth === 0) return { end: i, formatted };
      depth--;
    } else if ((c === ':' || c === ',') && depth === 0 && source[i + 1] !== ':') formatted = true;
  }
  throw new CSharpSyntaxError('unterminated interpolation hole', line);
}

/** One `if` around a statement: its condition, and whether the statement is in the `else` branch. */
export interface Condition {
  tokens: Token[];
  negated: boolean;
  line: number;
}

export interface MethodInfo {
  name: string;
  params: string[];
  line: number;
}

export interface CallSite {
  name: string;
  /** Identifiers before the name: `StorageHelper` of `StorageHelper.MapStoragePath(…)`. */
  receiver: string[];
  args: Token[][];
  line: number;
  method: MethodInfo | null;
  /** Enclosing conditions, outermost first; a `null` entry marks the start of a lambda body. */
  conditions: Array<Condition | null>;
  /** Index of the name token in the file's token list. */
  at: number;
}

export interface Assignment {
  /** `provider.CustomRootPath` → ['provider', 'CustomRootPath']; `var provider` → ['provider']. */
  target: string[];
  value: Token[];
  modifiers: string[];
  line: number;
  method: MethodInfo | null;
  conditions: Array<Condition | null>;
  at: number;
}

export interface CSharpFile {
  tokens: Token[];
  calls: CallSite[];
  assignments: Assignment[];
}

const STATEMENT_KEYWORDS = new Set(['if', 'while', 'for', 'foreach', 'using', 'lock', 'switch', 'catch', 'fixed', 'return', 'throw', 'new', 'typeof', 'nameof', 'sizeof', 'default', 'checked', 'unchecked', 'when', 'await']);
const DECLARATION_MODIFIERS = new Set(['const', 'static', 'readonly', 'public', 'private', 'protected', 'internal', 'var', 'override', 'virtual', 'sealed', 'new', 'required']);

/** Tokenizes a file and walks its statements, recording calls and assignments with their context. */
export function readCSharp(source: string): CSharpFile {
  const tokens = tokenize(source);
  const file: CSharpFile = { tokens, calls: [], assignments: [] };
  const walker = new Walker(file);
  walker.statements(0, tokens.length, [], null);
  return file;
}

class Walker {
  readonly #file: CSharpFile;
  readonly #tokens: Token[];
  readonly #matching: Map<number, number>;

  constructor(file: CSharpFile) {
    this.#file = file;
    this.#tokens = file.tokens;
    this.#matching = matchBrackets(file.tokens);
  }

  statements(start: number, end: number, conditions: Array<Condition | null>, method: MethodInfo | null): void {
    let i = start;
    while (i < end) i = this.statement(i, end, conditions, method);
  }

  statement(i: number, end: number, conditions: Array<Condition | null>, method: MethodInfo | null): number {
    const tokens = this.#tokens;
    const token = tokens[i];
    if (token === undefined) return end;
    if (isPunct(token, '{')) {
      const close = this.close(i, end);
      this.statements(i + 1, close, conditions, method);
      return close + 1;
    }
    if (isPunct(token, ';')) return i + 1;
    if (isIdent(token, 'else')) return i + 1;
    if (isIdent(token, 'if') && isPunct(tokens[i + 1], '(')) {
      const close = this.close(i + 1, end);
      const condition: Token[] = tokens.slice(i + 2, close);
      this.raw(i + 2, close, conditions, method);
      const line = token.line;
      const thenEnd = this.statement(close + 1, end, [...conditions, { tokens: condition, negated: false, line }], method);
      if (isIdent(tokens[thenEnd], 'else')) return this.statement(thenEnd + 1, end, [...conditions, { tokens: condition, negated: true, line }], method);
      return thenEnd;
    }
    if ((isIdent(token, 'while') || isIdent(token, 'for') || isIdent(token, 'foreach') || isIdent(token, 'using') || isIdent(token, 'lock') || isIdent(token, 'catch') || isIdent(token, 'fixed')) && isPunct(tokens[i + 1], '(')) {
      const close = this.close(i + 1, end);
      this.raw(i + 2, close, conditions, method);
      return this.statement(close + 1, end, conditions, method);
    }
    if (isIdent(token, 'switch') && isPunct(tokens[i + 1], '(')) {
      const close = this.close(i + 1, end);
      this.raw(i + 2, close, conditions, method);
      return this.statement(close + 1, end, conditions, method);
    }
    if (isIdent(token, 'do') || isIdent(token, 'try') || isIdent(token, 'finally') || isIdent(token, 'unsafe') || (isIdent(token, 'checked') && isPunct(tokens[i + 1], '{'))) {
      return this.statement(i + 1, end, conditions, method);
    }
    // Anything else: a declaration or an expression statement, up to `;` or a body `{ … }`.
    let k = i;
    while (k < end) {
      const current = tokens[k] as Token;
      if (isPunct(current, ';')) {
        this.raw(i, k, conditions, method);
        this.assignment(i, k, conditions, method);
        return k + 1;
      }
      if (isPunct(current, '(') || isPunct(current, '[')) {
        k = this.close(k, end) + 1;
        continue;
      }
      if (isPunct(current, '{')) {
        const close = this.close(k, end);
        if (isPunct(tokens[k - 1], '=>')) {
          // A statement lambda assigned at statement level: `x.Y = (a, b) => { … };`
          this.raw(i, k, conditions, method);
          this.assignment(i, k, conditions, method, close);
          this.statements(k + 1, close, [...conditions, null], method);
        } else if (this.isInitializer(i, k)) {
          this.raw(i, close, conditions, method);
        } else {
          const declared = this.methodHeader(i, k);
          // A method header declares its name; it is no call (a constructor's `: base(…)` is of no interest here).
          if (declared === null) this.raw(i, k, conditions, method);
          this.statements(k + 1, close, conditions, declared ?? method);
        }
        if (isPunct(tokens[close + 1], ';')) return close + 2;
        return close + 1;
      }
      if (isPunct(current, '=>') && this.methodHeader(i, k) !== null) {
        // Expression-bodied member: `void M(string p) => StorageHelper.MapStoragePath(p, x);`
        const declared = this.methodHeader(i, k);
        let stop = k + 1;
        while (stop < end && !isPunct(tokens[stop], ';')) stop = isPunct(tokens[stop], '(') || isPunct(tokens[stop], '[') || isPunct(tokens[stop], '{') ? this.close(stop, end) + 1 : stop + 1;
        this.raw(k + 1, stop, conditions, declared);
        return stop + 1;
      }
      k++;
    }
    this.raw(i, end, conditions, method);
    return end;
  }

  /** `new Foo { … }`, `x = { … }`: an initializer, not a body. */
  isInitializer(start: number, brace: number): boolean {
    const before = this.#tokens[brace - 1];
    if (isPunct(before, '=') || isPunct(before, ',') || isPunct(before, '(')) return true;
    for (let k = start; k < brace; k++) if (isIdent(this.#tokens[k], 'new') || isPunct(this.#tokens[k], '=')) return true;
    return false;
  }

  /** A method or constructor header `… Name(params) [: base(…)] [where …]` before a body, or null. */
  methodHeader(start: number, brace: number): MethodInfo | null {
    const tokens = this.#tokens;
    for (let k = start; k < brace; k++) {
      const token = tokens[k] as Token;
      if (isPunct(token, '=') || isIdent(token, 'class') || isIdent(token, 'namespace') || isIdent(token, 'interface') || isIdent(token, 'struct') || isIdent(token, 'record') || isIdent(token, 'enum')) return null;
      if (isPunct(token, '(')) {
        const name = tokens[k - 1];
        if (name?.kind !== 'ident' || STATEMENT_KEYWORDS.has(name.value) || k - 1 < start) return null;
        const close = this.close(k, brace);
        const params = splitArgs(tokens.slice(k + 1, close))
          .map((param) => {
            const beforeDefault = param.findIndex((t) => isPunct(t, '='));
            const head = beforeDefault === -1 ? param : param.slice(0, beforeDefault);
            const last = head.at(-1);
            return last?.kind === 'ident' ? last.value : '';
          })
          .filter((param) => param !== '');
        return { name: name.value, params, line: name.line };
      }
    }
    return null;
  }

  /** Records the calls in a token range (lambda bodies inside arguments are walked as statements). */
  raw(start: number, end: number, conditions: Array<Condition | null>, method: MethodInfo | null): void {
    const tokens = this.#tokens;
    for (let k = start; k < end; k++) {
      const token = tokens[k] as Token;
      if (isPunct(token, '{') && isPunct(tokens[k - 1], '=>')) {
        const close = this.close(k, end);
        this.statements(k + 1, close, [...conditions, null], method);
        k = close;
        continue;
      }
      if (token.kind === 'ident' && isPunct(tokens[k + 1], '(') && !STATEMENT_KEYWORDS.has(token.value) && !isIdent(tokens[k - 1], 'new')) {
        const close = this.close(k + 1, end);
        const receiver: string[] = [];
        for (let back = k - 1; back > 0; back -= 2) {
          const dot = tokens[back];
          const owner = tokens[back - 1];
          if (!(isPunct(dot, '.') || isPunct(dot, '?.')) || owner?.kind !== 'ident') break;
          receiver.unshift(owner.value);
        }
        this.#file.calls.push({ name: token.value, receiver, args: splitArgs(tokens.slice(k + 2, close)), line: token.line, method, conditions, at: k });
      }
    }
  }

  /** Records `target = value` (and `const string X = …`) of a statement spanning [start, end). */
  assignment(start: number, end: number, conditions: Array<Condition | null>, method: MethodInfo | null, valueEnd = end): void {
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
    this.#file.assignments.push({ target, value, modifiers, line: (tokens[equals] as Token).line, method, conditions, at: equals });
  }

  close(open: number, limit: number): number {
    const close = this.#matching.get(open);
    if (close === undefined || close > limit) throw new CSharpSyntaxError(`unbalanced "${(this.#tokens[open] as Token).value}"`, (this.#tokens[open] as Token).line);
    return close;
  }
}

function matchBrackets(tokens: Token[]): Map<number, number> {
  const pairs = new Map<number, number>();
  const stack: number[] = [];
  const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  tokens.forEach((token, index) => {
    if (token.kind !== 'punct') return;
    if (token.value === '(' || token.value === '[' || token.value === '{') stack.push(index);
    else if (token.value in closing) {
      const open = stack.pop();
      if (open === undefined || (tokens[open] as Token).value !== closing[token.value]) throw new CSharpSyntaxError(`unbalanced "${token.value}"`, token.line);
      pairs.set(open, index);
    }
  });
  if (stack.length > 0) {
    const open = tokens[stack[stack.length - 1] as number] as Token;
    throw new CSharpSyntaxError(`"${open.value}" is never closed`, open.line);
  }
  return pairs;
}

/** Splits an argument list at top-level commas. */
export function splitArgs(tokens: Token[]): Token[][] {
  if (tokens.length === 0) return [];
  const args: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct') {
      if (token.value === '(' || token.value === '[' || token.value === '{') depth++;
      else if (token.value === ')' || token.value === ']' || token.value === '}') depth--;
      else if (token.value === ',' && depth === 0) {
        args.push([]);
        continue;
      }
    }
    (args[args.length - 1] as Token[]).push(token);
  }
  return args;
}

export function isPunct(token: Token | undefined, value: string): boolean {
  return token?.kind === 'punct' && token.value === value;
}

export function isIdent(token: Token | undefined, value: string): boolean {
  return token?.kind === 'ident' && token.value === value;
}

/** The tokens as they would read in source (for messages). */
export function sourceText(tokens: Token[]): string {
  let text = '';
  for (const token of tokens) {
    const value = token.kind === 'string' ? JSON.stringify(token.value) : token.value;
    const glue = text === '' || /[.([!]$/.test(text) || /^[.,)\]]/.test(value) || (token.kind === 'punct' && token.value === '(' && /\w$/.test(text)) ? '' : ' ';
    text += glue + value;
  }
  return text;
}
