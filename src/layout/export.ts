/**
 * Learns a layout from a "Storage and files" export of an environment already deployed with the wanted
 * mapping: its top-level folders are the containers, and each container's top-level folders the project
 * path prefixes it serves. The export is a folder (downloaded with AzCopy or Storage Explorer) or a
 * container SAS URL whose blobs are `<container>/<path>`, listed folder by folder (no blob is read).
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createContainerClient } from '../azure/client.js';
import { proxyFor } from '../azure/proxy.js';
import { checkContainerSas, parseContainerSasUrl } from '../azure/sas.js';
import { KxpError } from '../errors.js';
import { containerNameProblem } from '../rules/names.js';
import { DEFAULT_STORAGE_ASSETS_DIR, type Layout, type LayoutRule } from '../rules/layout-model.js';

export interface LearnOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Where HTTPS_PROXY and NO_PROXY are read for a SAS URL. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A folder or a SAS URL: URLs are told apart by their scheme. */
export async function learnFromExport(source: string, options: LearnOptions = {}): Promise<Layout> {
  return /^https?:\/\//i.test(source.trim()) ? learnFromExportUrl(source, options) : learnFromExportFolder(source, options);
}

/** One level of an export: folder names and how many files sit beside them. */
interface Level {
  folders: string[];
  files: string[];
}

export async function learnFromExportFolder(folder: string, options: LearnOptions = {}): Promise<Layout> {
  const cwd = options.cwd ?? process.cwd();
  const root = path.resolve(cwd, folder);
  const shown = path.relative(cwd, root).split(path.sep).join('/') || '.';
  const level = async (dir: string): Promise<Level> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new KxpError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `The export folder ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`, {
        path: dir,
        hint: 'Pass the folder you downloaded the "Storage and files" export into (it holds one folder per container, e.g. default/assets/…).',
        cause,
      });
    }
    return { folders: entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name), files: entries.filter((entry) => !entry.isDirectory()).map((entry) => entry.name) };
  };
  return learn(shown, (container) => level(container === null ? root : path.join(root, container)), options.signal);
}

export async function learnFromExportUrl(url: string, options: LearnOptions = {}): Promise<Layout> {
  const sas = parseContainerSasUrl(url, 'export SAS URL');
  checkContainerSas(sas, 'export SAS URL', 'verify');
  const client = createContainerClient(sas, { proxy: proxyFor(new URL(sas.url), options.env) });
  const level = async (container: string | null): Promise<Level> => {
    const found: Level = { folders: [], files: [] };
    const prefix = container === null ? '' : `${container}/`;
    try {
      for await (const item of client.listBlobsByHierarchy('/', { prefix, abortSignal: options.signal })) {
        const name = item.name.slice(prefix.length);
        if (item.kind === 'prefix') found.folders.push(name.replace(/\/$/, ''));
        else found.files.push(name);
      }
    } catch (cause) {
      const status = (cause as { statusCode?: number }).statusCode;
      throw new KxpError(status === 403 ? 'SAS_PERMISSION' : 'TRANSFER_FAILED', `Cannot list the export at ${sas.redacted}${status ? ` (HTTP ${status})` : ''}: ${(cause as Error).message.split('\n')[0]}`, {
        path: sas.redacted,
        hint: 'Use a SAS URL with list permission (sp=…l…) for the container that holds the export.',
        cause,
      });
    }
    return found;
  };
  return learn(sas.redacted, level, options.signal);
}

async function learn(shown: string, level: (container: string | null) => Promise<Level>, signal?: AbortSignal): Promise<Layout> {
  const notes: string[] = [];
  const rules: LayoutRule[] = [];
  const top = await level(null);
  if (top.files.length > 0) notes.push(`${top.files.length} file(s) at the top of the export (e.g. ${top.files[0]}) are in no container; ignored.`);
  for (const container of top.folders.sort()) {
    signal?.throwIfAborted();
    const problem = containerNameProblem(container);
    if (problem) {
      notes.push(`"${container}" is not a valid container name (it ${problem}); ignored.`);
      continue;
    }
    const inside = await level(container);
    if (inside.files.length > 0) notes.push(`${inside.files.length} file(s) directly in ${container}/ (e.g. ${container}/${inside.files[0]}) are in no folder; a layout names folders, so they are not described.`);
    for (const folder of inside.folders.sort()) rules.push({ container, prefix: `${folder.toLowerCase()}/`, origin: { kind: 'export', source: shown } });
  }
  if (rules.length === 0) {
    throw new KxpError('LAYOUT_INVALID', `The export ${shown} holds no <container>/<folder>/… files, so no layout can be learned from it.`, {
      path: shown,
      hint: 'Point --from-export at the downloaded "Storage and files" export (one folder per container, e.g. default/assets/…), or at a SAS URL of the container holding it.',
    });
  }
  return { source: 'export', from: shown, rules, exclusions: [], storageAssetsDir: DEFAULT_STORAGE_ASSETS_DIR, notes };
}
