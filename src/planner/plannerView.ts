/**
 * Plans as the Agents view shows them: each plan with its subtasks, their child agents and
 * dependency state. Live plans come from `Planner.views()`; after a restart (or from another
 * process) the same shape is rebuilt from the `plan.*` events with `planViewsFromEvents`.
 */
import type { StoredEvent } from '../kernel/events';
import type { FailurePolicy, SubtaskStatus } from './plannerDag';
import type { SubtaskResult } from './planTypes';
import type { Pid } from '../kernel/types';

/** Where a plan stands. `interrupted`: the kernel stopped while it ran. */
export type PlanStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** One subtask with its dependency state. */
export interface SubtaskView {
  id: string;
  role: string;
  task: string;
  dependsOn: string[];
  status: SubtaskStatus;
  /** the child agent of the latest attempt */
  agent: Pid | null;
  /** every child agent, one per attempt */
  agents: Pid[];
  attempts: number;
  /** unfinished dependencies of a pending subtask (what it waits for) */
  waitingOn: string[];
  /** set once the subtask has ended */
  result: SubtaskResult | null;
}

/** One plan of a parent agent. */
export interface PlanView {
  id: string;
  parent: Pid;
  status: PlanStatus;
  onFailure: FailurePolicy;
  createdAt: number;
  subtasks: SubtaskView[];
}

/**
 * Rebuilds plan views from `plan.*` events (any order; they are sorted by seq). A plan with no
 * `plan.finished` event whose kernel is gone shows as running: the caller knows whether the
 * kernel is alive and may call it interrupted.
 */
export function planViewsFromEvents(events: readonly StoredEvent[]): PlanView[] {
  const plans = new Map<string, PlanView>();
  for (const stored of [...events].sort((a, b) => a.seq - b.seq)) {
    const e = stored.event;
    if (e.type === 'plan.created') {
      plans.set(e.plan, {
        id: e.plan, parent: e.pid, status: 'running', onFailure: e.onFailure as FailurePolicy, createdAt: stored.at,
        subtasks: e.subtasks.map((s) => ({
          id: s.id, role: s.role, task: s.task, dependsOn: s.dependsOn, status: 'pending', agent: null, agents: [], attempts: 0, waitingOn: [...s.dependsOn], result: null,
        })),
      });
      continue;
    }
    if (e.type === 'plan.subtask') {
      const plan = plans.get(e.plan);
      const s = plan?.subtasks.find((x) => x.id === e.subtask);
      if (!plan || !s) continue;
      s.status = e.status as SubtaskStatus;
      s.attempts = e.attempt;
      if (e.child !== null) {
        s.agent = e.child;
        if (!s.agents.includes(e.child)) s.agents.push(e.child);
      }
      s.result = e.summary !== null && e.status !== 'running' ? { summary: e.summary, artifacts: e.artifacts, success: e.status === 'done' } : null;
      continue;
    }
    if (e.type === 'plan.finished') {
      const plan = plans.get(e.plan);
      if (plan) plan.status = e.status as PlanStatus;
    }
  }
  for (const plan of plans.values()) {
    const done = new Set(plan.subtasks.filter((s) => s.status === 'done').map((s) => s.id));
    for (const s of plan.subtasks) s.waitingOn = s.status === 'pending' ? s.dependsOn.filter((d) => !done.has(d)) : [];
  }
  return [...plans.values()];
}
