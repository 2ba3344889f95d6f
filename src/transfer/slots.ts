/**
 * Request slots, each with its own reusable buffer: at most `count` requests are in flight and at most
 * `count` buffers of `bufferSize` bytes exist, whatever the sizes of the files. This is the memory bound
 * of the whole transfer (concurrency × block size).
 */
export interface Slot {
  buffer: Buffer;
  release(): void;
}

export class Slots {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private made = 0;

  constructor(
    readonly count: number,
    readonly bufferSize: number,
  ) {}

  async acquire(signal?: AbortSignal): Promise<Slot> {
    signal?.throwIfAborted();
    const buffer = this.free.pop() ?? (this.made < this.count ? this.make() : await this.wait(signal));
    let released = false;
    return {
      buffer,
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        if (next) next(buffer);
        else this.free.push(buffer);
      },
    };
  }

  private make(): Buffer {
    this.made++;
    // Shared memory: the MD5 worker reads the block where it lies, without a copy. Lives for the whole run.
    return Buffer.from(new SharedArrayBuffer(this.bufferSize));
  }

  private wait(signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = (buffer: Buffer) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(buffer);
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
