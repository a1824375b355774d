import type { EventBus } from './eventBus';
import type { KernelEvent, StoredEvent } from './events';
import type { Clock, KernelStore } from './ports';

/**
 * The kernel's write path: state changes and the events describing them are written in one
 * storage transaction, and the events are published only after it commits (never for a
 * rolled-back change).
 */
export class Journal {
  private depth = 0;
  private pending: StoredEvent[] = [];

  constructor(
    readonly store: KernelStore,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  /** Runs `fn` in one transaction; events emitted inside are published after the commit. */
  atomically<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.depth++;
    let result: T;
    try {
      result = this.store.transaction(fn);
    } catch (err) {
      this.pending = [];
      throw err;
    } finally {
      this.depth--;
    }
    const events = this.pending;
    this.pending = [];
    this.bus.publish(events);
    return result;
  }

  /** Writes an event (inside the current transaction, or in its own). */
  emit(event: KernelEvent): void {
    if (this.depth === 0) {
      this.atomically(() => this.emit(event));
      return;
    }
    const at = this.clock.now();
    const seq = this.store.appendEvent(event, at);
    this.pending.push({ seq, at, event });
  }
}
