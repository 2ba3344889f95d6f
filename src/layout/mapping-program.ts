/**
 * 31.6 automatic storage path mapping (`Program.cs`, or the extension methods it calls):
 * `AddXperienceCloudStoragePathMapping()` (Xperience's own paths under `~/assets/`, container `default`),
 * `AddStoragePathRegistration(path, PathType.SharedPersistent)`, and `options.ConfigureContainerForPath`
 * setting `setup.ContainerName` for all paths or for one registered path.
 */
import { DEFAULT_CONTAINER, normalizePrefix, type LayoutRule } from '../rules/layout-model.js';
import { containerNameProblem } from '../rules/names.js';
import { isIdent, isPunct, sourceText, splitArgs, stripParens, type CallSite, type Condition, type Token } from './csharp.js';
import { Unresolved, type CodeIndex, type Frame, type SourceFile } from './csharp-values.js';
import { branchOfChain, chainsTo, known, unreadable, type MappingOutput } from './mapping-common.js';

/** The paths Xperience registers itself (media libraries, content item assets, form files…): all under ~/assets/. */
const SYSTEM_PREFIX = 'assets/';
const PATH_TYPES = ['SharedPersistent', 'SharedTemp', 'LocalOnly'];

type ContainerChoice = { container: string; line: number };

export function programMappings(index: CodeIndex, output: MappingOutput): LayoutRule[] {
  const registrations = registeredPaths(index, output);
  const rules: LayoutRule[] = [];
  for (const file of index.files) {
    for (const call of file.code.calls) {
      if (call.name !== 'AddXperienceCloudStoragePathMapping') continue;
      const chains = chainsTo(index, file, call);
      let runs = false;
      for (const chain of chains) {
        if (chain.root.kind === 'ignored') {
          output.notes.push(chain.root.note);
          continue;
        }
        if (branchOfChain(chain, call) === 'cloud') runs = true;
      }
      if (!runs) {
        output.notes.push(`${file.shown}:${call.line}: AddXperienceCloudStoragePathMapping is called only in development (or never); ignored.`);
        continue;
      }
      const containers = containerOptions(index, file, call);
      const paths = [{ prefix: SYSTEM_PREFIX, file, line: call.line, registered: null as string | null }, ...registrations.map((entry) => ({ ...entry, registered: entry.prefix }))];
      for (const entry of paths) {
        const chosen = (entry.registered === null ? undefined : containers.byPath.get(entry.registered)) ?? containers.all;
        const container = chosen?.container ?? DEFAULT_CONTAINER;
        const detail =
          entry.registered === null
            ? `AddXperienceCloudStoragePathMapping: Xperience's own paths under ~/assets/${chosen ? `, container set at line ${chosen.line}` : ', container default'}`
            : `AddStoragePathRegistration, SharedPersistent${chosen ? `, container set at ${entry.file === file ? 'line ' : `${file.shown}:`}${chosen.line}` : ', container default'}`;
        rules.push({ container, prefix: entry.prefix, origin: { kind: 'code', file: entry.file.shown, line: entry.line, detail } });
      }
    }
  }
  return rules;
}

/** `AddStoragePathRegistration(path, PathType.X)` anywhere in the code: the SharedPersistent ones (the others are noted). */
function registeredPaths(index: CodeIndex, output: MappingOutput): Array<{ prefix: string; file: SourceFile; line: number }> {
  const registrations: Array<{ prefix: string; file: SourceFile; line: number }> = [];
  for (const file of index.files) {
    for (const call of file.code.calls) {
      if (call.name !== 'AddStoragePathRegistration') continue;
      const [pathArg, typeArg] = call.args;
      if (pathArg === undefined || typeArg === undefined) throw unreadable(file.shown, call.line, 'AddStoragePathRegistration is called without (path, PathType)');
      const type = typeArg.at(-1);
      const plain = typeArg.length === 1 || (typeArg.length === 3 && isIdent(typeArg[0], 'PathType') && isPunct(typeArg[1], '.'));
      if (type?.kind !== 'ident' || !plain || !PATH_TYPES.includes(type.value)) {
        throw unreadable(file.shown, call.line, `the path type \`${sourceText(typeArg)}\` is not one of PathType.SharedPersistent, SharedTemp, LocalOnly`);
      }
      const projectPath = known(index.evaluate([frameOf(file, call)], 0, pathArg), 'the registered path');
      const prefix = normalizePrefix(projectPath);
      if (prefix === null) throw unreadable(file.shown, call.line, `the registered path "${projectPath}" is not a folder of the project ("~/…")`);
      if (type.value === 'SharedPersistent') registrations.push({ prefix, file, line: call.line });
      else output.notes.push(`${file.shown}:${call.line}: ~/${prefix} is registered as ${type.value}, which a restore does not carry; ignored.`);
    }
  }
  return registrations;
}

function frameOf(file: SourceFile, at: { type: Frame['type']; method: Frame['method'] }): Frame {
  return { file, type: at.type, method: at.method, entry: null };
}

/** Reads `options => { options.ConfigureContainerForPath = (registration, setup) => { … setup.ContainerName = …; }; }`. */
function containerOptions(index: CodeIndex, file: SourceFile, call: CallSite): { all: ContainerChoice | undefined; byPath: Map<string, ContainerChoice> } {
  const result = { all: undefined as ContainerChoice | undefined, byPath: new Map<string, ContainerChoice>() };
  if (call.args.length === 0) return result;
  if (call.args.length > 1) throw unreadable(file.shown, call.line, 'AddXperienceCloudStoragePathMapping is called with more than one argument');
  const arg = call.args[0] as Token[];
  const first = file.code.tokens.indexOf(arg[0] as Token);
  const last = file.code.tokens.indexOf(arg.at(-1) as Token);
  const inside = (at: number) => at >= first && at <= last;
  const assignments = file.code.assignments.filter((assignment) => inside(assignment.at));
  // An expression-bodied options lambda records nothing the reader could check: say so rather than assume defaults.
  if (assignments.length === 0) throw unreadable(file.shown, call.line, `the storage mapping options \`${sourceText(arg)}\` are not in a form kxp-restore reads (options => { options.ConfigureContainerForPath = (registration, setup) => { … }; })`);
  for (const assignment of assignments) {
    const member = assignment.target.at(-1);
    if (member === 'ConfigureContainerForPath') {
      const arrow = assignment.value.findIndex((token) => isPunct(token, '=>'));
      if (arrow === -1 || !isPunct(assignment.value[arrow + 1], '{')) throw unreadable(file.shown, assignment.line, 'ConfigureContainerForPath is not a lambda with a { … } body');
      continue;
    }
    if (member !== 'ContainerName' || assignment.target.length !== 2) {
      throw unreadable(file.shown, assignment.line, `the storage mapping option \`${assignment.target.join('.')}\` is not one kxp-restore reads`);
    }
    const container = known(index.evaluate([frameOf(file, assignment)], 0, assignment.value.filter((token) => !isPunct(token, ';'))), 'the container').toLowerCase();
    const problem = containerNameProblem(container);
    if (problem) throw unreadable(file.shown, assignment.line, `the container "${container}" is not a valid container name (it ${problem})`);
    // Conditions inside the options lambda select registrations; there may be at most one.
    const inner = assignment.conditions.slice(call.conditions.length).filter((condition): condition is Condition => condition !== null);
    if (inner.length === 0) {
      result.all = { container, line: assignment.line };
      continue;
    }
    if (inner.length > 1 || inner[0]?.negated) throw unreadable(file.shown, assignment.line, 'the container is chosen under conditions kxp-restore cannot follow');
    result.byPath.set(registeredPathTest(index, file, call, inner[0] as Condition), { container, line: assignment.line });
  }
  for (const inner of file.code.calls) {
    if (inside(inner.at) && inner.name !== 'Equals') throw unreadable(file.shown, inner.line, `the storage mapping options call ${inner.name}(…), which kxp-restore cannot follow`);
  }
  return result;
}

/** `string.Equals(registration.RegisteredPath, X, …)` or `registration.RegisteredPath == X` → the prefix of X. */
function registeredPathTest(index: CodeIndex, file: SourceFile, call: CallSite, condition: Condition): string {
  const tokens = stripParens(condition.tokens);
  let other: Token[] | undefined;
  const isRegistered = (part: Token[]) => part.at(-1)?.kind === 'ident' && (part.at(-1) as Token).value === 'RegisteredPath';
  const equalsAt = tokens.findIndex((token) => isPunct(token, '=='));
  if (equalsAt > 0) {
    const left = tokens.slice(0, equalsAt);
    const right = tokens.slice(equalsAt + 1);
    other = isRegistered(left) ? right : isRegistered(right) ? left : undefined;
  } else if (isIdent(tokens[2], 'Equals') && isPunct(tokens[3], '(') && isPunct(tokens.at(-1), ')')) {
    const [a, b] = splitArgs(tokens.slice(4, -1));
    if (a && b) other = isRegistered(a) ? b : isRegistered(b) ? a : undefined;
  }
  if (other === undefined) throw unreadable(file.shown, condition.line, `the condition \`${sourceText(condition.tokens)}\` does not compare registration.RegisteredPath with a path`);
  const value = index.evaluate([frameOf(file, call)], 0, other);
  if (value instanceof Unresolved) throw unreadable(file.shown, condition.line, `\`${value.what}\` ${value.why}`);
  const prefix = normalizePrefix(value);
  if (prefix === null) throw unreadable(file.shown, condition.line, `"${value}" is not a folder of the project ("~/…")`);
  return prefix;
}
