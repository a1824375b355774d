/**
 * The agent-facing side of the planner: `plan` (split the task into subtasks that run as child
 * agents; wait for their results) and `report_result` (a child hands its typed result back).
 */
import type { Kernel } from '../kernel/kernel';
import { planSchema, type PlanInput } from './plannerDag';
import type { Planner } from './planner';
import { PlanError, type PlanOutcome } from './planTypes';
import { ToolInputError, type Tool, type ToolContext, type ToolOutcome } from '../kernel/ports/tools';

/** The `plan` tool. The parent waits (state waiting, reason tool) without a model slot while its children run. */
export function planTool(planner: Planner, kernel: Kernel): Tool {
  return {
    name: 'plan',
    description:
      'Split your task into subtasks that run as child agents, in parallel where their dependencies allow. ' +
      'Each subtask has an id, a role (e.g. coder, reviewer, tester, analyst, writer), a self-contained task, and depends_on: ids of subtasks that must be done first. ' +
      'You wait until every subtask has finished and get each one\'s result {summary, artifacts, success}. ' +
      'on_failure: "retry" (run a failed subtask once more), "skip_dependents" (default: skip what depends on it) or "fail_parent" (stop the plan and fail).',
    inputSchema: planSchema(planner.config.maxSubtasks),
    risk: 'low',
    capabilities: [],
    async prepare(input: unknown, context: ToolContext) {
      // The catalog check normally catches these first (so they count as malformed output);
      // checked again here for callers that use the tool without that catalog.
      const problem = planner.check(input);
      if (problem) throw new ToolInputError(problem);
      const plan = input as PlanInput;
      const summary = `plan ${plan.subtasks.length} subtask${plan.subtasks.length === 1 ? '' : 's'}: ` +
        plan.subtasks.slice(0, 8).map((s) => `${s.id} (${s.role})${s.depends_on?.length ? ` after ${s.depends_on.join(', ')}` : ''}`).join('; ') +
        (plan.subtasks.length > 8 ? '; …' : '');
      return {
        subject: { kind: 'tool' as const, summary, input },
        run: async (): Promise<ToolOutcome> => {
          const pid = context.pid;
          const back = kernel.agents.waitFor(pid, 'tool');
          try {
            return formatOutcome(await planner.run(pid, input, { signal: context.signal, schemaChecked: true }));
          } catch (err) {
            if (err instanceof PlanError) return { content: err.message, isError: true };
            throw err;
          } finally {
            back();
          }
        },
      };
    },
  };
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
  return {
    name: 'report_result',
    description:
      'Only when you run a subtask of a plan: report your result to the agent that planned it, then give a one-line final answer. ' +
      'summary: what you did or found; artifacts: workspace paths you created or changed; success: whether the subtask is done.',
    inputSchema: {
      type: 'object',
      properties: {
        summary: { type: 'string', minLength: 1, maxLength: 4000 },
        artifacts: { type: 'array', items: { type: 'string' }, maxItems: 100 },
        success: { type: 'boolean' },
      },
      required: ['summary', 'success'],
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: [],
    async prepare(input: unknown, context: ToolContext) {
      const r = input as { summary: string; artifacts?: string[]; success: boolean };
      return {
        subject: { kind: 'tool' as const, summary: `report ${r.success ? 'success' : 'failure'}: ${r.summary.slice(0, 80)}`, input },
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
  };
}
