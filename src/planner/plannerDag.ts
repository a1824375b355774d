/**
 * Plans as data: the JSON a model writes (a DAG of subtasks with roles and dependencies), its
 * schema, the checks a schema cannot express (unknown dependencies, cycles, unknown roles), and
 * the schedule that says which subtasks may start as others finish, under a failure policy.
 * Pure and allocation-light: a 1,000-subtask plan validates and schedules in well under 50 ms.
 */
import type { ValidateFunction } from 'ajv';
import { z } from 'zod';
import { describeErrors, inputJsonSchema, inputValidator, type ToolInput } from '../kernel/ports/toolInput';

const FailurePolicy = z.enum(['retry', 'skip_dependents', 'fail_parent']);

/** What happens when a subtask fails. */
export type FailurePolicy = z.infer<typeof FailurePolicy>;

export const FAILURE_POLICIES: readonly FailurePolicy[] = FailurePolicy.options;

/** A plan as the model writes it (the `plan` tool's input); `maxSubtasks` bounds what a model may ask for in one call. */
export function planInput(maxSubtasks: number) {
  const subtask = z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/).describe('short unique id, e.g. "tests"'),
    role: z.string().describe('the role of the child agent (coder, reviewer, tester, analyst, writer, or a workspace role)'),
    task: z.string().min(1).describe('what the child agent should do, self-contained'),
    // zod has no uniqueItems; the validator checks the JSON Schema, which carries it.
    depends_on: z.array(z.string()).meta({ uniqueItems: true }).optional().describe('ids of subtasks that must be done first'),
  });
  return z.strictObject({
    subtasks: z.array(subtask).min(1).max(maxSubtasks).describe('the subtasks; each runs as a child agent once the subtasks it depends on are done'),
    on_failure: FailurePolicy.optional().describe('retry: run a failed subtask once more; skip_dependents (default): skip what depends on it; fail_parent: stop the plan and fail'),
  });
}

/** A plan as the model writes it (`on_failure` defaults to `skip_dependents`). */
export type PlanInput = ToolInput<ReturnType<typeof planInput>>;

/** One subtask as the model writes it. */
export type SubtaskInput = PlanInput['subtasks'][number];

/** Where a subtask stands. */
export type SubtaskStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';

// Plans checked outside the tool registry (the planner's own API), one validator per bound.
const validators = new Map<number, ValidateFunction<PlanInput>>();

/** A plan that passed every check, with dependencies resolved to indexes. */
export interface CheckedPlan {
  subtasks: SubtaskInput[];
  onFailure: FailurePolicy;
  /** deps[i]: indexes of the subtasks i depends on */
  deps: number[][];
  /** a topological order of the indexes */
  order: number[];
}

/**
 * Checks a plan: the schema (unless the tool registry already did), then unique ids, known
 * dependencies, known roles and no cycles. Returns the checked plan or one message naming
 * the problem, written for the model to fix its plan.
 */
export function checkPlan(input: unknown, options: { roles?: readonly string[]; maxSubtasks?: number; schemaChecked?: boolean } = {}): CheckedPlan | string {
  if (!options.schemaChecked) {
    const max = options.maxSubtasks ?? 10_000;
    let validate = validators.get(max);
    // The schema is generated from planInput: what passes it is a PlanInput.
    if (!validate) validators.set(max, (validate = inputValidator(inputJsonSchema(planInput(max))) as ValidateFunction<PlanInput>));
    if (!validate(input)) return `invalid plan: ${describeErrors(validate.errors ?? [], 'plan')}`;
  }
  const plan = input as PlanInput;
  const subtasks = plan.subtasks;
  const index = new Map<string, number>();
  for (let i = 0; i < subtasks.length; i++) {
    const id = subtasks[i].id;
    if (index.has(id)) return `invalid plan: subtask id '${id}' is used twice; give every subtask its own id`;
    index.set(id, i);
  }
  const roles = options.roles;
  const deps: number[][] = new Array<number[]>(subtasks.length);
  for (let i = 0; i < subtasks.length; i++) {
    const s = subtasks[i];
    if (roles && !roles.includes(s.role)) return `invalid plan: subtask '${s.id}' has role '${s.role}', which is not a role; use one of ${roles.join(', ')}`;
    const list: number[] = [];
    for (const d of s.depends_on ?? []) {
      if (d === s.id) return `invalid plan: subtask '${s.id}' depends on itself`;
      const j = index.get(d);
      if (j === undefined) return `invalid plan: subtask '${s.id}' depends on '${d}', which is not a subtask of this plan (ids: ${[...index.keys()].slice(0, 20).join(', ')})`;
      list.push(j);
    }
    deps[i] = list;
  }
  const order = topologicalOrder(deps);
  if (order.length < subtasks.length) {
    const cycle = findCycle(deps, new Set(order)).map((i) => subtasks[i].id);
    const links = cycle.slice(0, -1).map((id, k) => `'${id}' depends on '${cycle[k + 1]}'`);
    return `invalid plan: the dependencies form a cycle: ${links.join(', ')}; a plan must have no cycles, so remove one of these dependencies`;
  }
  return { subtasks, onFailure: plan.on_failure ?? 'skip_dependents', deps, order };
}

/** Kahn's algorithm; a shorter result than the input means there is a cycle. */
function topologicalOrder(deps: readonly number[][]): number[] {
  const n = deps.length;
  const indegree = new Int32Array(n);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    indegree[i] = deps[i].length;
    for (const d of deps[i]) dependents[d].push(i);
  }
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    for (const j of dependents[order[k]]) if (--indegree[j] === 0) order.push(j);
  }
  return order;
}

/** One cycle among the nodes not in `sorted`, as a closed path along "depends on" (first repeated last). */
function findCycle(deps: readonly number[][], sorted: ReadonlySet<number>): number[] {
  const state = new Map<number, 1 | 2>();
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    state.set(i, 1);
    path.push(i);
    for (const d of deps[i]) {
      if (sorted.has(d)) continue;
      if (state.get(d) === 1) return [...path.slice(path.indexOf(d)), d];
      if (!state.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    path.pop();
    state.set(i, 2);
    return null;
  };
  for (let i = 0; i < deps.length; i++) {
    if (sorted.has(i) || state.has(i)) continue;
    const found = visit(i);
    if (found) return found;
  }
  return [];
}

/** What completing a subtask changed. */
export interface CompletionEffect {
  /** the subtask goes back in line for another attempt */
  retry: boolean;
  /** subtasks skipped because this one failed */
  skipped: number[];
  /** the whole plan stops (fail_parent): subtasks still pending were cancelled */
  cancelled: number[];
  /** the plan as a whole has failed */
  failed: boolean;
}

/**
 * The state of a running plan: which subtasks are pending, running or finished, which may start
 * now, and what a failure does under the plan's policy. O(edges) over the plan's life.
 */
export class PlanSchedule {
  readonly status: SubtaskStatus[];
  readonly attempts: Int32Array;
  private readonly waitingOn: Int32Array;
  private readonly dependents: number[][];
  private readonly queue: number[] = [];
  private head = 0;
  private running = 0;
  private finishedCount = 0;
  private stopped = false;

  constructor(readonly plan: CheckedPlan, private readonly maxAttempts = 2) {
    const n = plan.subtasks.length;
    this.status = new Array<SubtaskStatus>(n).fill('pending');
    this.attempts = new Int32Array(n);
    this.waitingOn = new Int32Array(n);
    this.dependents = Array.from({ length: n }, () => []);
    for (let i = 0; i < n; i++) {
      this.waitingOn[i] = plan.deps[i].length;
      for (const d of plan.deps[i]) this.dependents[d].push(i);
    }
    for (const i of plan.order) if (this.waitingOn[i] === 0) this.queue.push(i);
  }

  /** Subtasks still running. */
  get runningCount(): number {
    return this.running;
  }

  /** True when every subtask is done, failed, skipped or cancelled. */
  get finished(): boolean {
    return this.finishedCount === this.status.length;
  }

  /** True when a subtask failed under `fail_parent`. */
  get failed(): boolean {
    return this.stopped;
  }

  /** Subtasks whose dependencies are all done, marked running (at most `limit` of them). */
  start(limit = Infinity): number[] {
    const out: number[] = [];
    while (this.head < this.queue.length && out.length < limit) {
      const i = this.queue[this.head++];
      if (this.status[i] !== 'pending') continue;
      this.status[i] = 'running';
      this.attempts[i]++;
      this.running++;
      out.push(i);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** A running subtask ended; returns what that changed under the failure policy. */
  complete(i: number, success: boolean): CompletionEffect {
    if (this.status[i] !== 'running') throw new Error(`subtask ${this.plan.subtasks[i].id} is ${this.status[i]}, not running`);
    this.running--;
    const effect: CompletionEffect = { retry: false, skipped: [], cancelled: [], failed: false };
    if (success) {
      this.finish(i, 'done');
      for (const j of this.dependents[i]) if (--this.waitingOn[j] === 0 && this.status[j] === 'pending') this.queue.push(j);
      return effect;
    }
    const policy = this.plan.onFailure;
    if (policy === 'retry' && this.attempts[i] < this.maxAttempts && !this.stopped) {
      this.status[i] = 'pending';
      this.queue.push(i);
      effect.retry = true;
      return effect;
    }
    this.finish(i, 'failed');
    if (policy === 'fail_parent') {
      this.stopped = true;
      effect.failed = true;
      for (let j = 0; j < this.status.length; j++) {
        if (this.status[j] === 'pending') { this.finish(j, 'cancelled'); effect.cancelled.push(j); }
      }
      return effect;
    }
    // retry (exhausted) and skip_dependents: everything downstream is skipped
    const stack = [...this.dependents[i]];
    while (stack.length) {
      const j = stack.pop()!;
      if (this.status[j] !== 'pending') continue;
      this.finish(j, 'skipped');
      effect.skipped.push(j);
      for (const k of this.dependents[j]) stack.push(k);
    }
    return effect;
  }

  /** A running subtask was stopped from outside (its parent went away). */
  cancel(i: number): void {
    if (this.status[i] === 'running') this.running--;
    if (this.status[i] === 'running' || this.status[i] === 'pending') this.finish(i, 'cancelled');
  }

  /** Ids of the unfinished dependencies of a subtask (what it waits for). */
  blockers(i: number): string[] {
    return this.plan.deps[i].filter((d) => this.status[d] !== 'done').map((d) => this.plan.subtasks[d].id);
  }

  private finish(i: number, status: SubtaskStatus): void {
    this.status[i] = status;
    this.finishedCount++;
  }
}
