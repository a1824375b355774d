/**
 * The reactor: runs playbooks (playbooks.ts) on kernel events. Each firing is stored and emitted
 * as a `reactor.fired` event; matches over a playbook's rate limit are counted and dropped.
 */
import { systemClock, type Timers } from '../kernel/ports/clock';
import type { KernelEvent } from '../kernel/events';
import type { Disposable, Pid } from '../kernel/types';
import type { EventSource } from './collector';
import type { Firing } from './config';
import { DEFAULT_PLAYBOOKS, type Playbook } from './playbooks';
import { plural } from '../text/plural';
import { formatBytes } from '../text/bytes';

/** What a suspension did. */
export type SuspendResult = 'suspended' | 'at_step_end' | 'already_suspended' | 'ended' | 'unknown';

/** Everything the reactor acts through (kernelEffects in reactorEffects.ts implements it on a kernel). */
export interface ReactorEffects {
  agentName(pid: Pid): string | null;
  suspend(pid: Pid, reason: string): SuspendResult;
  /** the scheduler's concurrent model calls */
  concurrency(): number;
  setConcurrency(n: number): void;
  /** the session that ran before this one, when it stopped without `kernel.stopped` */
  previousSessionCrashed(): { session: string } | null;
  /** agents that were live when this kernel started (what a restart restores) */
  agentsAtStart(): number;
  emit(event: KernelEvent): void;
  record(firing: Omit<Firing, 'id'>): void;
}

/** A firing as returned to the caller (for inline playbooks: what to do next). */
export interface FiringResult {
  playbook: string;
  pid: Pid | null;
  action: string;
  outcome: string;
  message: string;
  detail: Record<string, unknown>;
}

/** The wall clock, with timers that do not keep the process alive (a pending restore is no reason to stay up). */
const backgroundTimers: Timers = {
  now: () => systemClock.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return { dispose: () => clearTimeout(t) };
  },
};

/** Runs playbooks on events. */
export class Reactor implements Disposable {
  private readonly seen = new Map<string, number[]>();
  private readonly fired = new Map<string, number[]>();
  private readonly dropped = new Map<string, number>();
  private readonly subscriptions: Disposable[] = [];
  /** agents whose current tool call was denied (for the `not_denied` guard) */
  private readonly deniedCall = new Set<Pid>();
  private throttle: { original: number; timer: Disposable | null; playbook: string } | null = null;

  constructor(
    private readonly effects: ReactorEffects,
    readonly playbooks: readonly Playbook[] = DEFAULT_PLAYBOOKS,
    private readonly timers: Timers = backgroundTimers,
  ) {}

  /** Listens to the event types the (non-inline) playbooks name. */
  attach(source: EventSource): this {
    const types = new Set<string>(this.playbooks.filter((p) => !p.inline).map((p) => p.on));
    if (this.playbooks.some((p) => p.guard === 'not_denied')) types.add('approval.decided').add('tool.call');
    for (const type of types) this.subscriptions.push(source.subscribe(type, (e) => this.handle(e.event)));
    return this;
  }

  /** Matches beyond a playbook's rate limit, by playbook id. */
  suppressed(): Record<string, number> {
    return Object.fromEntries(this.dropped);
  }

  /**
   * Runs the playbooks that match `event`. `inline`: called where the event happened, for
   * playbooks marked inline (the bus never delivers those to the reactor).
   */
  handle(event: KernelEvent, mode: 'bus' | 'inline' = 'bus'): FiringResult[] {
    const out: FiringResult[] = [];
    if (event.type === 'tool.call') this.deniedCall.delete(event.pid);
    if (event.type === 'approval.decided' && event.decision === 'deny') this.deniedCall.add(event.pid);
    for (const p of this.playbooks) {
      if (p.on !== event.type || !!p.inline !== (mode === 'inline') || !matchesWhere(p, event)) continue;
      const pid = 'pid' in event ? event.pid : null;
      const now = this.timers.now();
      if (p.guard === 'not_denied' && pid !== null && this.deniedCall.has(pid)) continue;
      if (p.threshold && !this.reached(p, pid, now)) continue;
      if (p.guard === 'previous_session_crashed' && !this.effects.previousSessionCrashed()) continue;
      if (p.action.kind === 'throttle' && this.throttle) this.armRestore(p);
      if (!this.allowed(p, pid, now)) {
        this.dropped.set(p.id, (this.dropped.get(p.id) ?? 0) + 1);
        continue;
      }
      const result = this.act(p, event, pid);
      this.publish(p, result, now);
      out.push(result);
    }
    return out;
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.throttle?.timer?.dispose();
    this.throttle = null;
  }

  private reached(p: Playbook, pid: Pid | null, now: number): boolean {
    const t = p.threshold!;
    const key = `${p.id}:${t.per === 'agent' ? pid : '*'}`;
    const times = (this.seen.get(key) ?? []).filter((at) => now - at < t.withinMs);
    times.push(now);
    if (times.length >= t.count) {
      this.seen.delete(key); // the next firing needs a fresh run of matches
      return true;
    }
    this.seen.set(key, times);
    return false;
  }

  private allowed(p: Playbook, pid: Pid | null, now: number): boolean {
    const key = `${p.id}:${p.limit.per === 'agent' ? pid : '*'}`;
    const times = (this.fired.get(key) ?? []).filter((at) => now - at < p.limit.perMs);
    if (times.length >= p.limit.max) {
      this.fired.set(key, times);
      return false;
    }
    times.push(now);
    this.fired.set(key, times);
    return true;
  }

  private act(p: Playbook, event: KernelEvent, pid: Pid | null): FiringResult {
    const who = pid === null ? '' : `agent ${pid}${this.effects.agentName(pid) ? ` (${this.effects.agentName(pid)})` : ''}`;
    const base = { playbook: p.id, pid, action: p.action.kind };
    switch (p.action.kind) {
      case 'suspend': {
        if (pid === null) return { ...base, outcome: 'skipped', message: 'the event names no agent', detail: {} };
        const why = reasonOf(event);
        const result = this.effects.suspend(pid, `suspended by the reactor (${p.id}): ${why}; look at what it is doing, then resume or kill it`);
        const what = {
          suspended: 'suspended', at_step_end: 'will be suspended at the end of its step', already_suspended: 'was already suspended',
          ended: 'had already ended', unknown: 'is unknown to this kernel',
        }[result];
        return { ...base, outcome: result, message: `${who} ${what}: ${why}`, detail: { reason: why } };
      }
      case 'throttle': {
        const before = this.effects.concurrency();
        const after = Math.max(1, Math.floor(before * p.action.factor));
        if (!this.throttle) this.throttle = { original: before, timer: null, playbook: p.id };
        this.effects.setConcurrency(after);
        this.armRestore(p);
        return {
          ...base, outcome: after < before ? 'throttled' : 'at_minimum',
          message: `rate limited by the API: concurrent model calls ${before} → ${after} until ${Math.round(p.action.restoreAfterMs / 1000)} s pass without another 429`,
          detail: { before, after, restoreAfterMs: p.action.restoreAfterMs },
        };
      }
      case 'retry_with_more_memory': {
        const current = event.type === 'sandbox.exec' ? event.memoryBytes : null;
        if (current === null) return { ...base, outcome: 'not_retried', message: `${who}: a sandboxed command ran out of memory; this sandbox cannot change its memory limit, so it was not retried`, detail: {} };
        const next = Math.min(p.action.capBytes, Math.floor(current * p.action.factor));
        if (next <= current) {
          return { ...base, outcome: 'at_cap', message: `${who}: a sandboxed command ran out of memory at ${formatBytes(current)}, the most allowed (${formatBytes(p.action.capBytes)}); not retried`, detail: { memoryBytes: current } };
        }
        return { ...base, outcome: 'retry', message: `${who}: a sandboxed command ran out of memory at ${formatBytes(current)}; retrying once with ${formatBytes(next)}`, detail: { from: current, memoryBytes: next } };
      }
      case 'record_restore': {
        const prev = this.effects.previousSessionCrashed();
        const live = this.effects.agentsAtStart();
        return {
          ...base, outcome: 'restored',
          message: `the previous kernel host${prev ? ` (session ${prev.session.slice(0, 8)})` : ''} stopped without shutting down; ${plural(live, 'live agent')} ${live === 1 ? 'was' : 'were'} restored from the database`,
          detail: { previousSession: prev?.session ?? null, restoredAgents: live },
        };
      }
    }
  }

  private armRestore(p: Playbook): void {
    if (p.action.kind !== 'throttle' || !this.throttle) return;
    this.throttle.timer?.dispose();
    this.throttle.timer = this.timers.after(p.action.restoreAfterMs, () => this.restore());
  }

  private restore(): void {
    const t = this.throttle;
    if (!t) return;
    this.throttle = null;
    const before = this.effects.concurrency();
    this.effects.setConcurrency(t.original);
    this.publish(
      { on: 'scheduler.rate_limited', notify: false, id: t.playbook } as Playbook,
      { playbook: t.playbook, pid: null, action: 'restore', outcome: 'restored', message: `no 429 for a while: concurrent model calls ${before} → ${t.original}`, detail: { before, after: t.original } },
      this.timers.now(),
    );
  }

  private publish(p: Playbook, r: FiringResult, at: number): void {
    this.effects.record({ at, playbook: r.playbook, pid: r.pid, action: r.action, outcome: r.outcome, message: r.message, detail: r.detail });
    this.effects.emit({ type: 'reactor.fired', playbook: r.playbook, pid: r.pid, action: r.action, outcome: r.outcome, message: r.message, notify: p.notify });
  }
}

function matchesWhere(p: Playbook, event: KernelEvent): boolean {
  if (!p.where) return true;
  const fields = event as unknown as Record<string, unknown>;
  return Object.entries(p.where).every(([k, v]) => fields[k] === v);
}

/** Why the playbook acted, in words. */
function reasonOf(e: KernelEvent): string {
  switch (e.type) {
    case 'agent.loop': return `loop detected: ${e.tool} called ${e.repeats} times in a row with the same input`;
    case 'tool.result': return `repeated tool failures (the last: ${e.tool})`;
    case 'budget.exceeded': return `${e.budget} budget exceeded (${e.used} of ${e.limit})`;
    default: return e.type;
  }
}
