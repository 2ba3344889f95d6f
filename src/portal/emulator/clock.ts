/**
 * The emulator's clock: real time plus an offset that tests (and the admin route) move forward, so a
 * week-long upload window or a 180-day restore window can be crossed in a test without waiting.
 */
export class EmulatorClock {
  private offsetMs: number;
  private readonly listeners = new Set<() => void>();

  constructor(offsetMs = 0) {
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
    this.offsetMs += ms;
    for (const listener of this.listeners) listener();
    return this.now();
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
