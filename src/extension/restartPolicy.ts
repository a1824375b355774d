/**
 * When to restart a kernel host that died, and when to tell the developer: once for the first
 * unexpected stop, once more if it keeps dying and restarts stop. Plain logic, no `vscode`.
 */

/** What to do after an unexpected exit. */
export type RestartDecision =
  | { action: 'restart'; delayMs: number; notify: boolean }
  | { action: 'give_up'; notify: boolean };

/** Options of RestartPolicy. */
export interface RestartPolicyOptions {
  /** first delay (default 250 ms), doubled per crash in a row up to `maxDelayMs` */
  initialDelayMs?: number;
  /** default 15 s */
  maxDelayMs?: number;
  /** crashes within `windowMs` after which restarting stops (default 5) */
  maxCrashes?: number;
  /** default 60 s */
  windowMs?: number;
}

export class RestartPolicy {
  private crashes: number[] = [];
  private told = false;
  private gaveUpTold = false;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxCrashes: number;
  private readonly windowMs: number;

  constructor(options: RestartPolicyOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 15_000;
    this.maxCrashes = options.maxCrashes ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** The host exited without being asked to at time `now`. */
  crashed(now: number): RestartDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    if (this.crashes.length >= this.maxCrashes) {
      const notify = !this.gaveUpTold;
      this.gaveUpTold = true;
      return { action: 'give_up', notify };
    }
    const notify = !this.told;
    this.told = true;
    const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (this.crashes.length - 1));
    return { action: 'restart', delayMs, notify };
  }

  /** The developer restarted the host by hand: count afresh and speak up again next time. */
  reset(): void {
    this.crashes = [];
    this.told = false;
    this.gaveUpTold = false;
  }
}
