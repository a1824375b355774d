/**
 * The evaluator's formulas (docs/safety.md "Evaluator"), pure so unit tests pin them with
 * hand-computed cases. A score starts at 100 and loses points per component, each capped;
 * the result is clamped to 0-100 and rounded to one decimal.
 */

/** Letter grades, best first. */
export type Grade = 'S' | 'A' | 'B' | 'C' | 'D' | 'F';

/** S ≥ 95, A ≥ 85, B ≥ 70, C ≥ 55, D ≥ 40, else F. */
export function grade(score: number): Grade {
  if (score >= 95) return 'S';
  if (score >= 85) return 'A';
  if (score >= 70) return 'B';
  if (score >= 55) return 'C';
  if (score >= 40) return 'D';
  return 'F';
}

/** The state a piece of work is in, for the outcome component. */
export type WorkOutcome = 'done' | 'running' | 'suspended' | 'cancelled' | 'killed' | 'failed';

/** Everything recorded about a task (or, summed, about an agent) that the score looks at. */
export interface WorkFacts {
  outcome: WorkOutcome;
  steps: number;
  /** input (incl. cache reads and writes) + output tokens */
  tokens: number;
  dollars: number;
  /** null: unlimited */
  budgetSteps: number | null;
  budgetTokens: number | null;
  budgetDollars: number | null;
  toolCalls: number;
  toolErrors: number;
  /** denied by the developer, by a timeout or by the policy */
  approvalsDenied: number;
  /** the task asks for a change to the workspace (see {@link asksForChange}) */
  asksForChange: boolean;
  /** changes applied: successful file writes and edits, approved sandbox diffs */
  changes: number;
  kernelErrors: number;
  malformed: number;
  loops: number;
  /** each dispatch's wait in the ready queue, ms */
  waits: readonly number[];
  /** sum of the model calls' durations, ms */
  runMs: number;
}

/** One line of a score: what was measured and what it cost. */
export interface ScoreComponent {
  /** stable id, e.g. `outcome` */
  id: string;
  label: string;
  /** the measured figure, in `unit` */
  value: number;
  unit: string;
  /** points deducted (0 … max) */
  penalty: number;
  max: number;
}

/** A 0-100 score, its grade and how it was reached. */
export interface Score {
  score: number;
  grade: Grade;
  components: ScoreComponent[];
}

/** The constants of the formulas; every one is documented in docs/safety.md. */
export interface EvaluatorConfig {
  /** points lost per outcome */
  outcomePenalty: Record<WorkOutcome, number>;
  /** budget use below this fraction is free; the penalty grows linearly to its max at the full budget */
  budgetFreeFraction: number;
  /** the dollar reference when an agent has no dollar budget */
  costReferenceUsd: number;
  perDenial: number;
  /** a finished task that asked for a change and made none (it was denied, or never tried) */
  noChange: number;
  perKernelError: number;
  perMalformed: number;
  perToolError: number;
  perLoop: number;
  /** waits up to this long per dispatch are normal and free */
  waitGraceMs: number;
}

export const DEFAULT_EVALUATOR: EvaluatorConfig = {
  // killed and failed end at F whatever else went well: the work was not done
  outcomePenalty: { done: 0, running: 0, suspended: 20, cancelled: 46, killed: 61, failed: 61 },
  budgetFreeFraction: 0.5,
  costReferenceUsd: 1,
  perDenial: 5,
  noChange: 35,
  perKernelError: 10,
  perMalformed: 3,
  perToolError: 2,
  perLoop: 15,
  waitGraceMs: 1000,
};

const MAX = { outcome: 61, change: 35, steps: 10, tokens: 10, cost: 10, denials: 15, errors: 20, loops: 30, time: 10 } as const;

/**
 * Scores a task or an agent:
 * - outcome: the configured points for failed (61), killed (61), cancelled (46), suspended (20):
 *   a killed or failed task is an F.
 * - change: 35 when a finished task asked for a change (write, fix, add… in its text) and none was
 *   applied (every attempt denied, or none made): its central action did not happen.
 * - steps, tokens: 10 × clamp((used/budget − ½) / ½); nothing without a budget.
 * - cost: the same against the dollar budget, or against `costReferenceUsd` without one.
 * - approvals denied: 5 each, at most 15.
 * - errors: 10 per kernel error + 3 per malformed output + 2 per failed tool call, at most 20.
 * - loops: 15 per loop detection, at most 30.
 * - wait and run time: 10 × W / (W + run), W = Σ max(0, wait − grace) over dispatches.
 */
export function scoreWork(f: WorkFacts, config: EvaluatorConfig = DEFAULT_EVALUATOR): Score {
  const excessWait = f.waits.reduce((sum, w) => sum + Math.max(0, w - config.waitGraceMs), 0);
  const waitShare = excessWait + f.runMs > 0 ? excessWait / (excessWait + f.runMs) : 0;
  const errorPoints = f.kernelErrors * config.perKernelError + f.malformed * config.perMalformed + f.toolErrors * config.perToolError;
  const components: ScoreComponent[] = [
    component('outcome', `outcome: ${f.outcome}`, config.outcomePenalty[f.outcome], 'points', config.outcomePenalty[f.outcome], MAX.outcome),
    changeComponent(f, config),
    budgetComponent('steps', 'steps against budget', f.steps, f.budgetSteps, config),
    budgetComponent('tokens', 'tokens against budget', f.tokens, f.budgetTokens, config),
    f.budgetDollars === null
      ? component('cost', `cost against $${config.costReferenceUsd} reference`, f.dollars, '$', MAX.cost * overUse(f.dollars / config.costReferenceUsd, config), MAX.cost)
      : budgetComponent('cost', 'cost against budget', f.dollars, f.budgetDollars, config),
    component('denials', 'approvals denied', f.approvalsDenied, 'denials', f.approvalsDenied * config.perDenial, MAX.denials),
    component('errors', 'errors and malformed outputs', f.kernelErrors + f.malformed + f.toolErrors, 'errors', errorPoints, MAX.errors),
    component('loops', 'loop detections', f.loops, 'loops', f.loops * config.perLoop, MAX.loops),
    component('time', 'time waiting in the queue', round(waitShare * 100), '% of time', MAX.time * waitShare, MAX.time),
  ];
  const lost = components.reduce((sum, c) => sum + c.penalty, 0);
  const score = round(Math.max(0, Math.min(100, 100 - lost)));
  return { score, grade: grade(score), components };
}

/** The change the task asked for: made, not made (denied or never tried), or not asked for. */
function changeComponent(f: WorkFacts, config: EvaluatorConfig): ScoreComponent {
  if (!f.asksForChange) return component('change', 'change to the workspace (none asked for)', f.changes, 'changes applied', 0, MAX.change);
  const missing = f.outcome === 'done' && f.changes === 0;
  const label = !missing ? 'change asked for' : f.approvalsDenied > 0 ? 'change asked for was denied, none applied' : 'change asked for was never made';
  return component('change', label, f.changes, 'changes applied', missing ? config.noChange : 0, MAX.change);
}

/**
 * Whether a task's text asks for a change to the workspace (English or Chinese verbs such as
 * write, add, fix, implement, update, 编写, 修复). A review or an analysis asks for none.
 */
export function asksForChange(task: string): boolean {
  return /\b(write|add|fix|create|implement|change|update|edit|refactor|rename|remove|delete|bump|correct|rewrite)\b|编写|写|添加|修复|实现|修改|更新|删除|重构|创建/i.test(task);
}

/** 0 below the free fraction of the budget, 1 at (and over) the full budget, linear between. */
function overUse(ratio: number, config: EvaluatorConfig): number {
  const free = config.budgetFreeFraction;
  return clamp01((ratio - free) / (1 - free));
}

function budgetComponent(id: string, label: string, used: number, budget: number | null, config: EvaluatorConfig): ScoreComponent {
  const max = MAX[id as keyof typeof MAX];
  if (budget === null || !(budget > 0)) return component(id, `${label} (no budget)`, used, 'used', 0, max);
  return component(id, label, round(used / budget * 100), '% of budget', max * overUse(used / budget, config), max);
}

function component(id: string, label: string, value: number, unit: string, penalty: number, max: number): ScoreComponent {
  return { id, label, value, unit, penalty: round(Math.min(max, Math.max(0, penalty))), max };
}

// ---------------------------------------------------------------------------------------------
// System health

/** What happened in the system over a window, as recorded. */
export interface HealthFacts {
  /** length of the window actually covered by records, ms (at least 1) */
  spanMs: number;
  steps: number;
  toolCalls: number;
  toolErrors: number;
  kernelErrors: number;
  malformed: number;
  /** ms of the span during which the scheduler was paused by rate limits */
  rateLimitedMs: number;
  /** each dispatch's queue wait, ms */
  waits: readonly number[];
  sandboxRuns: number;
  /** sandbox runs killed by OOM or timeout, or failed in the sandbox itself */
  sandboxFailures: number;
  /** storage probe samples, ms */
  storageMs: readonly number[];
  /** kernel hosts that died without shutting down */
  crashes: number;
}

/** The constants of the health formula (docs/safety.md "System health"). */
export interface HealthConfig {
  /** error rate at which the error component is at its max */
  errorRateCeiling: number;
  /** share of time paused by rate limits at which that component is at its max */
  rateLimitCeiling: number;
  /** mean queue wait that is free, and the one at which the component is at its max, ms */
  waitFloorMs: number;
  waitCeilingMs: number;
  sandboxFailureCeiling: number;
  /** p95 storage latency that is free, and the one at which the component is at its max, ms */
  storageFloorMs: number;
  storageCeilingMs: number;
  /** points lost per kernel host crash */
  perCrash: number;
}

export const DEFAULT_HEALTH: HealthConfig = {
  errorRateCeiling: 0.25,
  rateLimitCeiling: 0.25,
  waitFloorMs: 1000,
  waitCeilingMs: 30_000,
  sandboxFailureCeiling: 0.25,
  storageFloorMs: 5,
  storageCeilingMs: 100,
  perCrash: 15,
};

const HEALTH_MAX = { errors: 30, rate_limits: 20, queue_wait: 20, sandbox: 15, storage: 15, crashes: 30 } as const;

/**
 * System health 0-100: 100 minus error rate (30), rate-limit pressure (20), queue wait (20),
 * sandbox failures (15), storage latency (15), kernel host crashes (15 each, 30).
 */
export function systemHealth(f: HealthFacts, config: HealthConfig = DEFAULT_HEALTH): { score: number; components: ScoreComponent[] } {
  const attempts = f.steps + f.toolCalls;
  const errors = f.kernelErrors + f.malformed + f.toolErrors;
  const errorRate = attempts > 0 ? Math.min(1, errors / attempts) : 0;
  const paused = f.spanMs > 0 ? Math.min(1, f.rateLimitedMs / f.spanMs) : 0;
  const meanWait = f.waits.length ? f.waits.reduce((a, b) => a + b, 0) / f.waits.length : 0;
  const sandboxRate = f.sandboxRuns > 0 ? f.sandboxFailures / f.sandboxRuns : 0;
  const p95 = percentile(f.storageMs, 95);
  const components: ScoreComponent[] = [
    component('errors', attempts ? 'error rate' : 'error rate (no activity)', round(errorRate * 100), '% of calls', HEALTH_MAX.errors * clamp01(errorRate / config.errorRateCeiling), HEALTH_MAX.errors),
    component('rate_limits', 'rate-limit pressure', round(paused * 100), '% of time paused', HEALTH_MAX.rate_limits * clamp01(paused / config.rateLimitCeiling), HEALTH_MAX.rate_limits),
    component('queue_wait', f.waits.length ? 'scheduler queue wait' : 'scheduler queue wait (no dispatches)', round(meanWait), 'ms mean', HEALTH_MAX.queue_wait * clamp01((meanWait - config.waitFloorMs) / (config.waitCeilingMs - config.waitFloorMs)), HEALTH_MAX.queue_wait),
    component('sandbox', f.sandboxRuns ? 'sandbox failures' : 'sandbox failures (no runs)', round(sandboxRate * 100), '% of runs', HEALTH_MAX.sandbox * clamp01(sandboxRate / config.sandboxFailureCeiling), HEALTH_MAX.sandbox),
    component('storage', f.storageMs.length ? 'storage latency' : 'storage latency (no samples)', round(p95, 2), 'ms p95', HEALTH_MAX.storage * clamp01((p95 - config.storageFloorMs) / (config.storageCeilingMs - config.storageFloorMs)), HEALTH_MAX.storage),
    component('crashes', 'kernel host crashes', f.crashes, f.crashes === 1 ? 'crash' : 'crashes', f.crashes * config.perCrash, HEALTH_MAX.crashes),
  ];
  const lost = components.reduce((sum, c) => sum + c.penalty, 0);
  return { score: round(Math.max(0, 100 - lost)), components };
}

/** Nearest-rank percentile; 0 for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : x > 0 ? 1 : 0;
}

/** Rounds to `digits` decimals (one by default). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
