import { InvalidArgumentError, InvalidTransitionError, NoSuchAgentError } from './errors';
import type { Journal } from './journal';
import type { Clock } from './ports/clock';
import type { AgentStore } from './ports/store';
import {
  emptyUsage, TERMINAL_STATES, unlimitedBudgets,
  type AgentRecord, type AgentState, type Budgets, type Capability, type ContextBudget, type Pid, type Usage, type WaitReason,
} from './types';

/** Which states each state may move to. Anything else is an InvalidTransitionError. */
const TRANSITIONS: Record<AgentState, readonly AgentState[]> = {
  new: ['ready', 'suspended', 'killed', 'failed'],
  ready: ['running', 'suspended', 'killed', 'failed'],
  running: ['ready', 'waiting', 'done', 'failed', 'killed', 'suspended'],
  waiting: ['running', 'ready', 'suspended', 'killed', 'failed'],
  suspended: ['ready', 'killed', 'failed'],
  done: [],
  failed: [],
  killed: [],
};

/** Whether the lifecycle allows `from → to`. */
export function canTransition(from: AgentState, to: AgentState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: AgentState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** What a caller gives to spawn an agent; everything but the task has a default. */
export interface SpawnOptions {
  task: string;
  name?: string;
  role?: string;
  priority?: number;
  parent?: Pid | null;
  model?: string;
  budgets?: Partial<Budgets>;
  capabilities?: Capability[];
  context?: Partial<ContextBudget>;
}

export const DEFAULT_CONTEXT: ContextBudget = { tokens: 100_000, high: 0.9, low: 0.7 };
/** exec is safe to grant by default: run_command runs only in the sandbox and always asks unless a rule allows it. */
export const DEFAULT_CAPABILITIES: Capability[] = ['fs.read', 'fs.write', 'exec'];

/**
 * The process table: every agent, its lifecycle and its usage. Each change is written to
 * storage with its event in one transaction (through the journal).
 */
export class ProcessTable {
  private readonly agents = new Map<Pid, AgentRecord>();
  private readonly exitWaiters = new Map<Pid, Array<(a: AgentRecord) => void>>();
  private lastPid: number;

  constructor(private readonly journal: Journal, private readonly store: AgentStore, private readonly clock: Clock) {
    for (const a of store.listAgents()) this.agents.set(a.pid, a);
    this.lastPid = store.maxPid();
  }

  get(pid: Pid): AgentRecord {
    const a = this.agents.get(pid);
    if (!a) throw new NoSuchAgentError(pid);
    return a;
  }

  find(pid: Pid): AgentRecord | undefined {
    return this.agents.get(pid);
  }

  list(): AgentRecord[] {
    return [...this.agents.values()];
  }

  children(pid: Pid): AgentRecord[] {
    return this.list().filter((a) => a.parent === pid);
  }

  /** Creates an agent in state `new`. */
  add(options: SpawnOptions): AgentRecord {
    const priority = options.priority ?? 50;
    validatePriority(priority);
    if (options.parent != null) this.get(options.parent);
    const context = { ...DEFAULT_CONTEXT, ...options.context };
    if (!(context.tokens > 0) || !(context.low > 0 && context.low < context.high && context.high <= 1)) {
      throw new InvalidArgumentError(`context budget ${context.tokens} with watermarks low ${context.low} / high ${context.high} is invalid: need tokens > 0 and 0 < low < high ≤ 1`);
    }
    const budgets = { ...unlimitedBudgets(), ...options.budgets };
    for (const [k, v] of Object.entries(budgets)) {
      if (!(v > 0)) throw new InvalidArgumentError(`budget ${k} must be a positive number (got ${v}); leave it out for no limit`);
    }
    const now = this.clock.now();
    const pid = ++this.lastPid;
    const role = options.role ?? 'coder';
    const agent: AgentRecord = {
      pid,
      name: options.name ?? `${role}-${pid}`,
      role,
      priority,
      state: 'new',
      waitReason: null,
      reason: null,
      parent: options.parent ?? null,
      createdAt: now,
      updatedAt: now,
      task: options.task,
      model: options.model ?? 'scripted',
      budgets,
      usage: emptyUsage(),
      capabilities: options.capabilities ?? [...DEFAULT_CAPABILITIES],
      context,
      result: null,
    };
    this.journal.atomically(() => {
      this.store.putAgent(agent);
      this.journal.emit({ type: 'agent.spawned', pid, name: agent.name, role, priority, parent: agent.parent, model: agent.model });
    });
    this.agents.set(pid, agent);
    return agent;
  }

  /** Moves an agent to a new state; throws InvalidTransitionError when the lifecycle forbids it. */
  transition(pid: Pid, to: AgentState, details: { waitReason?: WaitReason; reason?: string; result?: string } = {}): AgentRecord {
    const agent = this.get(pid);
    if (!canTransition(agent.state, to)) throw new InvalidTransitionError(pid, agent.state, to);
    return this.move(agent, to, details);
  }

  /**
   * A finished agent (done or failed) takes a new turn of the same conversation: back to ready,
   * with its context, usage and budgets. Killed agents stay killed.
   */
  reopen(pid: Pid, reason: string): AgentRecord {
    const agent = this.get(pid);
    if (agent.state !== 'done' && agent.state !== 'failed') throw new InvalidTransitionError(pid, agent.state, 'ready');
    return this.move(agent, 'ready', { reason });
  }

  /** Sets one budget of a live or finished agent (the developer raised it). */
  setBudget(pid: Pid, budget: keyof Budgets, limit: number): AgentRecord {
    if (!(limit > 0)) throw new InvalidArgumentError(`budget ${budget} must be a positive number (got ${limit})`);
    const agent = this.get(pid);
    if (agent.state === 'killed') throw new InvalidTransitionError(pid, agent.state, agent.state);
    const from = agent.budgets[budget];
    agent.budgets[budget] = limit;
    try {
      this.journal.atomically(() => {
        this.store.putAgent(agent);
        this.journal.emit({ type: 'budget.raised', pid, budget, from: Number.isFinite(from) ? from : null, to: limit });
      });
    } catch (err) {
      agent.budgets[budget] = from;
      throw err;
    }
    return agent;
  }

  private move(agent: AgentRecord, to: AgentState, details: { waitReason?: WaitReason; reason?: string; result?: string }): AgentRecord {
    const pid = agent.pid;
    const from = agent.state;
    if (to === 'waiting' && !details.waitReason) throw new InvalidArgumentError(`agent ${pid}: a move to waiting needs a reason (approval or tool)`);
    // Records are updated in place (this is the hot path of every step); undone if the write fails.
    const before = { state: agent.state, waitReason: agent.waitReason, reason: agent.reason, result: agent.result, updatedAt: agent.updatedAt };
    agent.state = to;
    agent.waitReason = to === 'waiting' ? details.waitReason! : null;
    agent.reason = details.reason ?? (to === 'ready' || to === 'running' || to === 'waiting' ? null : agent.reason);
    agent.result = details.result ?? agent.result;
    agent.updatedAt = this.clock.now();
    try {
      this.journal.atomically(() => {
        this.store.putAgent(agent);
        this.journal.emit({ type: 'agent.state', pid, from, to, waitReason: agent.waitReason, reason: agent.reason });
      });
    } catch (err) {
      Object.assign(agent, before);
      throw err;
    }
    if (isTerminal(to)) this.notifyExit(agent);
    return agent;
  }

  /** Kills an agent and all its live descendants (children first). Returns the pids killed. */
  kill(pid: Pid, reason = 'killed by the developer'): Pid[] {
    const root = this.get(pid);
    const order: AgentRecord[] = [];
    const visit = (a: AgentRecord) => {
      for (const c of this.children(a.pid)) visit(c);
      order.push(a);
    };
    visit(root);
    const killed: Pid[] = [];
    this.journal.atomically(() => {
      for (const a of order) {
        if (isTerminal(this.get(a.pid).state)) continue;
        this.transition(a.pid, 'killed', { reason: a.pid === pid ? reason : `parent ${pid} was killed` });
        killed.push(a.pid);
      }
    });
    if (killed.length === 0) throw new InvalidTransitionError(pid, root.state, 'killed');
    return killed;
  }

  renice(pid: Pid, priority: number): AgentRecord {
    validatePriority(priority);
    const agent = this.get(pid);
    if (isTerminal(agent.state)) throw new InvalidTransitionError(pid, agent.state, agent.state);
    const from = agent.priority;
    agent.priority = priority;
    agent.updatedAt = this.clock.now();
    try {
      this.journal.atomically(() => {
        this.store.putAgent(agent);
        this.journal.emit({ type: 'agent.reniced', pid, from, to: priority });
      });
    } catch (err) {
      agent.priority = from;
      throw err;
    }
    return agent;
  }

  /** Adds consumption to an agent's usage (in memory; persisted with the next state write or `persist`). */
  addUsage(pid: Pid, delta: Partial<Usage>): AgentRecord {
    const agent = this.get(pid);
    const u = agent.usage;
    u.inputTokens += delta.inputTokens ?? 0;
    u.outputTokens += delta.outputTokens ?? 0;
    u.cacheReadTokens += delta.cacheReadTokens ?? 0;
    u.cacheWriteTokens += delta.cacheWriteTokens ?? 0;
    u.dollars += delta.dollars ?? 0;
    u.steps += delta.steps ?? 0;
    if (delta.bytes !== undefined) u.bytes = delta.bytes;
    return agent;
  }

  /** Writes the agent's in-memory record (usage) to storage, inside the caller's transaction. */
  persist(pid: Pid): void {
    this.store.putAgent(this.get(pid));
  }

  /** Resolves when the agent reaches done, failed or killed. */
  /**
   * Marks a running agent as waiting (on the developer, or on a long tool such as a command, a
   * plan or a question) until the returned function is called; nests (a running command that
   * proposes changes waits on the developer, then on the tool again). A waiting agent holds no
   * model slot. The one state change services may make.
   */
  waitFor(pid: Pid, reason: WaitReason): () => void {
    const before = this.get(pid);
    const outer = before.state === 'waiting' ? before.waitReason : null;
    if (before.state !== 'running' && before.state !== 'waiting') return () => {};
    if (outer) this.transition(pid, 'running');
    this.transition(pid, 'waiting', { waitReason: reason });
    return () => {
      if (this.get(pid).state !== 'waiting') return;
      this.transition(pid, 'running');
      if (outer) this.transition(pid, 'waiting', { waitReason: outer });
    };
  }

  waitForExit(pid: Pid): Promise<AgentRecord> {
    const agent = this.get(pid);
    if (isTerminal(agent.state)) return Promise.resolve(agent);
    return new Promise((resolve) => {
      const list = this.exitWaiters.get(pid) ?? [];
      list.push(resolve);
      this.exitWaiters.set(pid, list);
    });
  }

  private notifyExit(agent: AgentRecord): void {
    const list = this.exitWaiters.get(agent.pid);
    if (!list) return;
    this.exitWaiters.delete(agent.pid);
    for (const resolve of list) resolve(agent);
  }
}

function validatePriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority > 99) {
    throw new InvalidArgumentError(`priority must be a whole number from 0 (most urgent) to 99 (got ${priority})`);
  }
}
