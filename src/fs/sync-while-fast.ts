/**
 * Synchronous file system calls while they stay fast. On a local disk with the metadata cached, lstat, open,
 * read and close take a few µs each when synchronous, against a round trip through libuv's thread pool and a
 * promise when asynchronous (several times the CPU, at thousands of files a second). But a synchronous call
 * blocks the event loop, and every socket with it: a slow one (a network share, a cold disk) sends the next
 * `cooldownCalls` calls to the asynchronous path, then one tries again; each slow try in a row doubles the
 * wait (a share that is always slow costs one stall per ever longer stretch), and a fast one resets it.
 */
import { performance } from 'node:perf_hooks';

export interface SyncWhileFastOptions {
  /** A synchronous call taking longer than this (ms) is slow. */
  slowMs: number;
  /** Calls sent to the asynchronous path after the first slow one. Default 256. */
  cooldownCalls?: number;
  /** The clock calls are timed with (performance.now). */
  now?: () => number;
}

const MAX_COOLDOWN_CALLS = 1 << 20;

export class SyncWhileFast {
  private readonly slowMs: number;
  private readonly firstCooldown: number;
  private readonly now: () => number;
  private cooldown: number;
  private left = 0;
  /** Calls made synchronously, and the slow ones among them. */
  readonly counts = { sync: 0, slow: 0 };

  constructor(options: SyncWhileFastOptions) {
    this.slowMs = options.slowMs;
    this.firstCooldown = this.cooldown = Math.max(1, options.cooldownCalls ?? 256);
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether the next call may be synchronous (then made through `timed`); false: make it asynchronously. */
  take(): boolean {
    if (this.left === 0) return true;
    this.left--;
    return false;
  }

  /** Makes a synchronous call, timed. */
  timed<T>(call: () => T): T {
    const started = this.now();
    try {
      return call();
    } finally {
      this.counts.sync++;
      if (this.now() - started > this.slowMs) {
        this.counts.slow++;
        this.left = this.cooldown;
        this.cooldown = Math.min(MAX_COOLDOWN_CALLS, this.cooldown * 2);
      } else {
        this.cooldown = this.firstCooldown;
      }
    }
  }
}
