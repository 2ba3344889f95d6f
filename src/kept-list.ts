/**
 * The first few items of a list that may grow with the payload (missing, extra or mismatched blobs of a
 * million-file run), and how many there were: memory stays bounded whatever a check finds.
 */

/** Items a list keeps (the first found); past it they are only counted. */
export const KEPT_PER_LIST = 1000;

export class KeptList<T> {
  readonly kept: T[] = [];
  count = 0;

  add(item: T): void {
    if (this.count++ < KEPT_PER_LIST) this.kept.push(item);
  }
}
