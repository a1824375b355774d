import type { EventBus } from './eventBus';
import type { KernelEvent, StoredEvent } from './events';
import type { Clock } from './ports/clock';
import type { AuditLog, EventLog, Transactional } from './ports/store';
import type { AuditEntry } from './types';

/**
 * The kernel's write path: state changes and the events describing them are written in one
 * storage transaction, and the events are published only after it commits (never for a
 * rolled-back change).
 * Events and audit entries emitted outside a transaction (a tool call starting, a policy
 * decision) are not worth a commit each: they are queued and written with the next
 * transaction, or on the next turn of the event loop, whichever comes first, in order.
 */
export class Journal {
  private depth = 0;
  private pending: StoredEvent[] = [];
  private deferred: Array<{ event: KernelEvent; at: number } | { audit: AuditEntry }> = [];
  private flushScheduled = false;

  constructor(
    private readonly store: Transactional & EventLog & AuditLog,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly schedule: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  /** Runs `fn` in one transaction; events emitted inside are published after the commit. */
  atomically<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.depth++;
    let result: T;
    let taken: Journal['deferred'] = [];
    try {
      result = this.store.transaction(() => {
        taken = this.writeDeferred();
        return fn();
      });
    } catch (err) {
      // rolled back: what was queued before this transaction is queued again, not lost
      this.deferred = [...taken, ...this.deferred];
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

  /** Writes an event: inside the current transaction, or queued for the next write. */
  emit(event: KernelEvent): void {
    if (this.depth > 0) {
      const at = this.clock.now();
      this.pending.push({ seq: this.store.appendEvent(event, at), at, event });
      return;
    }
    this.deferred.push({ event, at: this.clock.now() });
    this.scheduleFlush();
  }

  /** Appends to the audit trail (with the next write). */
  audit(entry: AuditEntry): void {
    if (this.depth > 0) {
      this.store.appendAudit(entry);
      return;
    }
    this.deferred.push({ audit: entry });
    this.scheduleFlush();
  }

  /** Writes whatever is queued now. */
  flush(): void {
    if (this.deferred.length > 0 && this.depth === 0) this.atomically(() => undefined);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.schedule(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch {
        // storage trouble surfaces on the next state change, which cannot be deferred
      }
    });
  }

  private writeDeferred(): Journal['deferred'] {
    if (this.deferred.length === 0) return [];
    const queued = this.deferred;
    this.deferred = [];
    for (const d of queued) {
      if ('audit' in d) this.store.appendAudit(d.audit);
      else this.pending.push({ seq: this.store.appendEvent(d.event, d.at), at: d.at, event: d.event });
    }
    return queued;
  }
}
