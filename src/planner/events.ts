/** The events of the planner, part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { AgentState, Pid } from '../kernel/types';
import type { FailurePolicy, SubtaskStatus } from './plannerDag';
import type { PlanStatus } from './plannerView';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** an agent (pid) made a plan; its subtasks will run as its children */
    'plan.created': { type: 'plan.created'; pid: Pid; plan: string; onFailure: FailurePolicy; subtasks: Array<{ id: string; role: string; task: string; dependsOn: string[] }> };
    /** a subtask of the plan of agent pid changed status (running, done, failed, skipped, cancelled) */
    'plan.subtask': { type: 'plan.subtask'; pid: Pid; plan: string; subtask: string; status: SubtaskStatus; child: Pid | null; attempt: number; summary: string | null; artifacts: string[] };
    /** a restored parent took over a child it had started before the kernel restarted, instead of starting another */
    'plan.adopted': { type: 'plan.adopted'; pid: Pid; plan: string; subtask: string; child: Pid; state: AgentState };
    /** the plan of agent pid ended */
    'plan.finished': { type: 'plan.finished'; pid: Pid; plan: string; status: PlanStatus; succeeded: number; failed: number; skipped: number };
  }
}
