/**
 * The storage layout of a project: which Azure container serves which project paths. A blob of container C
 * is named by the project-relative path, lowercased, so `default ← assets/` means the project file
 * `assets/media/a.jpg` is the blob `assets/media/a.jpg` of the container `default` (in a migration folder:
 * `default/assets/media/a.jpg`). Pure data and pure functions; the readers that produce a layout live in src/layout/.
 */
/** Where one rule of a layout came from, so the user can check it against the source. */
export type RuleOrigin =
  | { kind: 'code'; file: string; line: number; detail: string }
  | { kind: 'layout-file'; file: string; line: number }
  | { kind: 'export'; source: string }
  | { kind: 'template-default' };

export interface LayoutRule {
  container: string;
  /** Project-relative path prefix, lowercase, ending in `/` (e.g. `assets/`). */
  prefix: string;
  origin: RuleOrigin;
}

export type LayoutSource = 'layout-file' | 'project' | 'export' | 'template-default';

export interface Layout {
  source: LayoutSource;
  /** The file, folder or redacted URL the layout was read from; null for the template default. */
  from: string | null;
  rules: LayoutRule[];
  /**
   * The project folder that holds files laid out by container, as the local storage provider keeps them
   * in development: `<storageAssetsDir>/<container>/<blob path>`. `$StorageAssets` unless the code says otherwise.
   */
  storageAssetsDir: string;
  /** Facts worth telling the user that do not change the rules (e.g. development-only mappings ignored). */
  notes: string[];
}

export const DEFAULT_STORAGE_ASSETS_DIR = '$StorageAssets';
export const DEFAULT_CONTAINER = 'default';

/** The mapping of a project created from the template with `--cloud`: `~/assets/` → container `default`. */
export function templateDefaultLayout(): Layout {
  return {
    source: 'template-default',
    from: null,
    rules: [{ container: DEFAULT_CONTAINER, prefix: 'assets/', origin: { kind: 'template-default' } }],
    storageAssetsDir: DEFAULT_STORAGE_ASSETS_DIR,
    notes: [],
  };
}

/**
 * A project path as a layout prefix: `~/assets`, `~/Assets/`, `assets\media` → `assets/`, `assets/media/`.
 * Null when the path is not inside the project (no `~/`-relative form) or names the project root itself.
 */
export function normalizePrefix(projectPath: string): string | null {
  let value = projectPath.trim().replaceAll('\\', '/');
  if (value.startsWith('~/')) value = value.slice(2);
  else if (value.startsWith('~')) return null;
  value = value.replace(/^\/+/, '').replace(/\/{2,}/g, '/');
  if (value === '' || value === '/') return null;
  const segments = value.replace(/\/$/, '').split('/');
  if (segments.some((segment) => segment === '.' || segment === '..' || segment === '')) return null;
  return `${segments.join('/').toLowerCase()}/`;
}

/** Why a layout prefix (as written in a layout file) is not acceptable, or null. */
export function prefixProblem(prefix: string): string | null {
  if (prefix === '') return 'is empty; a prefix names a folder of the project, such as "assets/"';
  if (!prefix.endsWith('/')) return `must end in "/" (write "${prefix}/")`;
  if (prefix !== prefix.toLowerCase()) return `must be lowercase (write "${prefix.toLowerCase()}")`;
  if (prefix.startsWith('/') || prefix.startsWith('~')) return 'must be relative to the project root, without a leading "/" or "~/" (e.g. "assets/")';
  if (prefix.includes('\\')) return 'must use "/" between folders';
  const segments = prefix.slice(0, -1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return 'has an empty, "." or ".." folder';
  return null;
}

/** The layout rule that serves a project-relative path (lowercased): the longest matching prefix, as the storage mapping resolves it. */
export function ruleForPath(layout: Layout, projectPath: string): LayoutRule | null {
  const lower = projectPath.toLowerCase();
  let best: LayoutRule | null = null;
  for (const rule of layout.rules) {
    if (lower.startsWith(rule.prefix) && (best === null || rule.prefix.length > best.prefix.length)) best = rule;
  }
  return best;
}

const containersCache = new WeakMap<LayoutRule[], Map<string, string[]>>();

/** The containers of a layout, in first-rule order, each with its prefixes. Computed once per rules array (rules are checked per file). */
export function containersOf(layout: Layout): Map<string, string[]> {
  const cached = containersCache.get(layout.rules);
  if (cached) return cached;
  const containers = new Map<string, string[]>();
  containersCache.set(layout.rules, containers);
  for (const rule of layout.rules) {
    const prefixes = containers.get(rule.container);
    if (prefixes) {
      if (!prefixes.includes(rule.prefix)) prefixes.push(rule.prefix);
    } else {
      containers.set(rule.container, [rule.prefix]);
    }
  }
  return containers;
}

/** The layout-file form of a layout: `{ "containers": { "default": ["assets/"] } }`. */
export function layoutFileJson(layout: Layout): { containers: Record<string, string[]> } {
  return { containers: Object.fromEntries(containersOf(layout)) };
}

/**
 * Rules that cannot all hold: the same project path served by two containers. Returns one sentence per
 * conflict, naming both origins, or an empty list.
 */
export function layoutConflicts(rules: LayoutRule[]): string[] {
  const byPrefix = new Map<string, LayoutRule>();
  const conflicts: string[] = [];
  for (const rule of rules) {
    const other = byPrefix.get(rule.prefix);
    if (other === undefined) byPrefix.set(rule.prefix, rule);
    else if (other.container !== rule.container) {
      conflicts.push(`"${rule.prefix}" is mapped to container ${other.container} (${describeOrigin(other.origin)}) and to container ${rule.container} (${describeOrigin(rule.origin)})`);
    }
  }
  return conflicts;
}

/** Drops repeated rules (same container and prefix), keeping the first origin. */
export function uniqueRules(rules: LayoutRule[]): LayoutRule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    const key = `${rule.container}\u0000${rule.prefix}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One line a user recognises: `StorageInitializationModule.cs:27 (MapAzureStoragePath)`, `template default`… */
export function describeOrigin(origin: RuleOrigin): string {
  switch (origin.kind) {
    case 'code':
      return `${origin.file}:${origin.line}${origin.detail ? ` (${origin.detail})` : ''}`;
    case 'layout-file':
      return `${origin.file}:${origin.line} (layout file)`;
    case 'export':
      return `learned from the export ${origin.source}`;
    case 'template-default':
      return 'template default';
  }
}
