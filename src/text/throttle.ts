/**
 * The one throttle: runs a job at most once per interval, never twice at once, and always once
 * more after the last trigger (trailing edge), so a view catches up with the final state of a
 * burst. Pure (timers are injectable); the extension, the host and the webviews all use it.
 */

/**
 * Timers, injectable for tests: the shape of the kernel's one timer port (`Timers` in
 * src/kernel/ports/clock.ts), written again here because src/text imports nothing of ours.
 */
export interface ThrottleTimers {
  now(): number;
  /** runs `fn` once after `ms`; dispose cancels it */
  after(ms: number, fn: () => void): { dispose(): void };
}

/** The wall clock and setTimeout (the extension and the webviews have no kernel port to pass). */
export const realTimers: ThrottleTimers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return { dispose: () => clearTimeout(t) };
  },
};

/**
 * When the first trigger of a burst runs the job, if the interval since the last run has passed:
 * `now` at once (a click shows at once); `deferred` on a 0 ms timer, so the rest of a synchronous
 * burst joins it; `trailing` only after a full interval (batching).
 */
export type ThrottleEdge = 'now' | 'deferred' | 'trailing';

/** Options of a Throttle. */
export interface ThrottleOptions {
  /** default 'now' */
  edge?: ThrottleEdge;
  timers?: ThrottleTimers;
}

/** A throttled job; dispose it with its owner (no timer outlives it). */
export class Throttle {
  private running = false;
  private pending = false;
  private timer: { dispose(): void } | null = null;
  private lastStart = -Infinity;
  private disposed = false;
  private readonly edge: ThrottleEdge;
  private readonly timers: ThrottleTimers;

  constructor(private readonly job: () => void | Promise<void>, private readonly intervalMs: number, options: ThrottleOptions = {}) {
    this.edge = options.edge ?? 'now';
    this.timers = options.timers ?? realTimers;
  }

  /** Asks for a run: per the edge when idle and the interval has passed, else when it has. */
  trigger(): void {
    if (this.disposed) return;
    this.pending = true;
    if (this.running || this.timer !== null) return;
    const wait = this.edge === 'trailing' ? this.intervalMs : Math.max(0, this.lastStart + this.intervalMs - this.timers.now());
    if (wait === 0 && this.edge === 'now') this.run();
    else this.timer = this.timers.after(wait, () => { this.timer = null; this.run(); });
  }

  /** Runs a pending job now instead of at its time (a job already running runs again after). */
  flush(): void {
    if (this.disposed || !this.pending || this.running) return;
    this.cancelTimer();
    this.run();
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    this.timer?.dispose();
    this.timer = null;
  }

  private run(): void {
    if (this.disposed || !this.pending) return;
    this.pending = false;
    this.running = true;
    this.lastStart = this.timers.now();
    let result: void | Promise<void>;
    try {
      result = this.job();
    } catch {
      result = undefined; // the job reports its own errors; a failure must not stop later runs
    }
    // A synchronous job is over at once, so a trigger right after it schedules the next run.
    if (result instanceof Promise) result.then(this.done, this.done);
    else this.done();
  }

  private readonly done = (): void => {
    this.running = false;
    if (this.pending) this.trigger();
  };
}
