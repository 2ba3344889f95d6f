/**
 * Request slots: every request the engine sends holds one, so at most `limit` requests are in flight; the
 * limit may change while the run goes on (adaptive concurrency). A slot that carries a body also holds a
 * reusable buffer, sized to a power of two between 64 KiB and the block size, and all buffers together stay
 * within `budgetBytes` whatever the limit: this is the memory bound of the whole transfer. Large-file blocks
 * therefore never exceed the budget, while small files, needing little, can have many requests in flight.
 */
export interface Slot {
  /** The slot's buffer (`bytes` long or more); empty for a request without a body. */
  buffer: Buffer;
  release(): void;
}

export interface SlotsOptions {
  /** Requests in flight at once (changeable with setLimit). */
  limit: number;
  /** The largest buffer anyone asks for (the block size, or the largest file if smaller). */
  bufferSize: number;
  /** All buffers together stay within this. At least bufferSize. */
  budgetBytes: number;
}

export interface BufferAccounting {
  budgetBytes: number;
  /** The most bytes of buffers that existed at one time. */
  peakBytes: number;
}

const SMALLEST_BUFFER = 64 * 1024;
const EMPTY = Buffer.alloc(0);

interface Waiter {
  size: number;
  grant(buffer: Buffer): void;
}

export class Slots {
  readonly bufferSize: number;
  readonly budgetBytes: number;
  private current: number;
  private inUse = 0;
  private allocated = 0;
  private peak = 0;
  /** Free buffers by size. */
  private readonly free = new Map<number, Buffer[]>();
  private readonly waiting: Waiter[] = [];

  constructor(options: SlotsOptions) {
    this.current = Math.max(1, Math.floor(options.limit));
    this.bufferSize = Math.max(1, options.bufferSize);
    this.budgetBytes = Math.max(this.bufferSize, options.budgetBytes);
  }

  get limit(): number {
    return this.current;
  }

  /** Requests holding a slot now. */
  get active(): number {
    return this.inUse;
  }

  accounting(): BufferAccounting {
    return { budgetBytes: this.budgetBytes, peakBytes: this.peak };
  }

  setLimit(limit: number): void {
    this.current = Math.max(1, Math.floor(limit));
    this.pump();
  }

  /** A slot with a buffer of at least `bytes` (0: no buffer). Waits in line, first come first served. */
  async acquire(bytes: number, signal?: AbortSignal): Promise<Slot> {
    signal?.throwIfAborted();
    const size = this.sizeFor(bytes);
    const buffer = this.waiting.length === 0 && this.canGrant(size) ? this.take(size) : await this.wait(size, signal);
    let released = false;
    return {
      buffer,
      release: () => {
        if (released) return;
        released = true;
        this.inUse--;
        if (size > 0) this.freeList(size).push(buffer);
        this.pump();
      },
    };
  }

  private sizeFor(bytes: number): number {
    if (bytes <= 0) return 0;
    if (bytes > this.bufferSize) throw new RangeError(`A buffer of ${bytes} bytes is larger than the block buffers (${this.bufferSize}).`);
    let size = SMALLEST_BUFFER;
    while (size < bytes) size *= 2;
    return Math.min(size, this.bufferSize);
  }

  private canGrant(size: number): boolean {
    if (this.inUse >= this.current) return false;
    if (size === 0 || (this.free.get(size)?.length ?? 0) > 0) return true;
    // Room for a new buffer, counting the free ones of other sizes that could be let go.
    let idle = 0;
    for (const [other, list] of this.free) if (other !== size) idle += other * list.length;
    return this.allocated - idle + size <= this.budgetBytes;
  }

  /** Call only when canGrant(size). */
  private take(size: number): Buffer {
    this.inUse++;
    if (size === 0) return EMPTY;
    const reused = this.free.get(size)?.pop();
    if (reused) return reused;
    // Let go of idle buffers of other sizes, largest first, until the new one fits the budget.
    const sizes = [...this.free.keys()].sort((a, b) => b - a);
    for (const other of sizes) {
      const list = this.freeList(other);
      while (this.allocated + size > this.budgetBytes && list.length > 0) {
        list.pop();
        this.allocated -= other;
      }
    }
    this.allocated += size;
    this.peak = Math.max(this.peak, this.allocated);
    // Shared memory: the MD5 worker reads the block where it lies, without a copy.
    return Buffer.from(new SharedArrayBuffer(size));
  }

  private freeList(size: number): Buffer[] {
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    return list;
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0] as Waiter;
      if (!this.canGrant(head.size)) return;
      this.waiting.shift();
      head.grant(this.take(head.size));
    }
  }

  private wait(size: number, signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
        this.pump();
      };
      const waiter: Waiter = {
        size,
        grant: (buffer) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(buffer);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
