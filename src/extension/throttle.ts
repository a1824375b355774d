/**
 * Runs an async job at most once per interval, never twice at once, and always once more after
 * the last trigger (trailing edge), so the views catch up with the final state of a burst.
 */

/** Timer functions, injectable for tests. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

export class Throttle {
  private running = false;
  private pending = false;
  private timer: unknown = null;
  private lastStart = -Infinity;
  private disposed = false;

  constructor(private readonly job: () => Promise<void>, private readonly intervalMs: number, private readonly timers: Timers = realTimers) {}

  /** Asks for a run: at once when idle and the interval has passed, else after it. */
  trigger(): void {
    if (this.disposed) return;
    this.pending = true;
    if (this.running || this.timer !== null) return;
    const wait = Math.max(0, this.lastStart + this.intervalMs - this.timers.now());
    if (wait === 0) void this.run();
    else this.timer = this.timers.set(() => { this.timer = null; void this.run(); }, wait);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    if (this.disposed || !this.pending) return;
    this.pending = false;
    this.running = true;
    this.lastStart = this.timers.now();
    try {
      await this.job();
    } catch {
      // the job reports its own errors; a failure must not stop later runs
    } finally {
      this.running = false;
      if (this.pending) this.trigger();
    }
  }
}
