/**
 * Listing a large container in parallel. The List Blobs API pages through a container in one sequence (each
 * page's continuation token comes from the page before), so one listing of a million blobs is 200 round trips
 * in a row. The folders of a container split it into parts that can be listed at once: a walk reads the top
 * folder levels (one page each, with a `/` delimiter, yielding the blobs found there), and once there are
 * enough folders, each is listed flat, several at a time. The parts never overlap, so every blob is yielded
 * once. Generic over what a page holds, so it knows nothing of the SDK.
 */

/** One page of a folder level: the blobs directly in it, its subfolders, and whether the level has more pages. */
export interface LevelPage<T> {
  items: T[];
  prefixes: string[];
  more: boolean;
}

export interface WalkOptions<T> {
  /** Where the walk starts ('' for the whole container, or a prefix). */
  root: string;
  /** How many blobs the root likely holds; a folder's share is its parent's, split evenly among its siblings. */
  expected: number;
  /** Listings in flight at once. */
  parallel: number;
  /** Stop walking down once this many folders are known (then list each flat). Default 4 × parallel. */
  enoughFolders?: number;
  /** Walk no deeper than this many folder levels below the root. Default 4. */
  maxDepth?: number;
  /** A folder is split into its subfolders only if each would likely hold this many blobs; else it is listed flat whole. Default 1,000. */
  minPerPart?: number;
  /** The first page of a folder level (delimiter '/'), one request. */
  level(prefix: string): Promise<LevelPage<T>>;
  /** Every blob under a prefix, page by page. */
  flat(prefix: string): AsyncIterable<T[]>;
}

interface Folder {
  prefix: string;
  expected: number;
}

export async function* walkInParallel<T>(options: WalkOptions<T>): AsyncGenerator<T[]> {
  const enough = options.enoughFolders ?? 4 * options.parallel;
  const maxDepth = options.maxDepth ?? 4;
  const minPerPart = options.minPerPart ?? 1000;
  let frontier: Folder[] = [{ prefix: options.root, expected: options.expected }];
  const flat: string[] = [];
  for (let depth = 0; frontier.length > 0 && frontier.length + flat.length < enough && depth < maxDepth; depth++) {
    const next: Folder[] = [];
    for await (const { folder, page } of mapInParallel(frontier, options.parallel, async (folder) => ({ folder, page: await options.level(folder.prefix) }))) {
      const share = folder.expected / Math.max(1, page.prefixes.length);
      // Too wide for one page, or split into parts too small to be worth a request each: listed flat whole
      // (what its level page held is left for that listing, so nothing is yielded twice).
      if (page.more || (page.prefixes.length > 1 && share < minPerPart)) {
        flat.push(folder.prefix);
        continue;
      }
      if (page.items.length > 0) yield page.items;
      next.push(...page.prefixes.map((prefix) => ({ prefix, expected: share })));
    }
    frontier = next;
  }
  flat.push(...frontier.map((folder) => folder.prefix));
  yield* mergePages(flat.map((prefix) => () => options.flat(prefix)), options.parallel);
}

/** `map` over `inputs`, at most `parallel` at once, results in the order they finish. */
async function* mapInParallel<I, O>(inputs: readonly I[], parallel: number, map: (input: I) => Promise<O>): AsyncGenerator<O> {
  yield* mergePages(
    inputs.map((input) => async function* () {
      yield await map(input);
    }),
    parallel,
  );
}

/** Pages of several listings as they come, at most `parallel` listings open at once; the first failure ends it all. */
async function* mergePages<T>(listings: ReadonlyArray<() => AsyncIterable<T>>, parallel: number): AsyncGenerator<T> {
  const running = new Map<number, { iterator: AsyncIterator<T>; next: Promise<{ id: number; step: IteratorResult<T> }> }>();
  let started = 0;
  const pull = (id: number, iterator: AsyncIterator<T>) => running.set(id, { iterator, next: iterator.next().then((step) => ({ id, step })) });
  const startMore = () => {
    while (running.size < parallel && started < listings.length) {
      const id = started++;
      const open = listings[id] as () => AsyncIterable<T>;
      pull(id, open()[Symbol.asyncIterator]());
    }
  };
  try {
    startMore();
    while (running.size > 0) {
      const { id, step } = await Promise.race([...running.values()].map((entry) => entry.next));
      const { iterator } = running.get(id)!;
      if (step.done) {
        running.delete(id);
        startMore();
        continue;
      }
      pull(id, iterator);
      yield step.value;
    }
  } finally {
    // Stopped early (a failure, or the consumer left): close the listings still open, without waiting for their pages.
    for (const { iterator, next } of running.values()) {
      next.catch(() => undefined);
      iterator.return?.().catch(() => undefined);
    }
  }
}
