/**
 * Time: the one clock and timer port of the kernel side, injected so the scheduler, the step loop,
 * the safety layer and the tests are deterministic. Parts that only read the time take a `Clock`;
 * parts that wait take `Timers`.
 */
import type { Disposable } from '../types';

/** Time source. */
export interface Clock {
  /** ms since epoch */
  now(): number;
}

/** A clock that can also wake you up. */
export interface Timers extends Clock {
  /** runs `fn` once after `ms`; dispose cancels it */
  after(ms: number, fn: () => void): Disposable;
}

/** The wall clock and Node's timers. */
export const systemClock: Timers = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return { dispose: () => clearTimeout(t) };
  },
};
