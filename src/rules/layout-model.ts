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

/**
 * A project path the site keeps out of every container (`StorageHelper.ExcludeAzureStoragePath`, or a
 * file-system provider mapped in the cloud branch): files under it stay on the application's own disk,
 * so they are left out of the upload even when a container's prefix covers them.
 */
export interface LayoutExclusion {
  /** Project-relative path prefix, lowercase, ending in `/` (e.g. `assets/synchronizations/`). */
  prefix: string;
  origin: RuleOrigin;
}

export type LayoutSource = 'layout-file' | 'project' | 'export' | 'template-default';

export interface Layout {
  source: LayoutSource;
  /** The file, folder or redacted URL the layout was read from; null for the template default. */
  from: string | null;
  rules: LayoutRule[];
  /** Paths inside a container's prefixes that the site does not read from any container. */
  exclusions: LayoutExclusion[];
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
    exclusions: [],
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

/**
 * The layout rule that serves a project-relative path (lowercased): the longest matching prefix, as the
 * storage mapping resolves it; null when no rule matches or a longer (or equal) exclusion keeps the path out.
 */
export function ruleForPath(layout: Layout, projectPath: string): LayoutRule | null {
  const lower = projectPath.toLowerCase();
  let best: LayoutRule | null = null;
  for (const rule of layout.rules) {
    if (lower.startsWith(rule.prefix) && (best === null || rule.prefix.length > best.prefix.length)) best = rule;
  }
  if (best === null) return null;
  const excluded = exclusionForPath(layout, lower);
  return excluded !== null && excluded.prefix.length >= best.prefix.length ? null : best;
}

/** The exclusion that keeps a project-relative path out of the containers (the longest matching one), or null. */
export function exclusionForPath(layout: Layout, projectPath: string): LayoutExclusion | null {
  const lower = projectPath.toLowerCase();
  let best: LayoutExclusion | null = null;
  for (const exclusion of layout.exclusions) {
    if (lower.startsWith(exclusion.prefix) && (best === null || exclusion.prefix.length > best.prefix.length)) best = exclusion;
  }
  return best;
}

/** The prefixes a walk of `prefix` must leave out: longer rules (walked on their own) and exclusions inside it. */
export function prefixesTakenFrom(layout: Layout, prefix: string): Set<string> {
  const taken = new Set<string>();
  for (const other of [...layout.rules, ...layout.exclusions]) {
    if (other.prefix !== prefix && other.prefix.startsWith(prefix)) taken.add(other.prefix);
  }
  return taken;
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

export interface LayoutFileJson {
  containers: Record<string, string[]>;
  exclude?: string[];
  storageAssetsDir?: string;
}

/**
 * The layout-file form of a layout: `{ "containers": { "default": ["assets/"] } }`, with `exclude` and
 * `storageAssetsDir` when they differ from the defaults, so reading it back gives the same layout.
 */
export function layoutFileJson(layout: Layout): LayoutFileJson {
  const json: LayoutFileJson = { containers: Object.fromEntries(containersOf(layout)) };
  if (layout.exclusions.length > 0) json.exclude = [...new Set(layout.exclusions.map((exclusion) => exclusion.prefix))];
  if (layout.storageAssetsDir !== DEFAULT_STORAGE_ASSETS_DIR) json.storageAssetsDir = layout.storageAssetsDir;
  return json;
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

/** Exclusions that name a path a rule maps exactly: the code says both "this container" and "no container". */
export function exclusionConflicts(rules: LayoutRule[], exclusions: LayoutExclusion[]): string[] {
  const conflicts: string[] = [];
  for (const exclusion of exclusions) {
    const rule = rules.find((candidate) => candidate.prefix === exclusion.prefix);
    if (rule) conflicts.push(`"${exclusion.prefix}" is mapped to container ${rule.container} (${describeOrigin(rule.origin)}) and excluded (${describeOrigin(exclusion.origin)})`);
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
