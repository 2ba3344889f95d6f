/**
 * Checks of blob names against a storage layout. Pure: a blob name in, a finding out, so a local scan
 * and a remote listing feed the same rules. Blob names are `<container>/<path>` as they go into the
 * restore's storage container.
 */
import { containersOf, describeOrigin, exclusionForPath, ruleForPath, type Layout } from './layout-model.js';
import { error, warning, type Finding } from './finding.js';

export interface LayoutProblem {
  code: 'UNMAPPED_CONTAINER' | 'UNMAPPED_PATH' | 'EXCLUDED_PATH';
  container: string;
  /** The blob name the site would read the file from, when one is plausible. */
  suggestion: string | null;
  message: string;
}

/** What is wrong with one blob name under a layout, or null when the site reads it. */
export function layoutProblem(layout: Layout, blobName: string): LayoutProblem | null {
  const name = blobName.toLowerCase();
  const slash = name.indexOf('/');
  if (slash <= 0) return null; // not a storage blob name (db.bacpac, or a file outside any container: other rules)
  const container = name.slice(0, slash);
  const inside = name.slice(slash + 1);
  const containers = containersOf(layout);
  const served = containers.get(container);
  if (served === undefined) {
    const suggestion = suggestFor(layout, name, true);
    const list = [...containers.keys()].join(', ');
    return {
      code: 'UNMAPPED_CONTAINER',
      container,
      suggestion,
      message:
        `"${container}" is not a container of the storage layout (${list}): the restore would create a container ${container} that the site never reads.` +
        `${suggestion ? ` Did you mean ${suggestion}?` : ''} Move the files under a container folder, or, if the project does map ${container}, pass a layout that says so (--layout FILE).`,
    };
  }
  const rule = ruleForPath(layout, inside);
  if (rule !== null && rule.container === container) return null;
  const excluded = rule === null ? exclusionForPath(layout, inside) : null;
  if (excluded !== null) {
    return {
      code: 'EXCLUDED_PATH',
      container,
      suggestion: null,
      message: `${blobName} is under ${excluded.prefix}, which the site keeps out of every container (${describeOrigin(excluded.origin)}): it reads those files from the application's own disk, never from container ${container}. Leave the file out of the upload.`,
    };
  }
  const suggestion = rule !== null ? `${rule.container}/${inside}` : suggestFor(layout, name, false);
  const why = rule !== null ? `the site reads ${rule.prefix} from container ${rule.container}` : `container ${container} serves only ${served.join(', ')}`;
  return {
    code: 'UNMAPPED_PATH',
    container,
    suggestion,
    message: `${blobName} is outside every path the site reads from container ${container} (${why}), so the file would never be found.${suggestion ? ` Did you mean ${suggestion}?` : ''}`,
  };
}

/**
 * The nearest blob name the layout serves: the path placed under the prefix it most overlaps, e.g.
 * `default/media/x.jpg` → `default/assets/media/x.jpg` when `default` serves `assets/`. With
 * `wholeName`, the first segment is taken as part of the path (a folder put where a container belongs).
 */
function suggestFor(layout: Layout, name: string, wholeName: boolean): string | null {
  const slash = name.indexOf('/');
  const container = name.slice(0, slash);
  const segments = (wholeName ? name : name.slice(slash + 1)).split('/');
  let best: { candidate: string; overlap: number } | null = null;
  for (const rule of layout.rules) {
    if (!wholeName && rule.container !== container) continue;
    const prefixSegments = rule.prefix.slice(0, -1).split('/');
    let overlap = 0;
    for (let length = Math.min(prefixSegments.length, segments.length - 1); length > 0; length--) {
      if (prefixSegments.slice(-length).join('/') === segments.slice(0, length).join('/')) {
        overlap = length;
        break;
      }
    }
    if (best === null || overlap > best.overlap) best = { candidate: rule.prefix + segments.slice(overlap).join('/'), overlap };
  }
  if (best === null) return null;
  // The candidate path may itself be served by a more specific rule of another container.
  const served = ruleForPath(layout, best.candidate);
  return served === null ? null : `${served.container}/${best.candidate}`;
}

/**
 * Runs the layout rules over a stream of blob names: one finding per unmapped file (one per unmapped
 * top-level folder), and at the end a warning for each container of the layout that received nothing.
 */
export class LayoutCheck {
  readonly #layout: Layout;
  readonly #seen = new Set<string>();
  readonly #reportedContainers = new Set<string>();

  constructor(layout: Layout) {
    this.#layout = layout;
  }

  /** `path` is what the user sees for the file (shown in the finding). */
  check(blobName: string, path: string): Finding | null {
    const problem = layoutProblem(this.#layout, blobName);
    if (problem === null) {
      const slash = blobName.indexOf('/');
      if (slash > 0) this.#seen.add(blobName.slice(0, slash).toLowerCase());
      return null;
    }
    if (problem.code === 'UNMAPPED_CONTAINER') {
      if (this.#reportedContainers.has(problem.container)) return null;
      this.#reportedContainers.add(problem.container);
      return error('UNMAPPED_CONTAINER', folderOf(path, blobName), problem.message);
    }
    return error(problem.code, path, problem.message);
  }

  /** Warnings for the containers of the layout that no checked blob name went to. */
  finish(): Finding[] {
    const findings: Finding[] = [];
    for (const [container, prefixes] of containersOf(this.#layout)) {
      if (this.#seen.has(container)) continue;
      findings.push(
        warning(
          'EMPTY_CONTAINER',
          `${container}/`,
          `No files for container ${container} (the site reads ${prefixes.join(', ')} from it): the restore deletes every storage container and recreates it from the upload, so ${container} will be empty. If the environment holds files there that you need, add them to the upload.`,
        ),
      );
    }
    return findings;
  }
}

/** The container folder a file sits in, as the user sees it: `storage/media/x.jpg` → `storage/media`. */
function folderOf(path: string, blobName: string): string {
  const rest = blobName.slice(blobName.indexOf('/'));
  return path.toLowerCase().endsWith(rest.toLowerCase()) ? path.slice(0, path.length - rest.length) : path;
}
