/**
 * The agent-facing side of the planner: `plan` (split the task into subtasks that run as child
 * agents; wait for their results) and `report_result` (a child hands its typed result back).
 */
import type { Kernel } from '../kernel/kernel';
import { z } from 'zod';
import { planInput } from './plannerDag';
import type { Planner } from './planner';
import { PlanError, type PlanOutcome } from './planTypes';
import { defineTool } from '../kernel/ports/toolInput';
import { ToolInputError, type Tool, type ToolOutcome } from '../kernel/ports/tools';

/** The `plan` tool. The parent waits (state waiting, reason tool) without a model slot while its children run. */
export function planTool(planner: Planner, kernel: Kernel): Tool {
  return defineTool({
    name: 'plan',
    description:
      'Split your task into subtasks that run as child agents, in parallel where their dependencies allow. ' +
      'Each subtask has an id, a role (e.g. coder, reviewer, tester, analyst, writer), a self-contained task, and depends_on: ids of subtasks that must be done first. ' +
      'You wait until every subtask has finished and get each one\'s result {summary, artifacts, success}. ' +
      'on_failure: "retry" (run a failed subtask once more), "skip_dependents" (default: skip what depends on it) or "fail_parent" (stop the plan and fail).',
    input: planInput(planner.config.maxSubtasks),
    risk: 'low',
    capabilities: [],
    async prepare(plan, context) {
      // What a schema cannot say (unknown roles and dependencies, cycles): the plan runs only when
      // it has none, so a bad plan fails here, before anything is approved.
      const problem = planner.check(plan);
      if (problem) throw new ToolInputError(problem);
      const summary = `plan ${plan.subtasks.length} subtask${plan.subtasks.length === 1 ? '' : 's'}: ` +
        plan.subtasks.slice(0, 8).map((s) => `${s.id} (${s.role})${s.depends_on?.length ? ` after ${s.depends_on.join(', ')}` : ''}`).join('; ') +
        (plan.subtasks.length > 8 ? '; …' : '');
      return {
        subject: { kind: 'tool' as const, summary, input: plan },
        run: async (): Promise<ToolOutcome> => {
          const pid = context.pid;
          const back = kernel.agents.waitFor(pid, 'tool');
          try {
            return formatOutcome(await planner.run(pid, plan, { signal: context.signal, schemaChecked: true }));
          } catch (err) {
            if (err instanceof PlanError) return { content: err.message, isError: true };
            throw err;
          } finally {
            back();
          }
        },
      };
    },
  });
}

/** What the parent sees: one line, then the results as JSON. */
export function formatOutcome(outcome: PlanOutcome): ToolOutcome {
  const ok = outcome.results.filter((r) => r.success).length;
  const head = `${outcome.plan} ${outcome.status}: ${ok} of ${outcome.results.length} subtasks succeeded` +
    (outcome.status === 'done' ? '' : ` (on_failure: ${outcome.onFailure})`);
  const body = JSON.stringify({
    plan: outcome.plan,
    status: outcome.status,
    results: outcome.results.map((r) => ({ id: r.id, role: r.role, status: r.status, success: r.success, summary: r.summary, artifacts: r.artifacts, agent: r.agent, attempts: r.attempts })),
  }, null, 1);
  return { content: `${head}\n${body}`, isError: outcome.status !== 'done' };
}

/** The `report_result` tool: a child of a plan hands back its typed result. */
export function reportResultTool(planner: Planner): Tool {
  return defineTool({
    name: 'report_result',
    description:
      'Only when you run a subtask of a plan: report your result to the agent that planned it, then give a one-line final answer. ' +
      'summary: what you did or found; artifacts: workspace paths you created or changed; success: whether the subtask is done.',
    input: z.strictObject({
      summary: z.string().min(1).max(4000),
      artifacts: z.array(z.string()).max(100).optional(),
      success: z.boolean(),
    }),
    risk: 'low',
    capabilities: [],
    async prepare(r, context) {
      return {
        subject: { kind: 'tool' as const, summary: `report ${r.success ? 'success' : 'failure'}: ${r.summary.slice(0, 80)}`, input: r },
        run: async (): Promise<ToolOutcome> => {
          try {
            const at = planner.report(context.pid, { summary: r.summary, artifacts: r.artifacts ?? [], success: r.success });
            return { content: `reported to the parent as the result of subtask '${at.subtask}' of ${at.plan}; now give your final answer in one line`, isError: false };
          } catch (err) {
            if (err instanceof PlanError) return { content: err.message, isError: true };
            throw err;
          }
        },
      };
    },
  });
}
