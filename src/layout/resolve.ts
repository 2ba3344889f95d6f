/** Which layout applies: `--layout FILE`, else the project's code (`--project DIR`), else the template default. */
import path from 'node:path';
import { readLayoutFile } from './layout-file.js';
import { templateDefaultLayout, type Layout } from '../rules/layout-model.js';
import { readProjectLayout } from './project.js';

export interface LayoutRequest {
  /** A layout file; wins over the project's code. */
  layoutFile?: string;
  /** The project folder whose mapping code is read. */
  project?: string;
  cwd?: string;
  signal?: AbortSignal;
}

export async function resolveLayout(request: LayoutRequest): Promise<Layout> {
  const cwd = request.cwd ?? process.cwd();
  if (request.layoutFile !== undefined) {
    const absolute = path.resolve(cwd, request.layoutFile);
    return readLayoutFile(absolute, shown(cwd, absolute));
  }
  if (request.project !== undefined) return readProjectLayout(request.project, { cwd, signal: request.signal });
  return templateDefaultLayout();
}

function shown(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolute.split(path.sep).join('/') : relative.split(path.sep).join('/');
}
