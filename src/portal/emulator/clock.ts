/**
 * The emulator's clock: real time plus an offset that tests (and the admin route) move forward, so a
 * week-long upload window or a 180-day restore window can be crossed in a test without waiting.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
/** One step at most: past the 180-day restore window with room to spare; beyond is a typo (seconds for ms, an extra zero). */
export const MAX_ADVANCE_MS = 400 * DAY_MS;
/** How far ahead the emulator may ever be: a few years of such steps. A loaded offset beyond it cannot be valid. */
export const MAX_OFFSET_MS = 10 * 366 * DAY_MS;

/** Why `ms` cannot be a clock offset (negative, not finite, or beyond MAX_OFFSET_MS), or null. */
export function offsetProblem(ms: unknown): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'is not a finite number';
  if (ms < 0) return 'is negative (the emulator clock only moves forward)';
  if (ms > MAX_OFFSET_MS) return `is more than ${MAX_OFFSET_MS / DAY_MS} days`;
  return null;
}

export class EmulatorClock {
  private offsetMs: number;
  private readonly listeners = new Set<() => void>();

  constructor(offsetMs = 0) {
    const problem = offsetProblem(offsetMs);
    if (problem) throw new RangeError(`The emulator clock offset ${problem}`);
    this.offsetMs = offsetMs;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** How far the emulator is ahead of the real clock; persisted with `--data`. */
  get offset(): number {
    return this.offsetMs;
  }

  /** The real (wall-clock) time that corresponds to an emulator time: Azurite checks SAS expiry on the real clock. */
  toRealTime(emulatorTime: Date): Date {
    return new Date(emulatorTime.getTime() - this.offsetMs);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The emulator clock only moves forward');
    if (ms > MAX_ADVANCE_MS) throw new RangeError(`The emulator clock moves at most ${MAX_ADVANCE_MS / DAY_MS} days at a time`);
    if (this.offsetMs + ms > MAX_OFFSET_MS) throw new RangeError(`The emulator clock stays within ${MAX_OFFSET_MS / DAY_MS} days of the real one`);
    this.offsetMs += ms;
    for (const listener of this.listeners) listener();
    return this.now();
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
