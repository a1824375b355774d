import { InvalidArgumentError, KernelError } from './errors';
import { IndexedHeap } from './heap';
import type { Journal } from './journal';
import { checkLimits, describeViolation } from './limits';
import type { Clock } from './ports/clock';
import type { ProcessTable } from './processTable';
import { TokenBucket } from './tokenBucket';
import type { Pid } from './types';

/** How the next agent is chosen. */
export type SchedulingPolicy = 'priority' | 'round_robin' | 'fair_share';

export const POLICIES: readonly SchedulingPolicy[] = ['priority', 'round_robin', 'fair_share'];

/** Scheduler settings; all can change at run time. */
export interface SchedulerConfig {
  policy: SchedulingPolicy;
  /** priority points a ready agent gains per second of waiting (priority policy) */
  agingPerSecond: number;
  /** round robin: steps an agent may run before it goes to the back of the queue */
  sliceSteps: number;
  /** round robin: tokens an agent may use before it goes to the back of the queue */
  sliceTokens: number;
  /** global limit on model calls in flight */
  maxConcurrent: number;
  requestsPerMinute: number;
  tokensPerMinute: number;
}

export const DEFAULT_SCHEDULER: SchedulerConfig = {
  policy: 'priority',
  agingPerSecond: 1,
  sliceSteps: 4,
  sliceTokens: Infinity,
  maxConcurrent: 4,
  requestsPerMinute: Infinity,
  tokensPerMinute: Infinity,
};

/** What `next` says to do. */
export type Dispatch =
  | { kind: 'run'; pid: Pid; estimate: number }
  | { kind: 'idle' }
  | { kind: 'full' }
  | { kind: 'wait'; untilMs: number; reason: 'rate_limit' | 'paused' };

/** The scheduler's view of one ready agent. */
interface Entry {
  heapIndex: number;
  pid: Pid;
  priority: number;
  /** when the agent last became ready (ms) */
  readySince: number;
  /** FIFO position: a new ticket puts the agent at the back */
  ticket: number;
  /** tokens used over the agent's life (fair share) */
  tokens: number;
}

/** Round-robin slice accounting of an agent between tickets. */
interface Slice {
  ticket: number;
  steps: number;
  tokens: number;
}

/**
 * Picks which ready agent makes the next model call: O(log n) through an indexed heap whose key
 * depends on the policy. With aging, `priority - aging·(now - readySince)` orders the same as the
 * time-free key `priority + aging·readySince`, so keys never need refreshing.
 * Preemption happens only at step boundaries: after each step the agent is re-queued and a more
 * urgent agent (or the end of its slice) lets another go first.
 */
export class Scheduler {
  private config: SchedulerConfig;
  private readonly heap: IndexedHeap<Entry>;
  private readonly entries = new Map<Pid, Entry>();
  private readonly slices = new Map<Pid, Slice>();
  private readonly running = new Set<Pid>();
  private readonly rpm: TokenBucket;
  private readonly tpm: TokenBucket;
  private pausedUntil = 0;
  private nextTicket = 1;

  constructor(
    private readonly table: ProcessTable,
    private readonly journal: Journal,
    private readonly clock: Clock,
    config: Partial<SchedulerConfig> = {},
  ) {
    this.config = validateConfig({ ...DEFAULT_SCHEDULER, ...config });
    this.heap = new IndexedHeap(this.comparator());
    this.rpm = new TokenBucket(this.config.requestsPerMinute, clock.now());
    this.tpm = new TokenBucket(this.config.tokensPerMinute, clock.now());
  }

  get settings(): Readonly<SchedulerConfig> {
    return this.config;
  }

  /** Agents waiting to be dispatched. */
  get readyCount(): number {
    return this.heap.size;
  }

  /** Model calls in flight. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Changes settings at run time; a policy change re-orders the queue. */
  configure(change: Partial<SchedulerConfig>): void {
    const next = validateConfig({ ...this.config, ...change });
    const now = this.clock.now();
    const policyChanged = next.policy !== this.config.policy || next.agingPerSecond !== this.config.agingPerSecond;
    this.config = next;
    this.rpm.setCapacity(next.requestsPerMinute, now);
    this.tpm.setCapacity(next.tokensPerMinute, now);
    if (policyChanged) {
      this.heap.reorder(this.comparator());
      if (change.policy) this.journal.emit({ type: 'scheduler.policy', policy: next.policy });
    }
  }

  /** Puts a `ready` agent in the queue. After a step, call `stepDone` first. */
  enqueue(pid: Pid): void {
    const agent = this.table.get(pid);
    if (agent.state !== 'ready') throw new KernelError('not_ready', `agent ${pid} is ${agent.state}, only ready agents can be queued`);
    if (this.entries.has(pid)) return;
    const now = this.clock.now();
    const slice = this.slices.get(pid);
    const sliceLeft = slice && slice.steps < this.config.sliceSteps && slice.tokens < this.config.sliceTokens;
    const ticket = sliceLeft ? slice.ticket : this.nextTicket++;
    if (!sliceLeft) this.slices.set(pid, { ticket, steps: 0, tokens: 0 });
    const entry: Entry = { heapIndex: -1, pid, priority: agent.priority, readySince: now, ticket, tokens: agent.usage.inputTokens + agent.usage.outputTokens };
    const top = this.heap.peek();
    this.entries.set(pid, entry);
    this.heap.push(entry);
    if (slice && top && this.heap.peek() !== entry) {
      // The agent just finished a step and someone else goes first: that is a preemption.
      this.journal.emit({ type: 'scheduler.preempt', pid, by: top.pid, reason: sliceLeft || this.config.policy !== 'round_robin' ? 'priority' : 'slice' });
    }
  }

  /** Takes an agent out of the queue (suspended, killed). */
  remove(pid: Pid): void {
    const e = this.entries.get(pid);
    if (e) {
      this.heap.remove(e);
      this.entries.delete(pid);
    }
  }

  /** Forgets an agent entirely (it ended). */
  forget(pid: Pid): void {
    this.remove(pid);
    this.slices.delete(pid);
    this.running.delete(pid);
  }

  /** A queued agent's priority changed. */
  renice(pid: Pid, priority: number): void {
    const e = this.entries.get(pid);
    if (!e) return;
    e.priority = priority;
    this.heap.update(e);
  }

  /** The API answered 429: no dispatch until `retryAfterMs` from now. */
  pauseFor(retryAfterMs: number): void {
    const until = this.clock.now() + Math.max(0, retryAfterMs);
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.journal.emit({ type: 'scheduler.rate_limited', untilMs: until, source: 'api' });
    }
  }

  /**
   * Chooses the next agent to call the model for, marks it running and takes its rate tokens.
   * An agent that would exceed a budget is suspended with the reason instead of being called.
   * `estimate(pid)` gives the expected tokens of the agent's next call.
   */
  next(estimate: (pid: Pid) => number = () => 0): Dispatch {
    const now = this.clock.now();
    if (now < this.pausedUntil) return { kind: 'wait', untilMs: this.pausedUntil, reason: 'paused' };
    if (this.running.size >= this.config.maxConcurrent) return { kind: 'full' };
    for (;;) {
      const top = this.heap.peek();
      if (!top) return { kind: 'idle' };
      const agent = this.table.get(top.pid);
      const tokens = estimate(top.pid);
      const violation = checkLimits(agent, tokens);
      if (violation) {
        this.remove(top.pid);
        this.journal.atomically(() => {
          this.journal.emit({ type: 'budget.exceeded', pid: top.pid, budget: violation.budget, used: violation.used, limit: violation.limit });
          this.table.transition(top.pid, 'suspended', { reason: describeViolation(violation, tokens) });
        });
        continue;
      }
      const wait = Math.max(this.rpm.waitFor(1, now), this.tpm.waitFor(tokens, now));
      if (wait > 0) return { kind: 'wait', untilMs: now + wait, reason: 'rate_limit' };
      this.heap.pop();
      this.entries.delete(top.pid);
      this.rpm.take(1, now);
      this.tpm.take(tokens, now);
      this.running.add(top.pid);
      this.journal.atomically(() => {
        this.table.transition(top.pid, 'running');
        this.journal.emit({ type: 'scheduler.dispatch', pid: top.pid, policy: this.config.policy, waitedMs: now - top.readySince });
      });
      return { kind: 'run', pid: top.pid, estimate: tokens };
    }
  }

  /**
   * A dispatched agent's step ended (whatever its outcome): frees its slot, settles the token
   * bucket with the real usage, and counts the step against its round-robin slice.
   */
  stepDone(pid: Pid, usedTokens: number, estimated: number): void {
    if (!this.running.delete(pid)) return;
    const now = this.clock.now();
    this.tpm.take(usedTokens - estimated, now);
    const slice = this.slices.get(pid);
    if (slice) {
      slice.steps++;
      slice.tokens += usedTokens;
    }
  }

  /** When rate limits next allow a call of `tokens` (ms, 0 = now). */
  rateWait(tokens: number): number {
    const now = this.clock.now();
    return Math.max(this.rpm.waitFor(1, now), this.tpm.waitFor(tokens, now), this.pausedUntil - now, 0);
  }

  /** The ready queue in dispatch order (for views and tests; O(n log n)). */
  queue(): Pid[] {
    const copy = new IndexedHeap<Entry>(this.comparator());
    for (const e of this.heap.values()) copy.push(e);
    const out: Pid[] = [];
    for (let e = copy.pop(); e; e = copy.pop()) out.push(e.pid);
    return out;
  }

  private comparator(): (a: Entry, b: Entry) => boolean {
    switch (this.config.policy) {
      case 'priority': {
        const aging = this.config.agingPerSecond / 1000;
        return (a, b) => {
          const ka = a.priority + aging * a.readySince;
          const kb = b.priority + aging * b.readySince;
          return ka < kb || (ka === kb && a.ticket < b.ticket);
        };
      }
      case 'round_robin':
        return (a, b) => a.ticket < b.ticket;
      case 'fair_share':
        return (a, b) => a.tokens < b.tokens || (a.tokens === b.tokens && a.ticket < b.ticket);
    }
  }
}

function validateConfig(c: SchedulerConfig): SchedulerConfig {
  if (!POLICIES.includes(c.policy)) throw new InvalidArgumentError(`unknown scheduling policy '${c.policy}': use ${POLICIES.join(', ')}`);
  if (!(c.maxConcurrent >= 1)) throw new InvalidArgumentError(`maxConcurrent must be at least 1 (got ${c.maxConcurrent})`);
  if (!(c.sliceSteps >= 1)) throw new InvalidArgumentError(`sliceSteps must be at least 1 (got ${c.sliceSteps})`);
  if (!(c.sliceTokens > 0)) throw new InvalidArgumentError(`sliceTokens must be positive (got ${c.sliceTokens})`);
  if (!(c.agingPerSecond >= 0)) throw new InvalidArgumentError(`agingPerSecond must be zero or more (got ${c.agingPerSecond})`);
  if (!(c.requestsPerMinute > 0) || !(c.tokensPerMinute > 0)) throw new InvalidArgumentError('requestsPerMinute and tokensPerMinute must be positive (Infinity for no limit)');
  return c;
}
