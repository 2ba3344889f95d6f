/**
 * The C# tokenizer of the storage mapping reader: strings (verbatim, interpolated, raw), comments,
 * preprocessor lines, identifiers, numbers and punctuation, each token with its line; and the small
 * token-list helpers the walker and the mapping reader share.
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

/**
 * How deep blocks, statements and interpolated strings may nest. Real code stays far below; a file past it
 * is refused as unreadable instead of running the recursive reader out of stack (a RangeError).
 */
export const MAX_NESTING = 200;

/** `nesting`: how many interpolated strings this source sits in (a hole's code is tokenized on its own). */
export function tokenize(source: string, firstLine = 1, nesting = 0): Token[] {
  if (nesting > MAX_NESTING) throw new CSharpSyntaxError(`interpolated strings nest more than ${MAX_NESTING} levels deep`, firstLine);
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
      const token = readString(source, i + prefix.length, prefix.includes('$'), prefix.includes('@'), line, nesting);
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

function readString(source: string, quote: number, interpolated: boolean, verbatim: boolean, startLine: number, nesting: number): { token: Token; end: number; line: number } {
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
      const hole = tokenize(holeSource, line, nesting + 1);
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

export function matchBrackets(tokens: Token[]): Map<number, number> {
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
    const glue = text === '' || /[.([!]$/.test(text) || /^[.,)\]]/.test(value) || (token.kind === 'punct' && (token.value === '(' || token.value === '[') && /\w$/.test(text)) ? '' : ' ';
    text += glue + value;
  }
  return text;
}

/** Removes parentheses that wrap the whole expression: `((a + b))` → `a + b`. */
export function stripParens(tokens: Token[]): Token[] {
  let rest = tokens;
  while (rest.length >= 2 && isPunct(rest[0], '(') && isPunct(rest.at(-1), ')') && enclosing(rest)) rest = rest.slice(1, -1);
  return rest;
}

/** Whether the first `(` closes at the last token (so the parentheses wrap everything). */
function enclosing(tokens: Token[]): boolean {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (isPunct(token, '(')) depth++;
    else if (isPunct(token, ')')) {
      depth--;
      if (depth === 0) return i === tokens.length - 1;
    }
  }
  return false;
}

/** Splits at a top-level binary operator: `a + (b + c)` at `+` → `a`, `(b + c)`. */
export function splitTop(tokens: Token[], operator: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (isPunct(token, '(') || isPunct(token, '[') || isPunct(token, '{')) depth++;
    else if (isPunct(token, ')') || isPunct(token, ']') || isPunct(token, '}')) depth--;
    else if (depth === 0 && isPunct(token, operator)) {
      parts.push([]);
      continue;
    }
    (parts[parts.length - 1] as Token[]).push(token);
  }
  return parts;
}
