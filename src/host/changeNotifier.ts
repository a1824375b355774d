/**
 * Coalesces kernel events into at most one `changed` notification per interval, so a burst of
 * 1,000 agents stepping costs the extension one refresh, not thousands.
 */
import type { StoredEvent } from '../kernel/events';
import type { Disposable } from '../kernel/types';
import type { EventView } from '../protocol/hostTypes';
import { Throttle } from '../text/throttle';
import { toEventView } from './eventSummary';

/** One coalesced batch. */
export interface ChangeBatch {
  version: number;
  events: EventView[];
  /** events left out of `events` because the batch was full */
  dropped: number;
}

/** Options of ChangeNotifier. */
export interface ChangeNotifierOptions {
  send: (batch: ChangeBatch) => void;
  /** default 100 ms */
  intervalMs?: number;
  /** events carried per batch at most (the rest are counted); default 200 */
  maxEvents?: number;
  setTimer?: (fn: () => void, ms: number) => Disposable;
}

export class ChangeNotifier implements Disposable {
  private events: EventView[] = [];
  private dropped = 0;
  private dirty = false;
  private counter = 0;
  private disposed = false;
  private readonly maxEvents: number;
  /** Deferred edge: a synchronous burst (1,000 agents stepping) joins one batch; then one per interval. */
  private readonly batches: Throttle;

  constructor(private readonly options: ChangeNotifierOptions) {
    this.maxEvents = options.maxEvents ?? 200;
    const setTimer = options.setTimer;
    const timers = setTimer && { set: setTimer, clear: (t: unknown) => (t as Disposable).dispose(), now: () => Date.now() };
    this.batches = new Throttle(() => this.send(), options.intervalMs ?? 100, { edge: 'deferred', timers });
  }

  /** Grows with every change; the snapshot carries it. */
  get version(): number {
    return this.counter;
  }

  /** A kernel event happened. */
  event(stored: StoredEvent): void {
    if (this.events.length < this.maxEvents) this.events.push(toEventView(stored));
    else this.dropped++;
    this.touch();
  }

  /** State changed without a kernel event (an approval answered, a sandbox probe finished). */
  touch(): void {
    if (this.disposed) return;
    this.counter++;
    this.dirty = true;
    this.batches.trigger();
  }

  /** Sends what is pending now. */
  flush(): void {
    this.batches.flush();
  }

  dispose(): void {
    this.disposed = true;
    this.batches.dispose();
  }

  private send(): void {
    if (!this.dirty || this.disposed) return;
    const batch: ChangeBatch = { version: this.counter, events: this.events, dropped: this.dropped };
    this.events = [];
    this.dropped = 0;
    this.dirty = false;
    this.options.send(batch);
  }
}
