/**
 * Scores every task and agent and the system's health from the collector's records.
 * Nothing here is assumed: each figure comes from a record (see evaluator.ts for the formulas).
 */
import type { AgentRecord, AgentState, Pid } from '../kernel/types';
import {
  asksForChange, DEFAULT_EVALUATOR, DEFAULT_HEALTH, grade, scoreWork, systemHealth,
  type EvaluatorConfig, type Grade, type HealthConfig, type HealthFacts, type Score, type ScoreComponent, type WorkOutcome,
} from './evaluator';
import type { TaskAggregate, WindowCounts, WorkAggregate } from './records';

/** What the evaluation reads (SafetyStore implements it). */
export interface EvaluationSource {
  taskAggregates(): TaskAggregate[];
  agentAggregates(): Map<Pid, WorkAggregate>;
  windowCounts(from: number, to: number): WindowCounts;
  /** both aggregates in one pass, when the source can (faster than the two calls) */
  workAggregates?(): { tasks: TaskAggregate[]; agents: Map<Pid, WorkAggregate> };
}

/** A scored task. */
export interface TaskScore extends Score {
  taskId: string;
  pid: Pid | null;
  agent: string;
  role: string;
  description: string;
  outcome: WorkOutcome;
  startedAt: number;
  endedAt: number | null;
  steps: number;
  tokens: number;
  dollars: number;
}

/** A scored agent (its facts summed over all its records). */
export interface AgentScore extends Score {
  pid: Pid;
  name: string;
  role: string;
  state: AgentState;
  steps: number;
  tokens: number;
  dollars: number;
  cacheReadTokens: number;
  inputTokens: number;
}

/** System health and its components over a window. */
export interface Health {
  score: number;
  grade: Grade;
  components: ScoreComponent[];
  from: number;
  to: number;
}

/** One evaluation pass. */
export interface Evaluation {
  at: number;
  health: Health;
  agents: AgentScore[];
  tasks: TaskScore[];
}

/** Options of an evaluation pass. */
export interface EvaluationOptions {
  /** how far back health looks, ms (default 15 minutes) */
  healthWindowMs?: number;
  evaluator?: EvaluatorConfig;
  health?: HealthConfig;
}

export const DEFAULT_HEALTH_WINDOW_MS = 15 * 60_000;

/** Scores tasks, agents and health at `now`. */
export function evaluate(source: EvaluationSource, agents: readonly AgentRecord[], now: number, options: EvaluationOptions = {}): Evaluation {
  const sums = source.workAggregates?.() ?? { tasks: source.taskAggregates(), agents: source.agentAggregates() };
  return {
    at: now,
    health: health(source, now, options),
    agents: scoreAgents(sums.agents, agents, options.evaluator),
    tasks: scoreTasks(withStepsInFlight(sums.tasks, sums.agents, agents), options.evaluator),
  };
}

/**
 * Each agent's step in flight (charged by the kernel, not yet recorded: see withKernelUsage) added
 * to its latest running task, so the task row agrees with the agent row and the Agents view.
 */
export function withStepsInFlight(tasks: readonly TaskAggregate[], recorded: ReadonlyMap<Pid, WorkAggregate>, agents: readonly AgentRecord[]): TaskAggregate[] {
  const extra = new Map<Pid, { steps: number; tokens: number; dollars: number }>();
  for (const agent of agents) {
    const r = recorded.get(agent.pid) ?? EMPTY;
    const k = withKernelUsage(r, agent);
    if (k.steps > r.steps || k.tokens > r.tokens || k.dollars > r.dollars) extra.set(agent.pid, { steps: k.steps - r.steps, tokens: k.tokens - r.tokens, dollars: k.dollars - r.dollars });
  }
  if (extra.size === 0) return [...tasks];
  const latest = new Map<Pid, number>();
  tasks.forEach((t, i) => { if (t.task.pid !== null && t.task.outcome === 'running') latest.set(t.task.pid, i); });
  return tasks.map((t, i) => {
    const e = t.task.pid !== null && latest.get(t.task.pid) === i ? extra.get(t.task.pid) : undefined;
    return e ? { ...t, steps: t.steps + e.steps, tokens: t.tokens + e.tokens, dollars: t.dollars + e.dollars } : t;
  });
}

/** Every task's score, oldest first. */
export function scoreTasks(aggregates: readonly TaskAggregate[], config: EvaluatorConfig = DEFAULT_EVALUATOR): TaskScore[] {
  return aggregates.map(({ task, ...a }) => ({
    taskId: task.taskId, pid: task.pid, agent: task.agent, role: task.role, description: task.description, outcome: task.outcome,
    startedAt: task.startedAt, endedAt: task.endedAt, steps: a.steps, tokens: a.tokens, dollars: a.dollars,
    ...scoreWork(workFacts(task.outcome, a, { steps: task.budgetSteps, tokens: task.budgetTokens, dollars: task.budgetDollars }, task.description), config),
  }));
}

/** Every agent's score, by pid. */
export function scoreAgents(aggregates: ReadonlyMap<Pid, WorkAggregate>, agents: readonly AgentRecord[], config: EvaluatorConfig = DEFAULT_EVALUATOR): AgentScore[] {
  return agents.map((agent) => {
    const a = withKernelUsage(aggregates.get(agent.pid) ?? EMPTY, agent);
    const budgets = { steps: finite(agent.budgets.steps), tokens: finite(agent.budgets.tokens), dollars: finite(agent.budgets.dollars) };
    return {
      pid: agent.pid, name: agent.name, role: agent.role, state: agent.state, steps: a.steps, tokens: a.tokens, dollars: a.dollars,
      cacheReadTokens: a.cacheReadTokens, inputTokens: a.inputTokens,
      ...scoreWork(workFacts(agentOutcome(agent.state), a, budgets, agent.task), config),
    };
  });
}

/**
 * The kernel charges a step when its model call returns, but its record is written when the step
 * ends, after its tool calls and approvals: an agent waiting for approval has used more than its
 * records say. Its row shows what the kernel counted, as the Agents view does.
 */
function withKernelUsage(a: WorkAggregate, agent: AgentRecord): WorkAggregate {
  const u = agent.usage;
  return {
    ...a,
    steps: Math.max(a.steps, u.steps),
    tokens: Math.max(a.tokens, u.inputTokens + u.outputTokens),
    inputTokens: Math.max(a.inputTokens, u.inputTokens),
    cacheReadTokens: Math.max(a.cacheReadTokens, u.cacheReadTokens),
    dollars: Math.max(a.dollars, u.dollars),
  };
}

/** System health over the window ending at `now`. */
export function health(source: Pick<EvaluationSource, 'windowCounts'>, now: number, options: EvaluationOptions = {}): Health {
  const from = now - (options.healthWindowMs ?? DEFAULT_HEALTH_WINDOW_MS);
  const c = source.windowCounts(from, now);
  const h = systemHealth(healthFacts(c, from, now), options.health ?? DEFAULT_HEALTH);
  return { score: h.score, grade: grade(h.score), components: h.components, from, to: now };
}

/** The window's counts as health facts: the span starts at the first record, paused time is the union of pauses. */
export function healthFacts(c: WindowCounts, from: number, to: number): HealthFacts {
  const start = Math.max(from, c.firstAt ?? from);
  return {
    spanMs: Math.max(1, to - start),
    steps: c.steps,
    toolCalls: c.toolCalls,
    toolErrors: c.toolErrors,
    kernelErrors: c.kernelErrors,
    malformed: c.malformed,
    rateLimitedMs: unionLength(c.pauses, start, to),
    waits: c.waits,
    sandboxRuns: c.sandboxRuns,
    sandboxFailures: c.sandboxFailures,
    storageMs: c.storageMs,
    crashes: c.crashes,
  };
}

/** Total length of the union of [a, b] intervals clipped to [from, to]. */
export function unionLength(intervals: ReadonlyArray<readonly [number, number]>, from: number, to: number): number {
  const clipped = intervals.map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as const).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

function workFacts(outcome: WorkOutcome, a: WorkAggregate, budgets: { steps: number | null; tokens: number | null; dollars: number | null }, task: string) {
  return {
    asksForChange: asksForChange(task), changes: a.changes,
    outcome, steps: a.steps, tokens: a.tokens, dollars: a.dollars,
    budgetSteps: budgets.steps, budgetTokens: budgets.tokens, budgetDollars: budgets.dollars,
    toolCalls: a.toolCalls, toolErrors: a.toolErrors, approvalsDenied: a.denied,
    kernelErrors: a.kernelErrors, malformed: a.malformed, loops: a.loops, waits: a.waits, runMs: a.runMs,
  };
}

/** An agent's lifecycle state as an outcome: live states are `running`. */
export function agentOutcome(state: AgentState): WorkOutcome {
  switch (state) {
    case 'done': case 'failed': case 'killed': case 'suspended': return state;
    default: return 'running';
  }
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

const EMPTY: WorkAggregate = { steps: 0, tokens: 0, inputTokens: 0, cacheReadTokens: 0, dollars: 0, runMs: 0, toolCalls: 0, toolErrors: 0, denied: 0, changes: 0, kernelErrors: 0, malformed: 0, loops: 0, waits: [] };
