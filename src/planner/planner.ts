/**
 * The planner runs a plan: each subtask becomes a child agent of the planning agent, started as
 * soon as the subtasks it depends on are done (as many at once as `maxParallel`; the scheduler
 * bounds their model calls), and each returns a typed result `{summary, artifacts, success}`.
 * Failures follow the plan's policy: retry once, skip what depends on the failed subtask, or
 * stop everything and fail the parent. Progress is written as `plan.*` events, which is also
 * how the Agents view shows dependency state.
 */
import type { Kernel, KernelSpawnOptions } from '../kernel/kernel';
import { DEFAULT_PLANNER, PlanError, type PlanOutcome, type PlannerConfig, type SubtaskResult } from './planTypes';
import { checkPlan, PlanSchedule, type CheckedPlan, type SubtaskStatus } from './plannerDag';
import type { PlanStatus, PlanView, SubtaskView } from './plannerView';
import { isTerminal } from '../kernel/processTable';
import type { RoleDefinition } from '../router/routerRoles';
import type { Disposable, AgentRecord, Budgets, Pid } from '../kernel/types';
import { narrow, shareBudgets } from './plannerBudgets';

/** What the planner is built from. */
export interface PlannerDeps {
  kernel: Kernel;
  /** spawns an agent with a task record and wakes the step loop (AgentRuntime.spawn) */
  spawn: (options: KernelSpawnOptions) => AgentRecord;
  /** the roles subtasks may name (with their models and system prompts) */
  roles: () => readonly RoleDefinition[];
  /** files an agent wrote under its leases (FileLeases.written), added to its artifacts */
  written?: (pid: Pid) => string[];
  config?: Partial<PlannerConfig>;
}

interface LivePlan {
  id: string;
  parent: Pid;
  checked: CheckedPlan;
  schedule: PlanSchedule;
  /** every child per subtask, one per attempt */
  agents: Pid[][];
  results: Array<SubtaskResult | null>;
  /** each child's budgets: an even share of what the parent had left when it planned */
  budgets: Budgets;
  status: PlanStatus;
  createdAt: number;
  /** ends the plan from outside (kill, dispose) */
  stop: (status: 'cancelled' | 'interrupted', reason: string) => void;
}

const CHILD_INSTRUCTIONS =
  'You are running one subtask of a plan made by another agent (your parent). Do only this subtask. ' +
  'When you are done, call report_result with {"summary": "what you did or found", "artifacts": ["paths you created or changed"], "success": true or false}, ' +
  'then answer with one short line.';

/** Runs plans for agents; one per kernel session. */
export class Planner {
  readonly config: PlannerConfig;
  private readonly plans = new Map<string, LivePlan>();
  private readonly finished: PlanView[] = [];
  private readonly childOf = new Map<Pid, { plan: string; index: number }>();
  private readonly reports = new Map<Pid, SubtaskResult>();
  private counter = 0;
  private readonly watch: Disposable;

  constructor(private readonly deps: PlannerDeps) {
    this.config = { ...DEFAULT_PLANNER, ...deps.config };
    // A child suspended by the kernel (a budget, a loop, memory) would leave its parent waiting
    // forever: its subtask fails with the reason, and the plan's policy decides (retry, skip, fail).
    this.watch = deps.kernel.subscribe('agent.state', (e) => {
      if (e.event.type !== 'agent.state' || e.event.to !== 'suspended' || !this.childOf.has(e.event.pid)) return;
      this.stopSuspended(e.event.pid);
    });
  }

  /** Checks a plan for an agent (schema already checked by the tool registry): null, or the problem. */
  check(input: unknown, schemaChecked = true): string | null {
    const checked = checkPlan(input, { roles: this.roleNames(), maxSubtasks: this.config.maxSubtasks, schemaChecked });
    return typeof checked === 'string' ? checked : null;
  }

  /**
   * Runs a plan under `parent` and resolves with every subtask's outcome once the plan has
   * finished (or was stopped). Throws PlanError for an invalid plan.
   */
  run(parent: Pid, input: unknown, options: { signal?: AbortSignal; schemaChecked?: boolean; maxSubtasks?: number } = {}): Promise<PlanOutcome> {
    const { kernel } = this.deps;
    const checked = checkPlan(input, { roles: this.roleNames(), maxSubtasks: options.maxSubtasks ?? this.config.maxSubtasks, schemaChecked: options.schemaChecked });
    if (typeof checked === 'string') throw new PlanError(checked);
    const depth = this.depthOf(parent);
    if (depth >= this.config.maxDepth) {
      throw new PlanError(`plans nest at most ${this.config.maxDepth} level${this.config.maxDepth === 1 ? '' : 's'} deep and this agent is at level ${depth}: do the work yourself instead of planning`);
    }
    const parentAgent = kernel.agents.get(parent);
    if (isTerminal(parentAgent.state)) throw new PlanError(`agent ${parent} has ended (${parentAgent.state}); it cannot run a plan`);

    const id = `plan-${parent}-${++this.counter}`;
    const schedule = new PlanSchedule(checked, this.config.maxAttempts);
    const n = checked.subtasks.length;
    kernel.events.emit({
      type: 'plan.created', pid: parent, plan: id, onFailure: checked.onFailure,
      subtasks: checked.subtasks.map((s) => ({ id: s.id, role: s.role, task: clip(s.task, 200), dependsOn: s.depends_on ?? [] })),
    });

    return new Promise<PlanOutcome>((resolve) => {
      let settled = false;
      const plan: LivePlan = {
        id, parent, checked, schedule, agents: Array.from({ length: n }, () => []), results: new Array<SubtaskResult | null>(n).fill(null),
        budgets: shareBudgets(parentAgent, n), status: 'running', createdAt: kernel.clock.now(), stop: (status, reason) => stop(status, reason),
      };
      this.plans.set(id, plan);

      const finish = (status: PlanStatus) => {
        if (settled) return;
        settled = true;
        plan.status = status;
        options.signal?.removeEventListener('abort', onAbort);
        const outcome = this.outcome(plan);
        const count = (s: SubtaskStatus) => outcome.results.filter((r) => r.status === s).length;
        kernel.events.emit({ type: 'plan.finished', pid: parent, plan: id, status, succeeded: count('done'), failed: count('failed'), skipped: count('skipped') + count('cancelled') });
        this.plans.delete(id);
        this.finished.push(this.toView(plan));
        if (this.finished.length > 100) this.finished.shift();
        for (const pids of plan.agents) for (const p of pids) { this.childOf.delete(p); this.reports.delete(p); }
        resolve(outcome);
      };

      /** Stops the plan: live children are killed, everything unfinished is cancelled. */
      const stop = (status: 'cancelled' | 'interrupted', reason: string) => {
        if (settled) return;
        for (let i = 0; i < n; i++) {
          if (schedule.status[i] !== 'running' && schedule.status[i] !== 'pending') continue;
          const child = last(plan.agents[i]);
          if (schedule.status[i] === 'running' && child !== null) this.killChild(child, reason);
          schedule.cancel(i);
          plan.results[i] = { summary: `cancelled: ${reason}`, artifacts: [], success: false };
          this.emitSubtask(plan, i);
        }
        finish(status);
      };

      const onAbort = () => stop('cancelled', `agent ${parent} stopped while its plan ran`);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) return onAbort();

      const pump = () => {
        if (settled) return;
        if (isTerminal(kernel.agents.get(parent).state)) return onAbort();
        const room = this.config.maxParallel - schedule.runningCount;
        for (const i of room > 0 ? schedule.start(room) : []) this.startChild(plan, i, onExit);
        if (schedule.finished) finish(schedule.failed || schedule.status.some((s) => s !== 'done') ? 'failed' : 'done');
      };

      const onExit = (i: number, pid: Pid | null, resultOf: () => SubtaskResult) => {
        if (settled || schedule.status[i] !== 'running' || (pid !== null && last(plan.agents[i]) !== pid)) return;
        if (isTerminal(kernel.agents.get(parent).state)) return onAbort();
        const result = resultOf();
        plan.results[i] = result;
        const effect = schedule.complete(i, result.success);
        this.emitSubtask(plan, i);
        for (const j of effect.skipped) {
          plan.results[j] = { summary: `skipped: it depends on '${checked.subtasks[i].id}', which failed`, artifacts: [], success: false };
          this.emitSubtask(plan, j);
        }
        for (const j of effect.cancelled) {
          plan.results[j] = { summary: `cancelled: '${checked.subtasks[i].id}' failed and the plan's policy is fail_parent`, artifacts: [], success: false };
          this.emitSubtask(plan, j);
        }
        if (effect.failed) {
          const reason = `subtask '${checked.subtasks[i].id}' of ${id} failed and the plan's policy is fail_parent: ${clip(result.summary, 300)}`;
          stop('cancelled', reason);
          this.failParent(parent, reason);
          return;
        }
        pump();
      };

      pump();
    });
  }

  /** Records what a child reports (the report_result tool); throws if the agent runs no subtask. */
  report(pid: Pid, result: SubtaskResult): { plan: string; subtask: string } {
    const at = this.childOf.get(pid);
    if (!at) throw new PlanError('report_result is for agents running a subtask of a plan, and you are not one: give your final answer instead');
    this.reports.set(pid, { summary: result.summary, artifacts: [...new Set(result.artifacts)], success: result.success });
    const plan = this.plans.get(at.plan);
    return { plan: at.plan, subtask: plan?.checked.subtasks[at.index].id ?? '?' };
  }

  /** The plan and subtask a child agent runs, with its dependency state (for the Agents view). */
  subtaskOf(pid: Pid): { plan: string; parent: Pid; subtask: SubtaskView } | undefined {
    const at = this.childOf.get(pid);
    const plan = at && this.plans.get(at.plan);
    if (!at || !plan) return undefined;
    return { plan: plan.id, parent: plan.parent, subtask: this.subtaskView(plan, at.index) };
  }

  /** Plans running now, and the last 100 finished ones, oldest first. */
  views(): PlanView[] {
    return [...this.finished, ...[...this.plans.values()].map((p) => this.toView(p))];
  }

  /** Stops every running plan (the session is closing): children are killed, parents get an interrupted result. */
  dispose(): void {
    this.watch.dispose();
    for (const plan of [...this.plans.values()]) plan.stop('interrupted', 'the kernel stopped while the plan ran; plan again to redo the unfinished subtasks');
  }

  private startChild(plan: LivePlan, i: number, onExit: (i: number, pid: Pid | null, resultOf: () => SubtaskResult) => void): void {
    const { kernel } = this.deps;
    const subtask = plan.checked.subtasks[i];
    const parent = kernel.agents.get(plan.parent);
    const role = this.deps.roles().find((r) => r.name === subtask.role);
    const name = `${subtask.role}-${subtask.id}`.slice(0, 64);
    const adopted = this.adoptable(plan, name, subtask.task);
    if (adopted) {
      // A restored parent repeats the step that made this plan: the child it started then is still here.
      plan.agents[i].push(adopted.pid);
      this.childOf.set(adopted.pid, { plan: plan.id, index: i });
      kernel.events.emit({ type: 'plan.adopted', pid: plan.parent, plan: plan.id, subtask: subtask.id, child: adopted.pid, state: adopted.state });
      this.emitSubtask(plan, i);
      void kernel.agents.waitForExit(adopted.pid).then((a) => onExit(i, a.pid, () => this.collect(a)));
      if (adopted.state === 'suspended') this.stopSuspended(adopted.pid);
      return;
    }
    let child: AgentRecord;
    try {
      child = this.deps.spawn({
        task: this.childTask(plan, i, parent),
        name,
        role: subtask.role,
        parent: plan.parent,
        priority: parent.priority,
        model: role?.model ?? parent.model,
        system: [role?.system, CHILD_INSTRUCTIONS].filter(Boolean).join('\n\n'),
        capabilities: narrow(role?.capabilities ?? parent.capabilities, parent.capabilities),
        budgets: plan.budgets,
        context: parent.context,
      });
    } catch (err) {
      // Could not even start (a bad model setting): the subtask fails like a failed child, after this pump.
      const summary = `could not start a ${subtask.role} agent: ${(err as Error).message}`;
      queueMicrotask(() => onExit(i, null, () => ({ summary, artifacts: [], success: false })));
      return;
    }
    plan.agents[i].push(child.pid);
    this.childOf.set(child.pid, { plan: plan.id, index: i });
    this.emitSubtask(plan, i);
    void kernel.agents.waitForExit(child.pid).then((a) => onExit(i, a.pid, () => this.collect(a)));
  }

  /** The child's task: the subtask, where it comes from, and the results it builds on. */
  private childTask(plan: LivePlan, i: number, parent: AgentRecord): string {
    const subtask = plan.checked.subtasks[i];
    const lines = [subtask.task, '', `(Subtask '${subtask.id}' of ${plan.id}, planned by agent ${parent.pid} (${parent.name}) for its task: ${clip(parent.task, 300)})`];
    const deps = plan.checked.deps[i];
    if (deps.length > 0) {
      lines.push('', 'Results of the subtasks this one builds on:');
      for (const d of deps) {
        const r = plan.results[d];
        const s = plan.checked.subtasks[d];
        lines.push(`- ${s.id} (${s.role}): ${r ? clip(r.summary, 500) : '(no result)'}${r?.artifacts.length ? ` [files: ${r.artifacts.join(', ')}]` : ''}`);
      }
    }
    if (plan.schedule.attempts[i] > 1) {
      const previous = last(plan.agents[i]);
      lines.push('', `A previous attempt${previous !== null ? ` (agent ${previous})` : ''} failed: ${clip(plan.results[i]?.summary ?? 'no result', 400)}. Avoid what went wrong.`);
    }
    return lines.join('\n');
  }

  /** The typed result of an ended child: what it reported, else its final answer or why it ended. */
  private collect(child: AgentRecord): SubtaskResult {
    const reported = this.reports.get(child.pid);
    const written = this.deps.written?.(child.pid) ?? [];
    const artifacts = [...new Set([...(reported?.artifacts ?? []), ...written])];
    if (child.state === 'done') {
      return { summary: reported?.summary ?? child.result ?? '(no answer)', artifacts, success: reported?.success ?? true };
    }
    const why = `${child.state}${child.reason ? `: ${child.reason}` : ''}`;
    return { summary: reported ? `${reported.summary} (then ${why})` : why, artifacts, success: false };
  }

  /** A child of this parent from before a restart that runs (or ran) the same subtask and is in no live plan. */
  private adoptable(plan: LivePlan, name: string, task: string): AgentRecord | undefined {
    const taken = new Set([...this.childOf.keys()]);
    return this.deps.kernel.agents.children(plan.parent).find((c) =>
      c.name === name && c.task.startsWith(task) && !taken.has(c.pid) && (c.state === 'done' || !isTerminal(c.state)));
  }

  /** A child the kernel suspended (not the developer, who may resume it) ends; its subtask fails with the reason. */
  private stopSuspended(pid: Pid): void {
    const agent = this.deps.kernel.agents.find(pid);
    if (!agent || agent.state !== 'suspended') return;
    const reason = agent.reason ?? 'suspended';
    if (/^suspended (by the developer|to free memory)/.test(reason)) return;
    this.killChild(pid, `its subtask stopped because it was suspended: ${reason}`);
  }

  private killChild(pid: Pid, reason: string): void {
    const { kernel } = this.deps;
    const agent = kernel.agents.find(pid);
    if (agent && !isTerminal(agent.state)) kernel.kill(pid, reason);
  }

  /** fail_parent: the planning agent fails with the reason, and its task record says so. */
  private failParent(pid: Pid, reason: string): void {
    const { kernel } = this.deps;
    kernel.fail(pid, reason);
  }

  private emitSubtask(plan: LivePlan, i: number): void {
    const status = plan.schedule.status[i];
    const result = status === 'running' ? null : plan.results[i];
    const child = last(plan.agents[i]);
    this.deps.kernel.events.emit({
      type: 'plan.subtask', pid: plan.parent, plan: plan.id, subtask: plan.checked.subtasks[i].id, status,
      child, attempt: plan.schedule.attempts[i],
      summary: result ? clip(result.summary, 500) : null, artifacts: result?.artifacts ?? [],
    });
  }

  private outcome(plan: LivePlan): PlanOutcome {
    return {
      plan: plan.id,
      status: plan.status,
      onFailure: plan.checked.onFailure,
      results: plan.checked.subtasks.map((s, i) => {
        const r = plan.results[i] ?? { summary: '(not run)', artifacts: [], success: false };
        const child = last(plan.agents[i]);
        return { id: s.id, role: s.role, status: plan.schedule.status[i], agent: child, attempts: plan.schedule.attempts[i], ...r };
      }),
    };
  }

  private toView(plan: LivePlan): PlanView {
    return {
      id: plan.id, parent: plan.parent, status: plan.status, onFailure: plan.checked.onFailure, createdAt: plan.createdAt,
      subtasks: plan.checked.subtasks.map((_, i) => this.subtaskView(plan, i)),
    };
  }

  private subtaskView(plan: LivePlan, i: number): SubtaskView {
    const s = plan.checked.subtasks[i];
    const agents = plan.agents[i];
    return {
      id: s.id, role: s.role, task: s.task, dependsOn: s.depends_on ?? [], status: plan.schedule.status[i],
      agent: agents.length ? agents[agents.length - 1] : null, agents, attempts: plan.schedule.attempts[i],
      waitingOn: plan.schedule.status[i] === 'pending' ? plan.schedule.blockers(i) : [],
      result: plan.schedule.status[i] === 'running' ? null : plan.results[i],
    };
  }

  private roleNames(): string[] {
    return this.deps.roles().map((r) => r.name);
  }

  /** How many planning ancestors an agent has (0 for a top-level agent). */
  private depthOf(pid: Pid): number {
    let depth = 0;
    let a = this.deps.kernel.agents.find(pid);
    while (a && a.parent !== null) {
      depth++;
      a = this.deps.kernel.agents.find(a.parent);
    }
    return depth;
  }
}

function last(list: readonly Pid[]): Pid | null {
  return list.length ? list[list.length - 1] : null;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
