import { BudgetGuard, type CallPrice, type Spend } from './budgetGuard';
import type { ByteQuotas } from './byteQuotas';
import type { ContextPager, NewPage } from './context/contextPager';
import type { Prompt } from './context/promptRender';
import type { Journal } from './journal';
import type { Clock } from './ports/clock';
import type { LlmBlock, LlmResponse, LlmToolSpec } from './ports/llm';
import type { CheckpointStore, TaskStore } from './ports/store';
import { isTerminal, type ProcessTable } from './processTable';
import type { Dispatch, Scheduler } from './scheduler';
import type { AgentRecord, Disposable, Pid } from './types';

/** One step of one agent, from `begin` to `end`. */
export interface Step {
  readonly pid: Pid;
  /** the tokens the scheduler expected the step to use (rate limits settle against it) */
  readonly estimate: number;
  /** aborts when the agent is killed or the developer aborts the call in flight */
  readonly signal: AbortSignal;
  readonly startedAt: number;
}

/** What the step may send: the prompt, and the output tokens its budgets leave. */
export type StepPrompt =
  | { ok: true; prompt: Prompt; maxTokens: number }
  | { ok: false };

/** How a step ends. */
export type StepOutcome =
  | { kind: 'continue' }
  | { kind: 'done'; result: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'suspend'; reason: string };

/** The kernel's parts a step touches; private to the kernel. */
export interface StepParts {
  table: ProcessTable;
  scheduler: Scheduler;
  pager: ContextPager;
  quotas: ByteQuotas;
  journal: Journal;
  store: CheckpointStore & TaskStore;
  clock: Clock;
  /** the byte quota an agent gets when its account is opened */
  defaultQuota(agent: AgentRecord): number;
}

/** A step in flight: its abort controller and what the budget guard holds for it. */
interface InFlight {
  controller: AbortController;
  reservedTokens: number;
  reservedDollars: number;
  /** tokens the model call used, once it returned */
  used: number;
  /** the model slot was given back */
  released: boolean;
}

/**
 * The step API: the only way the step loop (`step/stepLoop.ts`) touches the kernel, and the one
 * owner of a step's lifecycle. A step reads top to bottom as `next → begin → prompt → (model call)
 * → record → (tool calls) → commit → end`; each call here goes down into one part (scheduler,
 * pager, budget guard, process table, journal) and none of them calls back up.
 */
export class StepApi {
  /** caps each call to what its agent (and its ancestors) have left */
  private readonly budgets: BudgetGuard;
  private readonly inflight = new Map<Pid, InFlight>();
  private readonly suspendAtStepEnd = new Map<Pid, string>();
  /** called at every step boundary, before the agent is queued again (developer messages enter the context here) */
  private readonly boundaryHooks: Array<(pid: Pid) => void> = [];

  constructor(private readonly parts: StepParts) {
    this.budgets = new BudgetGuard(parts.table, parts.journal);
  }

  /** The scheduler's pick: run an agent now, wait until a time, or nothing to do. */
  next(): Dispatch {
    const { scheduler, pager } = this.parts;
    return scheduler.next((pid) => pager.metrics(pid).residentTokens);
  }

  /** Starts a step for a picked agent. */
  begin(pid: Pid, estimate: number): Step {
    const controller = new AbortController();
    this.inflight.set(pid, { controller, reservedTokens: 0, reservedDollars: 0, used: 0, released: false });
    return { pid, estimate, signal: controller.signal, startedAt: this.parts.clock.now() };
  }

  /** The agent as it is now. */
  agent(step: Step): AgentRecord {
    return this.parts.table.get(step.pid);
  }

  /** Whether the agent ended (done, failed or killed) during the step. */
  ended(step: Step): boolean {
    return isTerminal(this.parts.table.get(step.pid).state);
  }

  /** Whether the step should stop what it is doing: the agent ended, or its call was aborted. */
  stopped(step: Step): boolean {
    return step.signal.aborted || isTerminal(this.parts.table.get(step.pid).state);
  }

  /**
   * Builds the prompt within the agent's context budget and reserves the call's tokens and dollars
   * within its budgets and its ancestors'. A budget is a cap: when too little is left the call is
   * refused before it is made, the agent is suspended with the reason, and the step ends.
   */
  prompt(step: Step, tools: readonly LlmToolSpec[], maxTokens: number, price: CallPrice | null): StepPrompt {
    const { pager, journal } = this.parts;
    const prompt = pager.render(step.pid);
    const grant = this.budgets.grant(step.pid, prompt.tokens + Math.ceil(JSON.stringify(tools).length / 4), maxTokens, price);
    if (!grant.ok) {
      journal.emit({ type: 'budget.exceeded', pid: step.pid, budget: grant.budget, used: grant.used, limit: grant.limit });
      this.end(step, { kind: 'suspend', reason: grant.reason });
      return { ok: false };
    }
    const f = this.inflight.get(step.pid);
    if (f) Object.assign(f, { reservedTokens: grant.reservedTokens, reservedDollars: grant.reservedDollars });
    return { ok: true, prompt, maxTokens: grant.maxTokens };
  }

  /** A 429 from the provider: no agent calls the model until the pause is over. */
  pauseFor(retryAfterMs: number): void {
    this.parts.scheduler.pauseFor(retryAfterMs);
  }

  /**
   * The model call returned (or failed): the model slot is free now, because approvals and tools
   * must not hold it. `used` is what the call consumed (0 when it failed).
   */
  modelReturned(step: Step, used: number): void {
    const f = this.inflight.get(step.pid);
    if (!f || f.released) return;
    f.used = used;
    f.released = true;
    this.parts.scheduler.stepDone(step.pid, used, step.estimate);
  }

  /** Adds a page to the agent's context (the model's answer, the tool results); committed with the step. */
  record(step: Step, page: NewPage): void {
    this.parts.pager.add(step.pid, page);
  }

  /** Emits an event in the agent's name. */
  emit(...args: Parameters<Journal['emit']>): void {
    this.parts.journal.emit(...args);
  }

  /**
   * Commits the step in one transaction: usage, pages, the agent's record, a checkpoint and the
   * `agent.step` event. A crash before the commit leaves none of them, and the restored agent
   * repeats the step. Until then the call's tokens stay reserved.
   */
  commit(step: Step, response: LlmResponse): void {
    const { table, pager, journal, store, clock } = this.parts;
    const u = response.usage;
    const agent = table.get(step.pid);
    const before = { ...agent.usage };
    try {
      journal.atomically(() => {
        table.addUsage(step.pid, {
          inputTokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens, outputTokens: u.outputTokens,
          cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens, dollars: response.costUsd, steps: 1,
        });
        pager.flush(step.pid);
        table.persist(step.pid);
        store.putCheckpoint(step.pid, agent.usage.steps, clock.now(), JSON.stringify({ usage: agent.usage, pages: pager.metrics(step.pid) }));
        journal.emit({
          type: 'agent.step', pid: step.pid, step: agent.usage.steps, inputTokens: u.inputTokens, outputTokens: u.outputTokens,
          cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens, dollars: response.costUsd,
          durationMs: clock.now() - step.startedAt, scripted: response.scripted,
        });
      });
    } catch (err) {
      Object.assign(agent.usage, before); // not committed: not charged
      throw err;
    } finally {
      this.unreserve(step.pid);
    }
    this.budgets.warn(step.pid);
  }

  /**
   * Ends a step at its boundary. The agent finishes, fails or is suspended as the outcome says;
   * a live agent whose memory no longer fits is suspended; otherwise it goes back to the queue
   * (or is suspended, when the developer asked for that meanwhile).
   */
  end(step: Step, outcome: StepOutcome): void {
    const { table, journal } = this.parts;
    const pid = step.pid;
    this.unreserve(pid);
    this.modelReturned(step, 0);
    this.inflight.delete(pid);
    if (!isTerminal(table.get(pid).state)) {
      if (outcome.kind === 'done') this.settle(pid, 'done', outcome.result);
      else if (outcome.kind === 'failed') this.settle(pid, 'failed', outcome.reason);
      else if (outcome.kind === 'suspend') this.suspendAtStepEnd.set(pid, outcome.reason);
    }
    const agent = table.get(pid);
    if (isTerminal(agent.state)) {
      this.forget(pid);
      return;
    }
    if (!this.syncMemory(pid)) this.suspendAtStepEnd.set(pid, 'memory quota exceeded even after swapping its pages out; raise its quota and resume');
    for (const hook of this.boundaryHooks) hook(pid);
    const pending = this.suspendAtStepEnd.get(pid);
    this.suspendAtStepEnd.delete(pid);
    if (agent.state === 'suspended') return;
    journal.atomically(() => {
      if (pending) {
        table.transition(pid, 'suspended', { reason: pending });
        return;
      }
      if (agent.state !== 'ready') table.transition(pid, 'ready');
      this.parts.scheduler.enqueue(pid);
    });
  }

  /** Ends an agent for good: done or failed, with its task record, in one transaction. */
  settle(pid: Pid, status: 'done' | 'failed', text: string): void {
    const { table, journal, store, clock } = this.parts;
    if (isTerminal(table.get(pid).state)) return;
    journal.atomically(() => {
      table.transition(pid, status, status === 'done' ? { result: text || '(no final answer)' } : { reason: text });
      const task = store.getTask(`task-${pid}`);
      if (!task) return;
      store.putTask({ ...task, status, result: text, updatedAt: clock.now() });
      journal.emit({ type: 'task.status', taskId: task.id, pid, status });
    });
  }

  /** Whether a step of this agent is in flight (its end lets the agent go). */
  inStep(pid: Pid): boolean {
    return this.inflight.has(pid);
  }

  /** What an agent and its descendants have spent (tokens and dollars). */
  spentBy(pid: Pid): Spend {
    return this.budgets.spentBy(pid);
  }

  /** Asks a running or waiting agent to suspend when its step ends. */
  suspendAtEnd(pid: Pid, reason: string): void {
    this.suspendAtStepEnd.set(pid, reason);
  }

  /** The reason a suspension is pending for this agent at its step boundary, if any. */
  pendingSuspension(pid: Pid): string | undefined {
    return this.suspendAtStepEnd.get(pid);
  }

  /** Withdraws a pending suspension; false when none was pending. */
  cancelSuspension(pid: Pid): boolean {
    return this.suspendAtStepEnd.delete(pid);
  }

  /** Aborts the model call or tool in flight of an agent; false when nothing was in flight. */
  abort(pid: Pid, reason: string): boolean {
    const f = this.inflight.get(pid);
    if (!f) return false;
    f.controller.abort(new Error(reason));
    return true;
  }

  /** Runs `hook(pid)` at each step boundary of a live agent (after the step committed, before it is queued again). */
  onBoundary(hook: (pid: Pid) => void): Disposable {
    this.boundaryHooks.push(hook);
    return { dispose: () => { const i = this.boundaryHooks.indexOf(hook); if (i >= 0) this.boundaryHooks.splice(i, 1); } };
  }

  /** An agent ended (done, failed, killed): its call in flight is aborted and its scheduling and memory are let go. */
  forget(pid: Pid): void {
    const f = this.inflight.get(pid);
    f?.controller.abort(new Error(`agent ${pid} was ${this.parts.table.get(pid).state}`));
    this.unreserve(pid);
    this.inflight.delete(pid);
    this.parts.scheduler.forget(pid);
    this.suspendAtStepEnd.delete(pid);
    this.parts.quotas.releaseAll(pid);
  }

  /** Opens an agent's byte-quota account (at spawn, restore, a new turn) and charges what its context holds. */
  openAccount(pid: Pid, quota?: number): void {
    this.parts.quotas.register(pid, quota ?? this.parts.defaultQuota(this.parts.table.get(pid)));
    this.syncMemory(pid);
  }

  /**
   * Brings the memory account of an agent in line with what its context holds; under pressure,
   * swaps the agent's own pages out, then evicts other agents (LRU). Returns false when the
   * agent still does not fit (it is then suspended at its step's end).
   */
  syncMemory(pid: Pid): boolean {
    const { pager, quotas, table } = this.parts;
    const held = pager.metrics(pid).residentBytes;
    const account = quotas.usage(pid);
    const delta = held - account.used;
    if (delta <= 0) {
      quotas.release(pid, -delta);
    } else if (!quotas.allocate(pid, delta).ok) {
      if (held > account.quota) {
        pager.swapOut(pid, 0);
        return this.syncMemory(pid) && pager.metrics(pid).residentBytes <= account.quota;
      }
      for (const victim of quotas.evictLru(delta)) this.evictForMemory(victim);
      if (!quotas.allocate(pid, delta).ok) return false;
    }
    table.addUsage(pid, { bytes: quotas.usage(pid).used });
    return true;
  }

  /** Takes an evicted agent's pages out of memory: a ready agent is suspended, its pages swapped out. */
  private evictForMemory(pid: Pid): void {
    const { pager, table, scheduler, journal } = this.parts;
    const before = pager.has(pid) ? pager.metrics(pid).residentBytes : 0;
    const agent = table.find(pid);
    if (agent && (agent.state === 'ready' || agent.state === 'new')) {
      scheduler.remove(pid);
      table.transition(pid, 'suspended', { reason: 'suspended to free memory for other agents (memory pressure)' });
    }
    if (pager.has(pid)) pager.swapOut(pid, 0);
    journal.emit({ type: 'memory.evicted', pid, freedBytes: before });
  }

  private unreserve(pid: Pid): void {
    const f = this.inflight.get(pid);
    if (!f || (f.reservedTokens === 0 && f.reservedDollars === 0)) return;
    this.budgets.release(pid, f.reservedTokens, f.reservedDollars);
    f.reservedTokens = 0;
    f.reservedDollars = 0;
  }
}

/** The text blocks of a model answer, joined. */
export function answerText(content: readonly LlmBlock[]): string {
  return content.filter((b): b is Extract<LlmBlock, { type: 'text' }> => b.type === 'text').map((b) => b.text).join('\n');
}
