/**
 * Coalesces kernel events into at most one `changed` notification per interval, so a burst of
 * 1,000 agents stepping costs the extension one refresh, not thousands.
 */
import { systemClock, type Timers } from '../kernel/ports/clock';
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
  /** default: the system clock's timers */
  timers?: Pick<Timers, 'after'>;
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
    const timers = options.timers ?? systemClock;
    this.batches = new Throttle(() => this.send(), options.intervalMs ?? 100, { edge: 'deferred', timers: { now: () => Date.now(), after: (ms, fn) => timers.after(ms, fn) } });
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
