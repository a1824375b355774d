import { ByteQuotas } from './byteQuotas';
import { ContextPager } from './context/contextPager';
import { charEstimator } from './context/page';
import { InvalidTransitionError } from './errors';
import { EventBus, type EventListener } from './eventBus';
import type { StoredEvent } from './events';
import { Journal } from './journal';
import { systemClock, type Clock } from './ports/clock';
import type { TokenEstimator } from './ports/llm';
import type { EventQuery, KernelStore, TaskStore } from './ports/store';
import { isTerminal, ProcessTable, type SpawnOptions } from './processTable';
import { Scheduler, type SchedulerConfig } from './scheduler';
import { StepApi } from './stepApi';
import type { AgentRecord, Budgets, ContextBudget, Disposable, Pid } from './types';

/** Memory limits of kernel-held state. */
export interface QuotaConfig {
  globalLimitBytes: number;
  defaultQuotaBytes: number;
}

export const DEFAULT_QUOTAS: QuotaConfig = { globalLimitBytes: 512 * 1024 * 1024, defaultQuotaBytes: 64 * 1024 * 1024 };

/** Everything the kernel needs; only the store is required. */
export interface KernelOptions {
  store: KernelStore;
  clock?: Clock;
  estimator?: TokenEstimator;
  scheduler?: Partial<SchedulerConfig>;
  memory?: Partial<QuotaConfig>;
  onListenerError?: (error: unknown) => void;
  /**
   * Applied to every spawn before it happens: the session's role defaults and its model's limits
   * (a context window, a refusal of a model it cannot run). Throws to refuse the spawn.
   */
  prepareSpawn?: (options: KernelSpawnOptions) => KernelSpawnOptions;
}

/** What a spawn needs beyond the process-table options: the system prompt. */
export interface KernelSpawnOptions extends SpawnOptions {
  system?: string;
  /** bytes of kernel memory the agent may hold */
  memoryQuota?: number;
}

/** The process table, read only (but for `waitFor`, running ↔ waiting): who exists, in which state, with which parent. */
export type AgentDirectory = Pick<ProcessTable, 'get' | 'find' | 'list' | 'children' | 'waitForExit' | 'waitFor'>;
/** The write path for events and audit entries, and transactions spanning several of them. */
export type EventJournal = Pick<Journal, 'emit' | 'audit' | 'atomically' | 'flush'>;
/** Agents' contexts as services may touch them: read, append a page, resize. Rendering and swapping stay inside. */
export type ContextView = Pick<ContextPager, 'has' | 'pages' | 'metrics' | 'add' | 'addMessage' | 'flush' | 'setBudget' | 'search' | 'pageIn'>;
/** The scheduler's settings and queue, for the developer and the safety layer. Dispatching stays inside. */
export type SchedulingView = Pick<Scheduler, 'settings' | 'configure' | 'pauseFor' | 'queue' | 'readyCount' | 'runningCount'>;
/** Byte quotas, read and resized. */
export type QuotaView = Pick<ByteQuotas, 'limit' | 'setGlobalLimit' | 'usage' | 'stats' | 'byPressure' | 'top'>;

/**
 * The kernel: process table, scheduler, context pager, byte quotas and event bus over one store,
 * behind one facade. Its parts are private; services get narrow views of them, and the step loop
 * gets the step API (`steps`). Lifecycle calls here keep all parts consistent (a killed agent
 * leaves the run queue, its in-flight model call is aborted, its memory is released).
 */
export class Kernel {
  readonly clock: Clock;
  /** the one way a step touches the kernel (see stepApi.ts) */
  readonly steps: StepApi;
  readonly agents: AgentDirectory;
  readonly events: EventJournal;
  readonly contexts: ContextView;
  readonly scheduling: SchedulingView;
  readonly quotas: QuotaView;
  /** task records (one per spawned agent, and the planner's subtasks) */
  readonly tasks: TaskStore;
  private readonly bus: EventBus;
  private readonly journal: Journal;
  private readonly table: ProcessTable;
  private readonly scheduler: Scheduler;
  private readonly pager: ContextPager;
  private readonly memory: ByteQuotas;
  private readonly store: KernelStore;
  private readonly memoryConfig: QuotaConfig;
  private readonly prepareSpawn: (options: KernelSpawnOptions) => KernelSpawnOptions;

  constructor(options: KernelOptions) {
    this.clock = options.clock ?? systemClock;
    this.store = options.store;
    this.bus = new EventBus((err) => options.onListenerError?.(err));
    this.journal = new Journal(options.store, this.bus, this.clock);
    this.table = new ProcessTable(this.journal, this.store, this.clock);
    this.scheduler = new Scheduler(this.table, this.journal, this.clock, options.scheduler);
    this.pager = new ContextPager(this.journal, this.store, this.clock, options.estimator ?? charEstimator);
    this.memoryConfig = { ...DEFAULT_QUOTAS, ...options.memory };
    this.prepareSpawn = options.prepareSpawn ?? ((o) => o);
    this.memory = new ByteQuotas(this.memoryConfig.globalLimitBytes);
    this.steps = new StepApi({
      table: this.table, scheduler: this.scheduler, pager: this.pager, quotas: this.memory, journal: this.journal,
      store: this.store, clock: this.clock,
      defaultQuota: (agent) => Math.min(this.memoryConfig.defaultQuotaBytes, agent.budgets.bytes),
    });
    this.agents = this.table;
    this.events = this.journal;
    this.contexts = this.pager;
    this.scheduling = this.scheduler;
    this.quotas = this.memory;
    this.tasks = this.store;
  }

  subscribe(pattern: string, listener: EventListener): Disposable {
    return this.bus.subscribe(pattern, listener);
  }

  /** Resolves when every published event has reached its listeners. */
  idle(): Promise<void> {
    return this.bus.idle();
  }

  /** Stored events, newest first. */
  queryEvents(query: EventQuery): StoredEvent[] {
    return this.store.queryEvents(query);
  }

  /**
   * Creates an agent with its system and task pages and its task record, and queues it: the one
   * spawn of the system (the host, the CLI, the planner and the router all come here).
   */
  spawn(requested: KernelSpawnOptions): AgentRecord {
    const options = this.prepareSpawn(requested);
    return this.journal.atomically(() => {
      const agent = this.table.add(options);
      this.pager.create(agent.pid, agent.context);
      if (options.system) this.pager.add(agent.pid, { kind: 'system', blocks: [{ type: 'text', text: options.system }] });
      this.pager.add(agent.pid, { kind: 'task', role: 'user', blocks: [{ type: 'text', text: options.task }] });
      this.pager.flush(agent.pid);
      this.steps.openAccount(agent.pid, options.memoryQuota);
      this.table.transition(agent.pid, 'ready');
      this.scheduler.enqueue(agent.pid);
      const now = this.clock.now();
      const taskId = `task-${agent.pid}`;
      this.store.putTask({ id: taskId, pid: agent.pid, description: options.task, status: 'running', createdAt: now, updatedAt: now, result: null });
      this.journal.emit({ type: 'task.status', taskId, pid: agent.pid, status: 'running' });
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
      this.steps.suspendAtEnd(pid, reason);
      return 'step_end';
    }
    this.scheduler.remove(pid);
    this.table.transition(pid, 'suspended', { reason });
    return 'now';
  }

  /** The reason a suspension is pending for this agent at its step boundary, if any. */
  pendingSuspension(pid: Pid): string | undefined {
    return this.steps.pendingSuspension(pid);
  }

  resume(pid: Pid): AgentRecord {
    const agent = this.table.get(pid);
    if (agent.state !== 'suspended') {
      if (this.steps.cancelSuspension(pid)) return agent;
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
    for (const p of killed) this.steps.forget(p);
    return killed;
  }

  /** Gives an agent a message from the kernel's side (another routed task): a user page, written, and its memory accounted. */
  tell(pid: Pid, text: string): void {
    this.journal.atomically(() => {
      this.pager.addMessage(pid, 'user', text);
      this.pager.flush(pid);
    });
    this.steps.syncMemory(pid);
  }

  /** Ends an agent that is not stepping (a plan child that never ran, a failed restore) as failed, with its task. */
  fail(pid: Pid, reason: string): void {
    this.steps.settle(pid, 'failed', reason);
    if (isTerminal(this.table.get(pid).state) && !this.steps.inStep(pid)) this.steps.forget(pid);
  }

  renice(pid: Pid, priority: number): AgentRecord {
    const agent = this.table.renice(pid, priority);
    this.scheduler.renice(pid, priority);
    return agent;
  }

  /** Raises or lowers one of an agent's budgets (a budget-suspended agent can then be resumed). */
  setBudget(pid: Pid, budget: keyof Budgets, limit: number): AgentRecord {
    return this.table.setBudget(pid, budget, limit);
  }

  /** Resizes an agent's context window (the improvement loop's tunable). */
  setContextBudget(pid: Pid, budget: ContextBudget): void {
    this.pager.setBudget(pid, budget);
  }

  /** Runs `hook(pid)` at each step boundary of a live agent (after the step committed, before it is queued again). */
  onStepBoundary(hook: (pid: Pid) => void): Disposable {
    return this.steps.onBoundary(hook);
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
      this.steps.openAccount(pid);
      this.scheduler.enqueue(pid);
      return this.table.get(pid);
    });
  }

  /**
   * Aborts the model call or tool in flight of an agent (the developer chose "Abort the call" after
   * Suspend). The step ends as a failed call; returns false when nothing was in flight.
   */
  abortInFlight(pid: Pid, reason: string): boolean {
    return this.steps.abort(pid, reason);
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
      this.steps.openAccount(agent.pid);
      if (agent.state === 'running' || agent.state === 'waiting') this.table.transition(agent.pid, 'ready', { reason: 'restored after a kernel restart' });
      if (agent.state === 'new') this.table.transition(agent.pid, 'ready');
      if (this.table.get(agent.pid).state === 'ready') this.scheduler.enqueue(agent.pid);
      restored.push(this.table.get(agent.pid));
    }
    return restored;
  }
}
