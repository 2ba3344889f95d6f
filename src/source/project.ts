/**
 * An Xperience project folder as the storage part of a payload (`--project DIR`), read through its layout. Files are read where the project keeps them, never moved:
 * - each project folder a layout rule serves: `DIR/assets/contentitems/…` → `default/assets/contentitems/…`
 *   (a more specific rule of another container takes its subfolder);
 * - the development folder laid out by container: `DIR/$StorageAssets/<container>/…` as it is.
 * Names are lowercased on the way, as Xperience's Azure provider does. A blob both places supply is sent
 * once when the two files are identical, else it is a DUPLICATE_BLOB error naming both.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { prefixesTakenFrom, ruleForPath, type Layout } from '../rules/layout-model.js';
import { error } from '../rules/finding.js';
import { finding, requireKind, type Entry } from './local-entry.js';
import { sameBytes } from './same-bytes.js';
import type { PassContext, PayloadFile, Source, SourceEvent } from './types.js';
import { walkFolder, walkStorage, type Naming } from './walk.js';

type LocalEvent = SourceEvent<PayloadFile>;

/** The storage files of a project folder, mapped to blob names by its layout. */
export class ProjectSource implements Source {
  readonly kind = 'project';

  /** `naming`: --nfc and --include-system-files apply; names are always lowercased, as Xperience's provider does. */
  constructor(
    readonly projectDir: string,
    readonly layout: Layout,
    private readonly naming: Naming,
  ) {}

  async *events(context: PassContext): AsyncGenerator<LocalEvent> {
    await requireKind(this.projectDir, 'directory', '--project folder');
    yield* this.#walk(context);
  }

  async *#walk({ show, signal }: PassContext): AsyncGenerator<LocalEvent> {
    const { layout, projectDir } = this;
    const naming = { ...this.naming, lowercase: true };
    const rootReal = await realpath(projectDir);
    const resolver = new CaseInsensitivePaths(projectDir);
    // Each rule's folder, minus the subfolders a longer rule takes and those the layout excludes.
    for (const rule of [...layout.rules].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0))) {
      signal?.throwIfAborted();
      const folders = await resolver.folders(rule.prefix.slice(0, -1));
      if (folders.length === 0) continue;
      const nested = prefixesTakenFrom(layout, rule.prefix);
      const entries: Entry[] = folders.map((folder) => ({ name: path.basename(folder.absolute), absolute: folder.absolute, relative: `${rule.container}/${folder.relative}`, stats: folder.stats, statError: null }));
      const skip = nested.size === 0 ? undefined : (entry: Entry) => nested.has(`${entry.relative.slice(rule.container.length + 1).toLowerCase()}/`);
      yield* walkFolder(entries, rootReal, naming, show, signal, skip);
    }

    // The development folder, laid out by container already.
    const storageAssets = (await resolver.folders(layout.storageAssetsDir)).filter((folder) => folder.relative === layout.storageAssetsDir);
    const assetsDir = storageAssets[0];
    if (assetsDir === undefined) return;
    for await (const event of walkStorage(assetsDir.absolute, naming, show, signal)) {
      if (event.type !== 'file') {
        yield event;
        continue;
      }
      const file = event.file;
      const inside = file.blobName.slice(file.blobName.indexOf('/') + 1);
      const rule = ruleForPath(layout, inside);
      // Only a blob the project walk also produced can be a duplicate: same container, path served by it.
      const twin = rule !== null && rule.container === file.container ? await resolver.file(inside) : null;
      if (twin === null) {
        yield event;
        continue;
      }
      // The same file twice is sent once: compared byte by byte, stopping at the first difference.
      if (twin.stats.size === file.size && (await sameBytes(twin.absolute, file.absolutePath, signal))) continue;
      yield finding(
        error(
          'DUPLICATE_BLOB',
          file.displayPath,
          `${show(twin.absolute)} and ${file.displayPath} both become the blob ${file.blobName} but differ (${twin.stats.size === file.size ? 'same size, different content' : `${twin.stats.size} and ${file.size} bytes`}). Keep the one the site should serve and remove the other.`,
        ),
      );
    }
  }
}

/**
 * Finds project paths whatever the case of their folders on disk (the blob names are lowercase), keeping
 * only the listings of the folders on the current path, so memory does not grow with the tree.
 */
class CaseInsensitivePaths {
  readonly #root: string;
  readonly #listings = new Map<string, Map<string, Dirent[]>>();

  constructor(root: string) {
    this.#root = root;
  }

  /** Every folder matching `relative` (lowercase, `/`-separated), with the relative path as on disk. */
  async folders(relative: string): Promise<Array<{ absolute: string; relative: string; stats: Stats }>> {
    let current = [{ absolute: this.#root, relative: '' }];
    for (const segment of relative.split('/')) {
      const next: typeof current = [];
      for (const folder of current) {
        for (const entry of (await this.#list(folder.absolute)).get(segment.toLowerCase()) ?? []) {
          if (entry.isDirectory()) next.push({ absolute: path.join(folder.absolute, entry.name), relative: folder.relative ? `${folder.relative}/${entry.name}` : entry.name });
        }
      }
      current = next;
    }
    const found: Array<{ absolute: string; relative: string; stats: Stats }> = [];
    for (const folder of current) found.push({ ...folder, stats: await lstat(folder.absolute) });
    return found;
  }

  /** The regular file at `relative` (lowercase), if the project has one. */
  async file(relative: string): Promise<{ absolute: string; stats: Stats } | null> {
    const segments = relative.split('/');
    const name = segments.pop() as string;
    const parents = segments.length === 0 ? [{ absolute: this.#root }] : await this.folders(segments.join('/'));
    for (const parent of parents) {
      for (const entry of (await this.#list(parent.absolute)).get(name) ?? []) {
        if (entry.isFile()) {
          const absolute = path.join(parent.absolute, entry.name);
          return { absolute, stats: await lstat(absolute) };
        }
      }
    }
    return null;
  }

  async #list(dir: string): Promise<Map<string, Dirent[]>> {
    const cached = this.#listings.get(dir);
    if (cached) return cached;
    const byName = new Map<string, Dirent[]>();
    let entries: Dirent[] = [];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      // An unreadable folder: the scan's own walk reports it.
    }
    for (const entry of entries) {
      const key = entry.name.toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), entry]);
    }
    // Keep only recent listings: the walk is depth first, so nearby folders are what is asked next.
    if (this.#listings.size >= 256) this.#listings.delete(this.#listings.keys().next().value as string);
    this.#listings.set(dir, byName);
    return byName;
  }
}
