import type { StoredEvent } from './events';
import type { Disposable } from './types';

/** A listener of stored kernel events. */
export type EventListener = (event: StoredEvent) => void | Promise<void>;

interface Subscription {
  /** exact type, a prefix ending in '.', or '*' */
  pattern: string;
  listener: EventListener;
  active: boolean;
}

/**
 * Publishes committed kernel events to listeners, by type or prefix.
 * Delivery is asynchronous (after the kernel's call returns), in order, and isolated: a slow or
 * throwing listener cannot block or break the kernel; errors go to `onListenerError`.
 */
export class EventBus {
  private readonly subs: Subscription[] = [];
  private queue: StoredEvent[] = [];
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly onListenerError: (error: unknown, event: StoredEvent) => void = () => {},
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  /** `pattern`: an exact type (`agent.state`), a prefix ending in '.' (`agent.`), or '*'. */
  subscribe(pattern: string, listener: EventListener): Disposable {
    const sub: Subscription = { pattern, listener, active: true };
    this.subs.push(sub);
    return {
      dispose: () => {
        sub.active = false;
        const i = this.subs.indexOf(sub);
        if (i >= 0) this.subs.splice(i, 1);
      },
    };
  }

  /** Queues committed events for delivery. */
  publish(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.queue.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.drain());
    }
  }

  /** Resolves once every queued event has been handed to its listeners. */
  idle(): Promise<void> {
    if (!this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const subs = this.subs.slice();
    for (const event of batch) {
      const type = event.event.type;
      for (const sub of subs) {
        if (!sub.active || !matches(sub.pattern, type)) continue;
        try {
          const r = sub.listener(event);
          if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((err) => this.onListenerError(err, event));
        } catch (err) {
          this.onListenerError(err, event);
        }
      }
    }
    if (this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** Whether an event type matches a subscription pattern. */
export function matches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.')) return type.startsWith(pattern);
  return pattern === type;
}
