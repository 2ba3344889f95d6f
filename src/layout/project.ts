/**
 * Reads a project's storage mapping from its C# code:
 * - `StorageInitializationModule`-style modules: `StorageHelper.MapStoragePath(path, provider)` with a
 *   provider from `AzureStorageProvider.Create()` and its `CustomRootPath` (the container), directly or
 *   through helpers such as `MapAzureStoragePath(path[, containerName])`, in the cloud branch of
 *   `IsQa()`/`IsUat()`/`IsProduction()`/`IsEnvironment(…)` conditions;
 * - 31.6 automatic mapping in `Program.cs`: `AddXperienceCloudStoragePathMapping()` (Xperience's own
 *   paths under `~/assets/`, container `default`), `AddStoragePathRegistration(path, PathType.SharedPersistent)`
 *   and `options.ConfigureContainerForPath` setting `setup.ContainerName` for a registered path.
 * `const string` values and simple interpolation are resolved. Anything else that touches the mapping is
 * reported with its file and line (LAYOUT_UNREADABLE), never guessed.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { containerNameProblem } from '../rules/names.js';
import { CSharpSyntaxError, isIdent, isPunct, readCSharp, sourceText, splitArgs, type Assignment, type CallSite, type Condition, type CSharpFile, type MethodInfo, type Token } from './csharp.js';
import { DEFAULT_CONTAINER, DEFAULT_STORAGE_ASSETS_DIR, layoutConflicts, normalizePrefix, uniqueRules, type Layout, type LayoutRule } from '../rules/layout-model.js';

/** Folders never searched for code: build output, packages, and the (possibly huge) file folders themselves. */
const SKIPPED_FOLDERS = new Set(['bin', 'obj', 'node_modules', 'packages', 'assets', 'wwwroot', 'app_data', '$storageassets', '$cdrepository', 'azurecache', 'azuretemp']);
/** Only files that mention one of these are parsed. */
const KEYWORDS = /MapStoragePath|AzureStorageProvider|AddXperienceCloudStoragePathMapping|AddStoragePathRegistration/;
const CONSTANTS = /\bconst\s+string\b|\bstatic\s+readonly\s+string\b/;
const CLOUD_ENVIRONMENT_NAMES = new Set(['qa', 'uat', 'production', 'staging', 'custom']);
/** The paths Xperience registers itself (media libraries, content item assets, form files…): all under ~/assets/. */
const SYSTEM_PREFIX = 'assets/';

interface SourceFile {
  shown: string;
  code: CSharpFile;
}

type Branch = 'cloud' | 'development' | 'unknown';

export interface ReadProjectOptions {
  cwd?: string;
  signal?: AbortSignal;
}

export async function readProjectLayout(projectDir: string, options: ReadProjectOptions = {}): Promise<Layout> {
  const cwd = options.cwd ?? process.cwd();
  const root = path.resolve(cwd, projectDir);
  const show = (absolute: string) => path.relative(cwd, absolute).split(path.sep).join('/') || '.';
  const files: SourceFile[] = [];
  for (const file of await findSources(root, options.signal)) {
    const text = await readFile(file, 'utf8');
    const mapping = KEYWORDS.test(text);
    // Files without mapping calls are read only for the constants a mapping may use.
    if (!mapping && !CONSTANTS.test(text)) continue;
    try {
      files.push({ shown: show(file), code: readCSharp(text) });
    } catch (cause) {
      if (!(cause instanceof CSharpSyntaxError)) throw cause;
      if (mapping) throw unreadable(show(file), cause.line, `cannot be read as C# (${cause.message})`);
    }
  }
  const reader = new MappingReader(files);
  const rules = uniqueRules([...reader.moduleRules(), ...reader.programRules()]);
  if (rules.length === 0) {
    throw new KxpError('LAYOUT_UNREADABLE', `Found no storage mapping in the C# code of ${show(root)}: no StorageHelper.MapStoragePath to an Azure provider and no AddXperienceCloudStoragePathMapping in the cloud environments.`, {
      path: show(root),
      hint: 'Check that --project names the project folder (the one with the .csproj). If the mapping lives elsewhere, describe it in a layout file and pass --layout FILE (see docs/layout.md).',
    });
  }
  const conflicts = layoutConflicts(rules);
  if (conflicts.length > 0) {
    throw new KxpError('LAYOUT_UNREADABLE', `The storage mapping of ${show(root)} maps one path to two containers: ${conflicts[0]}.`, {
      path: show(root),
      hint: 'Pass the layout the cloud environments really use with --layout FILE (see docs/layout.md).',
    });
  }
  return { source: 'project', from: show(root), rules, storageAssetsDir: reader.storageAssetsDir ?? DEFAULT_STORAGE_ASSETS_DIR, notes: reader.notes };
}

async function findSources(root: string, signal?: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      if (dir === root) {
        const code = (cause as NodeJS.ErrnoException).code;
        throw new KxpError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `The project folder ${root} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`, { path: root, hint: 'Pass the folder of the Xperience project (the one with the .csproj) to --project.', cause });
      }
      return; // an unreadable subfolder holds no mapping we could read anyway
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (depth < 8 && !entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name.toLowerCase())) await walk(path.join(dir, entry.name), depth + 1);
      } else if (entry.isFile() && entry.name.endsWith('.cs')) {
        found.push(path.join(dir, entry.name));
      }
    }
  };
  await walk(root, 0);
  return found;
}

function unreadable(file: string, line: number, what: string): KxpError {
  return new KxpError('LAYOUT_UNREADABLE', `${file}:${line}: ${what}; kxp-restore cannot tell the storage layout from the code with certainty.`, {
    path: `${file}:${line}`,
    hint: 'Describe the layout your cloud environments use in a layout file and pass --layout FILE, e.g. { "containers": { "default": ["assets/"] } } (see docs/layout.md; `kxp-restore layout --from-export` can learn it from a deployed environment).',
  });
}

/** A value that depends on parameters of the method it is in. */
class NeedsBinding {
  constructor(readonly method: MethodInfo) {}
}

class MappingReader {
  readonly notes: string[] = [];
  storageAssetsDir: string | undefined;
  readonly #files: SourceFile[];
  readonly #constants = new Map<string, Array<{ assignment: Assignment; file: SourceFile }>>();

  constructor(files: SourceFile[]) {
    this.#files = files;
    for (const file of files) {
      for (const assignment of file.code.assignments) {
        const constant = assignment.modifiers.includes('const') || (assignment.modifiers.includes('static') && assignment.modifiers.includes('readonly'));
        if (!constant || assignment.target.length !== 1) continue;
        const name = assignment.target[0] as string;
        const list = this.#constants.get(name) ?? [];
        list.push({ assignment, file });
        this.#constants.set(name, list);
      }
    }
  }

  /** Rules from `StorageHelper.MapStoragePath` calls with an Azure provider, in the cloud branch. */
  moduleRules(): LayoutRule[] {
    const rules: LayoutRule[] = [];
    for (const file of this.#files) {
      for (const call of file.code.calls) {
        if (call.name !== 'MapStoragePath') continue;
        if (call.args.length !== 2) throw unreadable(file.shown, call.line, `MapStoragePath is called with ${call.args.length} arguments, not (path, provider)`);
        const provider = this.provider(file, call);
        for (const site of this.expand(file, call, [call.args[0] as Token[], provider.root ?? []], 0)) {
          const [projectPath, root] = site.values;
          const branch = this.branch(site.conditions);
          if (branch.kind === 'unknown') throw unreadable(site.file.shown, branch.line, `cannot tell whether the condition \`${branch.text}\` selects the cloud environments or development`);
          const prefix = normalizePrefix(projectPath ?? '');
          if (prefix === null) throw unreadable(site.file.shown, site.line, `the mapped path "${projectPath}" is not a folder of the project ("~/…")`);
          if (provider.kind === 'local') {
            if (branch.kind === 'development' && root) this.learnStorageAssetsDir(root, prefix);
            continue;
          }
          if (branch.kind === 'development') {
            this.notes.push(`${site.file.shown}:${site.line}: ~/${prefix} is mapped to Azure only in development; ignored.`);
            continue;
          }
          if (root === undefined || provider.root === null) throw unreadable(file.shown, provider.line, 'the Azure storage provider gets no CustomRootPath, so its container is not named in the code');
          const container = root.toLowerCase();
          const problem = containerNameProblem(container);
          if (problem) throw unreadable(site.file.shown, site.line, `the container "${root}" is not a valid container name (it ${problem})`);
          rules.push({ container, prefix, origin: { kind: 'code', file: site.file.shown, line: site.line, detail: site.via } });
        }
      }
    }
    return rules;
  }

  /** Rules from 31.6 automatic storage path mapping in Program.cs (or the extension methods it calls). */
  programRules(): LayoutRule[] {
    const rules: LayoutRule[] = [];
    for (const file of this.#files) {
      const registrations: Array<{ prefix: string; line: number }> = [];
      for (const call of file.code.calls) {
        if (call.name !== 'AddStoragePathRegistration') continue;
        const [pathArg, typeArg] = call.args;
        if (pathArg === undefined || typeArg === undefined) throw unreadable(file.shown, call.line, 'AddStoragePathRegistration is called without (path, PathType)');
        const type = typeArg.at(-1);
        const pathTypes = ['SharedPersistent', 'SharedTemp', 'LocalOnly'];
        const plain = typeArg.length === 1 || (typeArg.length === 3 && isIdent(typeArg[0], 'PathType') && isPunct(typeArg[1], '.'));
        if (type?.kind !== 'ident' || !plain || !pathTypes.includes(type.value)) {
          throw unreadable(file.shown, call.line, `the path type \`${sourceText(typeArg)}\` is not one of PathType.SharedPersistent, SharedTemp, LocalOnly`);
        }
        const projectPath = this.mustEvaluate(file, call, pathArg);
        const prefix = normalizePrefix(projectPath);
        if (prefix === null) throw unreadable(file.shown, call.line, `the registered path "${projectPath}" is not a folder of the project ("~/…")`);
        if (type.value === 'SharedPersistent') registrations.push({ prefix, line: call.line });
        else this.notes.push(`${file.shown}:${call.line}: ~/${prefix} is registered as ${type.value}, which a restore does not carry; ignored.`);
      }
      for (const call of file.code.calls) {
        if (call.name !== 'AddXperienceCloudStoragePathMapping') continue;
        const branch = this.branch(call.conditions);
        if (branch.kind === 'unknown') throw unreadable(file.shown, branch.line, `cannot tell whether the condition \`${branch.text}\` selects the cloud environments or development`);
        if (branch.kind === 'development') {
          this.notes.push(`${file.shown}:${call.line}: AddXperienceCloudStoragePathMapping is called only in development; ignored.`);
          continue;
        }
        const containers = this.containerOptions(file, call);
        const paths = [{ prefix: SYSTEM_PREFIX, line: call.line, registered: null as string | null }, ...registrations.map((entry) => ({ ...entry, registered: entry.prefix }))];
        for (const entry of paths) {
          const chosen = (entry.registered === null ? undefined : containers.byPath.get(entry.registered)) ?? containers.all;
          const container = chosen?.container ?? DEFAULT_CONTAINER;
          const detail =
            entry.registered === null
              ? `AddXperienceCloudStoragePathMapping: Xperience's own paths under ~/assets/${chosen ? `, container set at line ${chosen.line}` : ', container default'}`
              : `AddStoragePathRegistration, SharedPersistent${chosen ? `, container set at line ${chosen.line}` : ', container default'}`;
          rules.push({ container, prefix: entry.prefix, origin: { kind: 'code', file: file.shown, line: entry.line, detail } });
        }
      }
    }
    return rules;
  }

  /** Reads `options => { options.ConfigureContainerForPath = (registration, setup) => { … setup.ContainerName = …; }; }`. */
  containerOptions(file: SourceFile, call: CallSite): { all: { container: string; line: number } | undefined; byPath: Map<string, { container: string; line: number }> } {
    const result = { all: undefined as { container: string; line: number } | undefined, byPath: new Map<string, { container: string; line: number }>() };
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
      const container = this.mustEvaluate(file, assignment, assignment.value.filter((token) => !isPunct(token, ';'))).toLowerCase();
      const problem = containerNameProblem(container);
      if (problem) throw unreadable(file.shown, assignment.line, `the container "${container}" is not a valid container name (it ${problem})`);
      // Conditions inside the options lambda select registrations; there may be at most one.
      const inner = assignment.conditions.slice(call.conditions.length).filter((condition): condition is Condition => condition !== null);
      if (inner.length === 0) {
        result.all = { container, line: assignment.line };
        continue;
      }
      if (inner.length > 1 || inner[0]?.negated) throw unreadable(file.shown, assignment.line, 'the container is chosen under conditions kxp-restore cannot follow');
      const registered = this.registeredPathTest(file, inner[0] as Condition);
      result.byPath.set(registered, { container, line: assignment.line });
    }
    for (const inner of file.code.calls) {
      if (inside(inner.at) && inner.name !== 'Equals') throw unreadable(file.shown, inner.line, `the storage mapping options call ${inner.name}(…), which kxp-restore cannot follow`);
    }
    return result;
  }

  /** `string.Equals(registration.RegisteredPath, X, …)` or `registration.RegisteredPath == X` → the prefix of X. */
  registeredPathTest(file: SourceFile, condition: Condition): string {
    const tokens = stripParens(condition.tokens);
    let other: Token[] | undefined;
    const isRegistered = (part: Token[]) => part.at(-1)?.kind === 'ident' && (part.at(-1) as Token).value === 'RegisteredPath';
    const equalsAt = tokens.findIndex((token) => isPunct(token, '=='));
    if (equalsAt > 0) {
      const left = tokens.slice(0, equalsAt);
      const right = tokens.slice(equalsAt + 1);
      other = isRegistered(left) ? right : isRegistered(right) ? left : undefined;
    } else if (isIdent(tokens[2], 'Equals') && isPunct(tokens[3], '(') && isPunct(tokens.at(-1), ')')) {
      const args = splitArgs(tokens.slice(4, -1));
      const [a, b] = args;
      if (a && b) other = isRegistered(a) ? b : isRegistered(b) ? a : undefined;
    }
    if (other === undefined) throw unreadable(file.shown, condition.line, `the condition \`${sourceText(condition.tokens)}\` does not compare registration.RegisteredPath with a path`);
    const value = this.evaluate(file, null, other, {});
    if (typeof value !== 'string') throw unreadable(file.shown, condition.line, `\`${sourceText(other)}\` is not a constant kxp-restore can resolve`);
    const prefix = normalizePrefix(value);
    if (prefix === null) throw unreadable(file.shown, condition.line, `"${value}" is not a folder of the project ("~/…")`);
    return prefix;
  }

  /** The provider variable of a MapStoragePath call: Azure or local, and the expression of its CustomRootPath. */
  provider(file: SourceFile, call: CallSite): { kind: 'azure' | 'local'; root: Token[] | null; line: number } {
    const arg = call.args[1] as Token[];
    const kindOf = (tokens: Token[]): 'azure' | 'local' | null => {
      if (tokens.some((token) => isIdent(token, 'AzureStorageProvider'))) return 'azure';
      if (tokens.some((token) => isIdent(token, 'CreateFileSystemStorageProvider'))) return 'local';
      return null;
    };
    if (arg.length !== 1 || arg[0]?.kind !== 'ident') {
      const kind = kindOf(arg);
      if (kind === 'local') return { kind, root: null, line: call.line };
      throw unreadable(file.shown, call.line, `the provider \`${sourceText(arg)}\` is not a variable kxp-restore can follow`);
    }
    const variable = arg[0].value;
    const sameMethod = (assignment: Assignment) => assignment.method === call.method;
    const created = file.code.assignments.filter((assignment) => sameMethod(assignment) && assignment.target.length === 1 && assignment.target[0] === variable);
    if (created.length !== 1) throw unreadable(file.shown, call.line, `the provider ${variable} is ${created.length === 0 ? 'not created in the same method' : 'assigned more than once'}`);
    const kind = kindOf((created[0] as Assignment).value);
    if (kind === null) throw unreadable(file.shown, (created[0] as Assignment).line, `the provider ${variable} is \`${sourceText((created[0] as Assignment).value)}\`, neither AzureStorageProvider.Create() nor a file system provider`);
    const roots = file.code.assignments.filter((assignment) => sameMethod(assignment) && assignment.target.length === 2 && assignment.target[0] === variable && assignment.target[1] === 'CustomRootPath');
    if (roots.length > 1) throw unreadable(file.shown, (roots[1] as Assignment).line, `${variable}.CustomRootPath is set more than once`);
    const root = roots[0];
    return { kind, root: root ? root.value : null, line: root?.line ?? (created[0] as Assignment).line };
  }

  /**
   * The concrete values of `expressions` at every place the mapping takes effect: where they are
   * constants, the call itself; where they use parameters of a helper, each call of that helper.
   */
  expand(file: SourceFile, call: CallSite | { line: number; method: MethodInfo | null; conditions: Array<Condition | null>; name: string }, expressions: Token[][], depth: number, bindings: Record<string, string | undefined> = {}):
    Array<{ file: SourceFile; line: number; values: Array<string | undefined>; conditions: Array<Condition | null>; via: string }> {
    const values: Array<string | undefined> = [];
    let needs: MethodInfo | null = null;
    for (const expression of expressions) {
      if (expression.length === 0) {
        values.push(undefined);
        continue;
      }
      const value = this.evaluate(file, call.method, expression, bindings);
      if (value instanceof NeedsBinding) {
        needs = value.method;
        values.push(undefined);
      } else if (value === null) {
        throw unreadable(file.shown, expression[0]?.line ?? call.line, `\`${sourceText(expression)}\` is not a constant kxp-restore can resolve`);
      } else {
        values.push(value);
      }
    }
    if (needs === null) return [{ file, line: call.line, values, conditions: call.conditions, via: 'MapStoragePath' }];
    if (depth >= 1) throw unreadable(file.shown, call.line, 'the mapped path goes through more than one helper method');
    const helper = needs;
    const sites = this.#files.flatMap((caller) => caller.code.calls.filter((site) => site.name === helper.name && site.method !== helper).map((site) => ({ caller, site })));
    if (sites.length === 0) {
      this.notes.push(`${file.shown}:${helper.line}: ${helper.name} is never called; its mapping does not apply.`);
      return [];
    }
    return sites.flatMap(({ caller, site }) => {
      if (site.args.length > helper.params.length) throw unreadable(caller.shown, site.line, `${helper.name} is called with ${site.args.length} arguments but takes ${helper.params.length}`);
      const bound: Record<string, string | undefined> = {};
      helper.params.forEach((param, index) => {
        const arg = site.args[index];
        if (arg === undefined) return;
        const value = this.evaluate(caller, site.method, arg, {});
        if (value instanceof NeedsBinding || value === null) throw unreadable(caller.shown, site.line, `the argument \`${sourceText(arg)}\` of ${helper.name} is not a constant kxp-restore can resolve`);
        bound[param] = value;
      });
      return this.expand(file, { ...call, conditions: [...site.conditions, ...call.conditions] }, expressions, depth + 1, bound).map((result) => ({
        ...result,
        file: caller,
        line: site.line,
        via: helper.name,
      }));
    });
  }

  mustEvaluate(file: SourceFile, at: { method: MethodInfo | null; line: number }, expression: Token[]): string {
    const value = this.evaluate(file, at.method, expression, {});
    if (typeof value !== 'string') throw unreadable(file.shown, expression[0]?.line ?? at.line, `\`${sourceText(expression)}\` is not a constant kxp-restore can resolve`);
    return value;
  }

  /** A string expression's value: literals, `const string`s, interpolation and `+` of those, or parameters when bound. */
  evaluate(file: SourceFile, method: MethodInfo | null, expression: Token[], bindings: Record<string, string | undefined>, depth = 0): string | NeedsBinding | null {
    const tokens = stripParens(expression);
    if (depth > 16 || tokens.length === 0) return null;
    const pieces = splitTop(tokens, '+');
    if (pieces.length > 1) {
      let text = '';
      for (const piece of pieces) {
        const value = this.evaluate(file, method, piece, bindings, depth + 1);
        if (typeof value !== 'string') return value;
        text += value;
      }
      return text;
    }
    const first = tokens[0] as Token;
    if (tokens.length === 1 && first.kind === 'string') {
      let text = '';
      for (const part of first.parts) {
        if ('text' in part) text += part.text;
        else {
          const value = this.evaluate(file, method, part.hole, bindings, depth + 1);
          if (typeof value !== 'string') return value;
          text += value;
        }
      }
      return text;
    }
    if (isIdent(first, 'nameof') && isPunct(tokens[1], '(') && isPunct(tokens.at(-1), ')')) {
      const last = tokens.at(-2);
      return last?.kind === 'ident' ? last.value : null;
    }
    if (tokens.length === 3 && isIdent(first, 'string') && isIdent(tokens[2], 'Empty')) return '';
    // An identifier or a dotted name: a parameter, or a constant (by its last part; the class is not checked).
    if (tokens.every((token, index) => (index % 2 === 0 ? token.kind === 'ident' : isPunct(token, '.'))) && tokens.length % 2 === 1) {
      const name = (tokens.at(-1) as Token).value;
      if (tokens.length === 1 && method?.params.includes(name)) return name in bindings && bindings[name] !== undefined ? (bindings[name] as string) : new NeedsBinding(method);
      if (tokens.length === 1 && method !== null) {
        // A local variable assigned once in the method, from something resolvable.
        const locals = file.code.assignments.filter((assignment) => assignment.method === method && assignment.target.length === 1 && assignment.target[0] === name && !assignment.modifiers.includes('const'));
        if (locals.length === 1) return this.evaluate(file, method, (locals[0] as Assignment).value, bindings, depth + 1);
        if (locals.length > 1) return null;
      }
      const all = this.#constants.get(name) ?? [];
      // A constant of the same file wins over same-named ones elsewhere.
      const candidates = all.some((candidate) => candidate.file === file) ? all.filter((candidate) => candidate.file === file) : all;
      const values = new Set<string>();
      for (const candidate of candidates) {
        const value = this.evaluate(candidate.file, null, candidate.assignment.value.filter((token) => !isPunct(token, ';')), {}, depth + 1);
        if (typeof value !== 'string') return null;
        values.add(value);
      }
      return values.size === 1 ? ([...values][0] as string) : null;
    }
    return null;
  }

  /** Which environments a stack of conditions selects. Lambda markers (null) are skipped. */
  branch(conditions: Array<Condition | null>): { kind: Branch; line: number; text: string } {
    let result: Branch = 'cloud';
    for (const condition of conditions) {
      if (condition === null) continue;
      let kind = classify(condition.tokens);
      if (kind === 'unknown') return { kind, line: condition.line, text: sourceText(condition.tokens) };
      if (condition.negated) kind = kind === 'cloud' ? 'development' : 'cloud';
      if (kind === 'development') result = 'development';
    }
    return { kind: result, line: 0, text: '' };
  }

  /** In development the local provider's root is `<storage assets dir>/<container>`: remember the folder name. */
  learnStorageAssetsDir(root: string, prefix: string): void {
    const first = root.replaceAll('\\', '/').replace(/^~?\//, '').split('/')[0];
    if (!first) return;
    if (this.storageAssetsDir !== undefined && this.storageAssetsDir !== first) {
      this.notes.push(`Development keeps files in both ${this.storageAssetsDir}/ and ${first}/; ${this.storageAssetsDir}/ is read.`);
      return;
    }
    this.storageAssetsDir = first;
    this.notes.push(`In development, ~/${prefix} is kept in ${root.replace(/^~?\//, '')}/.`);
  }
}

/** Whether a condition selects the cloud environments, development, or something else. */
function classify(condition: Token[]): Branch {
  const tokens = stripParens(condition);
  if (tokens.some((token) => isPunct(token, '&&'))) return 'unknown';
  const terms = splitTop(tokens, '||');
  const kinds = new Set<Branch>();
  for (const term of terms) {
    let rest = stripParens(term);
    let negated = false;
    while (isPunct(rest[0], '!')) {
      negated = !negated;
      rest = stripParens(rest.slice(1));
    }
    let kind = classifyCall(rest);
    if (negated && kind !== 'unknown') kind = kind === 'cloud' ? 'development' : 'cloud';
    kinds.add(kind);
  }
  if (kinds.size !== 1) return 'unknown';
  return [...kinds][0] as Branch;
}

function classifyCall(tokens: Token[]): Branch {
  // `<receiver>.IsQa()`, `<receiver>.IsEnvironment(CloudEnvironments.Staging)`, `IsEnvironment("QA")`…
  if (!isPunct(tokens.at(-1), ')')) return 'unknown';
  const open = tokens.findIndex((token) => isPunct(token, '('));
  const name = tokens[open - 1];
  if (open <= 0 || name?.kind !== 'ident') return 'unknown';
  const args = tokens.slice(open + 1, -1);
  switch (name.value) {
    case 'IsQa':
    case 'IsQA':
    case 'IsUat':
    case 'IsUAT':
    case 'IsProduction':
    case 'IsStaging':
      return args.length === 0 ? 'cloud' : 'unknown';
    case 'IsDevelopment':
      return args.length === 0 ? 'development' : 'unknown';
    case 'IsEnvironment': {
      const arg = args.at(-1);
      if (arg?.kind === 'string' && args.length === 1) {
        const value = arg.value.toLowerCase();
        return value === 'development' ? 'development' : CLOUD_ENVIRONMENT_NAMES.has(value) ? 'cloud' : 'unknown';
      }
      if (args.length === 3 && isIdent(args[0], 'CloudEnvironments') && arg?.kind === 'ident') return 'cloud';
      if (args.length === 3 && isIdent(args[0], 'Environments') && arg?.kind === 'ident') return arg.value === 'Development' ? 'development' : 'unknown';
      return 'unknown';
    }
    default:
      return 'unknown';
  }
}

function stripParens(tokens: Token[]): Token[] {
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

function splitTop(tokens: Token[], operator: string): Token[][] {
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

