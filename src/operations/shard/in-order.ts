/** Maps a stream with up to `limit` calls in flight, yielding results in the input's order. */
export async function* inOrder<T, R>(items: AsyncIterable<T>, limit: number, map: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Array<Promise<R>> = [];
  for await (const item of items) {
    const work = map(item);
    // Failures surface in order when awaited below; until then they must not count as unhandled.
    work.catch(() => undefined);
    pending.push(work);
    if (pending.length >= limit) yield await (pending.shift() as Promise<R>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<R>);
}
