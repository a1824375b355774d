import { ContextPager } from './contextPager';
import { InvalidTransitionError } from './errors';
import { EventBus, type EventListener } from './eventBus';
import { Journal } from './journal';
import { MemoryManager } from './memoryManager';
import { charEstimator } from './page';
import type { Clock, Disposable, KernelStore, TokenEstimator } from './ports';
import { systemClock } from './ports';
import { isTerminal, ProcessTable, type SpawnOptions } from './processTable';
import { Scheduler, type SchedulerConfig } from './scheduler';
import type { AgentRecord, Pid } from './types';

/** Memory limits of kernel-held state. */
export interface MemoryConfig {
  globalLimitBytes: number;
  defaultQuotaBytes: number;
}

export const DEFAULT_MEMORY: MemoryConfig = { globalLimitBytes: 512 * 1024 * 1024, defaultQuotaBytes: 64 * 1024 * 1024 };

/** Everything the kernel needs; only the store is required. */
export interface KernelOptions {
  store: KernelStore;
  clock?: Clock;
  estimator?: TokenEstimator;
  scheduler?: Partial<SchedulerConfig>;
  memory?: Partial<MemoryConfig>;
  onListenerError?: (error: unknown) => void;
}

/** What a spawn needs beyond the process-table options: the system prompt. */
export interface KernelSpawnOptions extends SpawnOptions {
  system?: string;
  /** bytes of kernel memory the agent may hold */
  memoryQuota?: number;
}

/**
 * The kernel: process table, scheduler, context pager, memory manager and event bus over one
 * store, wired together. Lifecycle calls here keep all of them consistent (a killed agent leaves
 * the run queue, its in-flight model call is aborted, its memory is released).
 */
export class Kernel {
  readonly bus: EventBus;
  readonly journal: Journal;
  readonly table: ProcessTable;
  readonly scheduler: Scheduler;
  readonly pager: ContextPager;
  readonly memory: MemoryManager;
  readonly clock: Clock;
  private readonly memoryConfig: MemoryConfig;
  private readonly inflight = new Map<Pid, AbortController>();
  private readonly suspendAtStepEnd = new Map<Pid, string>();
  /** called at every step boundary, before the agent is queued again (developer messages enter the context here) */
  private readonly boundaryHooks: Array<(pid: Pid) => void> = [];

  constructor(options: KernelOptions) {
    this.clock = options.clock ?? systemClock;
    this.bus = new EventBus((err) => options.onListenerError?.(err));
    this.journal = new Journal(options.store, this.bus, this.clock);
    this.table = new ProcessTable(this.journal, this.clock);
    this.scheduler = new Scheduler(this.table, this.journal, this.clock, options.scheduler);
    this.pager = new ContextPager(this.journal, options.estimator ?? charEstimator, () => this.clock.now());
    this.memoryConfig = { ...DEFAULT_MEMORY, ...options.memory };
    this.memory = new MemoryManager(this.memoryConfig.globalLimitBytes, (pid) => this.evictForMemory(pid));
  }

  get store(): KernelStore {
    return this.journal.store;
  }

  subscribe(pattern: string, listener: EventListener): Disposable {
    return this.bus.subscribe(pattern, listener);
  }

  /** Creates an agent with its system and task pages and queues it. */
  spawn(options: KernelSpawnOptions): AgentRecord {
    return this.journal.atomically(() => {
      const agent = this.table.spawn(options);
      this.pager.create(agent.pid, agent.context);
      if (options.system) this.pager.add(agent.pid, { kind: 'system', blocks: [{ type: 'text', text: options.system }] });
      this.pager.add(agent.pid, { kind: 'task', role: 'user', blocks: [{ type: 'text', text: options.task }] });
      this.pager.flush(agent.pid);
      this.memory.register(agent.pid, options.memoryQuota ?? Math.min(this.memoryConfig.defaultQuotaBytes, agent.budgets.bytes));
      this.syncMemory(agent.pid);
      this.table.transition(agent.pid, 'ready');
      this.scheduler.enqueue(agent.pid);
      return this.table.get(agent.pid);
    });
  }

  /**
   * Suspends an agent. A new or ready agent stops at once; a running or waiting one at the end
   * of its current step. Returns when it takes effect.
   */
  suspend(pid: Pid, reason = 'suspended by the developer'): 'now' | 'step_end' {
    const agent = this.table.get(pid);
    if (agent.state === 'running' || agent.state === 'waiting') {
      this.suspendAtStepEnd.set(pid, reason);
      return 'step_end';
    }
    this.scheduler.remove(pid);
    this.table.transition(pid, 'suspended', { reason });
    return 'now';
  }

  /** The reason a suspension is pending for this agent at its step boundary, if any. */
  pendingSuspension(pid: Pid): string | undefined {
    return this.suspendAtStepEnd.get(pid);
  }

  resume(pid: Pid): AgentRecord {
    const agent = this.table.get(pid);
    if (agent.state !== 'suspended') {
      if (this.suspendAtStepEnd.delete(pid)) return agent;
      throw new InvalidTransitionError(pid, agent.state, 'ready');
    }
    return this.journal.atomically(() => {
      this.table.transition(pid, 'ready');
      this.scheduler.enqueue(pid);
      return this.table.get(pid);
    });
  }

  /** Kills an agent and its descendants; aborts their in-flight model calls. */
  kill(pid: Pid, reason?: string): Pid[] {
    const killed = this.table.kill(pid, reason);
    for (const p of killed) this.cleanup(p);
    return killed;
  }

  renice(pid: Pid, priority: number): AgentRecord {
    const agent = this.table.renice(pid, priority);
    this.scheduler.renice(pid, priority);
    return agent;
  }

  /** Marks a step as started for `pid`; the signal aborts when the agent is killed. */
  beginStep(pid: Pid): AbortSignal {
    const controller = new AbortController();
    this.inflight.set(pid, controller);
    return controller.signal;
  }

  /**
   * Ends a step at its boundary: the agent goes back to the queue, or is suspended if that was
   * asked meanwhile. Call after the step's outcome has been committed.
   */
  endStep(pid: Pid, usedTokens: number, estimated: number): void {
    this.inflight.delete(pid);
    this.scheduler.stepDone(pid, usedTokens, estimated);
    const agent = this.table.get(pid);
    if (isTerminal(agent.state)) {
      this.cleanup(pid);
      return;
    }
    for (const hook of this.boundaryHooks) hook(pid);
    const pending = this.suspendAtStepEnd.get(pid);
    this.suspendAtStepEnd.delete(pid);
    if (agent.state === 'suspended') return;
    if (pending) {
      this.table.transition(pid, 'suspended', { reason: pending });
      return;
    }
    if (agent.state !== 'ready') this.table.transition(pid, 'ready');
    this.scheduler.enqueue(pid);
  }

  /** Runs `hook(pid)` at each step boundary of a live agent (after the step committed, before it is queued again). */
  onStepBoundary(hook: (pid: Pid) => void): Disposable {
    this.boundaryHooks.push(hook);
    return { dispose: () => { const i = this.boundaryHooks.indexOf(hook); if (i >= 0) this.boundaryHooks.splice(i, 1); } };
  }

  /**
   * A finished agent takes a new turn: its context is loaded again (after a restart it was not),
   * its memory account comes back, and it is queued. `before` runs in the same transaction (the
   * message page that starts the turn).
   */
  reopen(pid: Pid, reason: string, before: () => void): AgentRecord {
    const agent = this.table.get(pid);
    if (!this.pager.has(pid)) this.pager.load(pid, agent.context);
    return this.journal.atomically(() => {
      before();
      this.table.reopen(pid, reason);
      this.memory.register(pid, Math.min(this.memoryConfig.defaultQuotaBytes, agent.budgets.bytes));
      this.syncMemory(pid);
      this.scheduler.enqueue(pid);
      return this.table.get(pid);
    });
  }

  /**
   * Aborts the model call or tool in flight of an agent (the developer chose "Abort the call" after
   * Suspend). The step ends as a failed call; returns false when nothing was in flight.
   */
  abortInFlight(pid: Pid, reason: string): boolean {
    const controller = this.inflight.get(pid);
    if (!controller) return false;
    controller.abort(new Error(reason));
    return true;
  }

  /**
   * Brings the kernel back after a restart: agents that were running or waiting when the
   * previous kernel died go back to ready, and every live agent's context is reloaded.
   */
  restore(): AgentRecord[] {
    const restored: AgentRecord[] = [];
    for (const agent of this.table.list()) {
      if (isTerminal(agent.state)) continue;
      if (!this.pager.has(agent.pid)) this.pager.load(agent.pid, agent.context);
      this.memory.register(agent.pid, Math.min(this.memoryConfig.defaultQuotaBytes, agent.budgets.bytes));
      this.syncMemory(agent.pid);
      if (agent.state === 'running' || agent.state === 'waiting') this.table.transition(agent.pid, 'ready', { reason: 'restored after a kernel restart' });
      if (agent.state === 'new') this.table.transition(agent.pid, 'ready');
      if (this.table.get(agent.pid).state === 'ready') this.scheduler.enqueue(agent.pid);
      restored.push(this.table.get(agent.pid));
    }
    return restored;
  }

  /**
   * Brings the memory account of an agent in line with what its context holds; under pressure,
   * swaps the agent's own pages out, then evicts other agents (LRU). Returns false when the
   * agent still does not fit (the caller suspends it).
   */
  syncMemory(pid: Pid): boolean {
    const held = this.pager.metrics(pid).residentBytes;
    const account = this.memory.usage(pid);
    const delta = held - account.used;
    if (delta <= 0) {
      this.memory.release(pid, -delta);
    } else if (!this.memory.allocate(pid, delta).ok) {
      if (held > account.quota) {
        this.pager.swapOut(pid, 0);
        return this.syncMemory(pid) && this.pager.metrics(pid).residentBytes <= account.quota;
      }
      this.memory.evictLru(delta);
      if (!this.memory.allocate(pid, delta).ok) return false;
    }
    this.table.addUsage(pid, { bytes: this.memory.usage(pid).used });
    return true;
  }

  private evictForMemory(pid: Pid): number {
    const before = this.pager.has(pid) ? this.pager.metrics(pid).residentBytes : 0;
    const agent = this.table.find(pid);
    if (agent && (agent.state === 'ready' || agent.state === 'new')) this.suspend(pid, 'suspended to free memory for other agents (memory pressure)');
    if (this.pager.has(pid)) this.pager.swapOut(pid, 0);
    this.journal.emit({ type: 'memory.evicted', pid, freedBytes: before });
    return before - (this.pager.has(pid) ? this.pager.metrics(pid).residentBytes : 0);
  }

  private cleanup(pid: Pid): void {
    this.inflight.get(pid)?.abort(new Error(`agent ${pid} was ${this.table.get(pid).state}`));
    this.inflight.delete(pid);
    this.scheduler.forget(pid);
    this.suspendAtStepEnd.delete(pid);
    this.memory.releaseAll(pid);
  }
}
