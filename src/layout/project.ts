/**
 * Reads a project's storage mapping from its C# code (see docs/layout.md for the shapes it reads and
 * those it refuses): modules calling `StorageHelper.MapStoragePath` (mapping-modules.ts) and 31.6
 * automatic mapping in `Program.cs` (mapping-program.ts), over the files found here. Anything that touches
 * the mapping and cannot be read with certainty is reported with its file and line (LAYOUT_UNREADABLE),
 * never guessed.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { KxpError } from '../errors.js';
import { DEFAULT_STORAGE_ASSETS_DIR, exclusionConflicts, layoutConflicts, uniqueRules, type Layout, type LayoutExclusion } from '../rules/layout-model.js';
import { CSharpSyntaxError, readCSharp } from './csharp.js';
import { CodeIndex, type SourceFile } from './csharp-values.js';
import { unreadable, type MappingOutput } from './mapping-common.js';
import { moduleMappings } from './mapping-modules.js';
import { programMappings } from './mapping-program.js';

/** Folders never searched for code: build output, packages, and the (possibly huge) file folders themselves. */
const SKIPPED_FOLDERS = new Set(['bin', 'obj', 'node_modules', 'packages', 'assets', 'wwwroot', 'app_data', '$storageassets', '$cdrepository', 'azurecache', 'azuretemp']);
/** Files that mention one of these hold the mapping itself… */
const KEYWORDS = /MapStoragePath|AzureStorageProvider|AddXperienceCloudStoragePathMapping|AddStoragePathRegistration/;
/** …and these may hold what it uses: constants, members returning a string, module registrations. */
const SUPPORTING = /\bconst\s+string\b|\bstatic\s+readonly\s+string\b|=>\s*[$@]*"|\breturn\s+[$@]*"|RegisterModule/;

/** How many times callers of callers are looked for (Program.cs → extension method → helper). */
const MAX_CALLER_ROUNDS = 4;

export interface ReadProjectOptions {
  cwd?: string;
  signal?: AbortSignal;
}

export async function readProjectLayout(projectDir: string, options: ReadProjectOptions = {}): Promise<Layout> {
  const cwd = options.cwd ?? process.cwd();
  const root = path.resolve(cwd, projectDir);
  const show = (absolute: string) => path.relative(cwd, absolute).split(path.sep).join('/') || '.';
  const files: SourceFile[] = [];
  const unread = new Map<string, string>();
  const parse = (file: string, text: string, mapping: boolean) => {
    try {
      files.push({ shown: show(file), code: readCSharp(text) });
    } catch (cause) {
      if (!(cause instanceof CSharpSyntaxError)) throw cause;
      if (mapping) throw unreadable(show(file), cause.line, `cannot be read as C# (${cause.message})`);
    }
  };
  for (const file of await findSources(root, options.signal)) {
    const text = await readFile(file, 'utf8');
    const mapping = KEYWORDS.test(text);
    if (mapping || SUPPORTING.test(text)) parse(file, text, mapping);
    else unread.set(file, text);
  }
  // Files that call a method of the files read (Program.cs calling an extension method that maps): read them too.
  for (let round = 0, grown = true; grown && round < MAX_CALLER_ROUNDS; round++) {
    const names = new Set(files.flatMap((file) => file.code.methods.filter((method) => !method.modifiers.includes('private') && !method.modifiers.includes('override')).map((method) => method.name)));
    if (names.size === 0) break;
    const called = new RegExp(`\\b(?:${[...names].join('|')})\\s*[(<]`);
    grown = false;
    for (const [file, text] of unread) {
      if (!called.test(text)) continue;
      unread.delete(file);
      parse(file, text, false);
      grown = true;
    }
  }
  const index = new CodeIndex(files);
  const output: MappingOutput = { notes: [], storageAssetsDir: undefined };
  const modules = moduleMappings(index, output);
  const rules = uniqueRules([...modules.rules, ...programMappings(index, output)]);
  const exclusions = uniqueExclusions(modules.exclusions);
  if (rules.length === 0) {
    throw new KxpError('LAYOUT_UNREADABLE', `Found no storage mapping in the C# code of ${show(root)}: no StorageHelper.MapStoragePath to an Azure provider and no AddXperienceCloudStoragePathMapping in the cloud environments of a registered module or Program.cs.`, {
      path: show(root),
      hint: `Check that --project names the project folder (the one with the .csproj).${output.notes.length > 0 ? ` Mappings seen but not applied: ${output.notes.join(' ')}` : ''} If the mapping lives elsewhere, describe it in a layout file and pass --layout FILE (see docs/layout.md).`,
    });
  }
  const conflicts = [...layoutConflicts(rules), ...exclusionConflicts(rules, exclusions)];
  if (conflicts.length > 0) {
    throw new KxpError('LAYOUT_UNREADABLE', `The storage mapping of ${show(root)} maps one path two ways: ${conflicts[0]}.`, {
      path: show(root),
      hint: 'Pass the layout the cloud environments really use with --layout FILE (see docs/layout.md).',
    });
  }
  return { source: 'project', from: show(root), rules, exclusions, storageAssetsDir: output.storageAssetsDir ?? DEFAULT_STORAGE_ASSETS_DIR, notes: output.notes };
}

function uniqueExclusions(exclusions: LayoutExclusion[]): LayoutExclusion[] {
  const seen = new Set<string>();
  return exclusions.filter((exclusion) => !seen.has(exclusion.prefix) && seen.add(exclusion.prefix));
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

