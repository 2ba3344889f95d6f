/**
 * Storage mapping in modules (`StorageInitializationModule`-style): `StorageHelper.MapStoragePath(path,
 * provider)` with a provider from `AzureStorageProvider.Create()` and its `CustomRootPath` (the container),
 * directly or through helpers such as `MapAzureStoragePath(path[, containerName])`. Each call is followed
 * up every chain of callers to a registered module's `OnInit`; the conditions along the chain decide
 * cloud or development. A file-system provider in the cloud (the template's `ExcludeAzureStoragePath`)
 * keeps its path out of every container: an exclusion.
 */
import { containerNameProblem } from '../rules/names.js';
import { normalizePrefix, type LayoutExclusion, type LayoutRule } from '../rules/layout-model.js';
import { isIdent, sourceText, type Assignment, type CallSite, type Token } from './csharp.js';
import type { CodeIndex, SourceFile } from './csharp-values.js';
import { branchOfChain, chainsTo, known, originOf, unreadable, type MappingOutput } from './mapping-common.js';

interface Provider {
  kind: 'azure' | 'local';
  /** The expression of its CustomRootPath, or null when none is set. */
  root: Token[] | null;
  line: number;
}

export function moduleMappings(index: CodeIndex, output: MappingOutput): { rules: LayoutRule[]; exclusions: LayoutExclusion[] } {
  const rules: LayoutRule[] = [];
  const exclusions: LayoutExclusion[] = [];
  for (const file of index.files) {
    for (const call of file.code.calls) {
      if (call.name !== 'MapStoragePath' || (call.receiver.length > 0 && call.receiver.at(-1) !== 'StorageHelper')) continue;
      if (call.args.length !== 2) throw unreadable(file.shown, call.line, `MapStoragePath is called with ${call.args.length} arguments, not (path, provider)`);
      const provider = providerOf(file, call);
      for (const chain of chainsTo(index, file, call)) {
        if (chain.root.kind === 'ignored') {
          if (!output.notes.includes(chain.root.note)) output.notes.push(chain.root.note);
          continue;
        }
        const branch = branchOfChain(chain, call);
        const origin = originOf(chain, call);
        const projectPath = known(index.evaluate(chain.frames, 0, call.args[0] as Token[]), 'the mapped path');
        const prefix = normalizePrefix(projectPath);
        if (prefix === null) throw unreadable(origin.kind === 'code' ? origin.file : file.shown, origin.kind === 'code' ? origin.line : call.line, `the mapped path "${projectPath}" is not a folder of the project ("~/…")`);
        const root = provider.root === null ? null : known(index.evaluate(chain.frames, 0, provider.root), 'the container (CustomRootPath)');
        if (provider.kind === 'local') {
          if (branch === 'development' && root !== null) learnStorageAssetsDir(output, root, prefix);
          if (branch === 'cloud') exclusions.push({ prefix, origin });
          continue;
        }
        if (branch === 'development') {
          output.notes.push(`${origin.kind === 'code' ? `${origin.file}:${origin.line}` : file.shown}: ~/${prefix} is mapped to Azure only in development; ignored.`);
          continue;
        }
        if (root === null) throw unreadable(file.shown, provider.line, 'the Azure storage provider gets no CustomRootPath, so its container is not named in the code');
        const container = root.toLowerCase();
        const problem = containerNameProblem(container);
        if (problem) throw unreadable(origin.kind === 'code' ? origin.file : file.shown, origin.kind === 'code' ? origin.line : call.line, `the container "${root}" is not a valid container name (it ${problem})`);
        rules.push({ container, prefix, origin });
      }
    }
  }
  return { rules, exclusions };
}

/** The provider of a MapStoragePath call: a variable created in the same method (Azure or file system) and its CustomRootPath. */
function providerOf(file: SourceFile, call: CallSite): Provider {
  const arg = call.args[1] as Token[];
  const kindOf = (tokens: Token[]): 'azure' | 'local' | null => {
    if (tokens.some((token) => isIdent(token, 'AzureStorageProvider'))) return 'azure';
    if (tokens.some((token) => isIdent(token, 'CreateFileSystemStorageProvider'))) return 'local';
    return null;
  };
  if (arg.length !== 1 || arg[0]?.kind !== 'ident') {
    const kind = kindOf(arg);
    if (kind !== null) return { kind, root: null, line: call.line };
    throw unreadable(file.shown, call.line, `the provider \`${sourceText(arg)}\` is not a variable kxp-restore can follow`);
  }
  const variable = arg[0].value;
  const sameMethod = (assignment: Assignment) => assignment.method === call.method && assignment.type === call.type;
  const created = file.code.assignments.filter((assignment) => sameMethod(assignment) && assignment.target.length === 1 && assignment.target[0] === variable);
  if (created.length !== 1) {
    throw unreadable(file.shown, call.line, `the provider ${variable} is ${created.length === 0 ? `not created in ${call.method ? `the method ${call.method.name}` : 'the same block'}` : 'assigned more than once'}`);
  }
  const creation = created[0] as Assignment;
  const kind = kindOf(creation.value);
  if (kind === null) throw unreadable(file.shown, creation.line, `the provider ${variable} is \`${sourceText(creation.value)}\`, neither AzureStorageProvider.Create() nor a file system provider`);
  const roots = file.code.assignments.filter((assignment) => sameMethod(assignment) && assignment.target.length === 2 && assignment.target[0] === variable && assignment.target[1] === 'CustomRootPath');
  if (roots.length > 1) throw unreadable(file.shown, (roots[1] as Assignment).line, `${variable}.CustomRootPath is set more than once`);
  const root = roots[0];
  if (root !== undefined && root.conditions.length > creation.conditions.length) throw unreadable(file.shown, root.line, `${variable}.CustomRootPath is set only under a condition`);
  return { kind, root: root ? root.value.filter((token) => !(token.kind === 'punct' && token.value === ';')) : null, line: root?.line ?? creation.line };
}

/** In development the local provider's root is `<storage assets dir>/<container>`: remember the folder name. */
function learnStorageAssetsDir(output: MappingOutput, root: string, prefix: string): void {
  const first = root.replaceAll('\\', '/').replace(/^~?\//, '').split('/')[0];
  if (!first) return;
  if (output.storageAssetsDir !== undefined && output.storageAssetsDir !== first) {
    output.notes.push(`Development keeps files in both ${output.storageAssetsDir}/ and ${first}/; ${output.storageAssetsDir}/ is read.`);
    return;
  }
  output.storageAssetsDir = first;
  output.notes.push(`In development, ~/${prefix} is kept in ${root.replace(/^~?\//, '')}/.`);
}
