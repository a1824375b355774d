/**
 * The collector's records (the seed's five schemas: task, step, tool call, approval, error) and
 * the auxiliary rows the health figures and the dashboard need. Each is built from one kernel
 * event and carries that event's `seq`. Storage implements SafetyRecordStore (storage/safetyStore.ts).
 */
import type { StoredEvent } from '../kernel/events';
import type { Pid } from '../kernel/types';
import type { DecisionActor } from '../kernel/ports/approvals';

/** How a task ended, or that it has not. */
export type TaskOutcome = 'running' | 'done' | 'failed' | 'killed' | 'suspended' | 'cancelled';

/** Record 1/5: a task from start to outcome. Budgets null = unlimited. */
export interface TaskRecordRow {
  taskId: string;
  pid: Pid | null;
  agent: string;
  role: string;
  description: string;
  startedAt: number;
  endedAt: number | null;
  outcome: TaskOutcome;
  budgetTokens: number | null;
  budgetDollars: number | null;
  budgetSteps: number | null;
}

/** Record 2/5: one model call. */
export interface StepRecordRow {
  seq: number;
  at: number;
  pid: Pid;
  taskId: string | null;
  step: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  dollars: number;
  durationMs: number;
  scripted: boolean;
}

/** Record 3/5: one tool call; `isError` null until its result arrives. */
export interface ToolCallRecordRow {
  seq: number;
  at: number;
  pid: Pid;
  taskId: string | null;
  callId: string;
  tool: string;
  risk: string;
  endedAt: number | null;
  durationMs: number | null;
  isError: boolean | null;
  /** the policy or the developer denied it (its error result is not a tool failure) */
  denied: boolean;
}

/** Record 4/5: one approval decision; `requestId` '-' when the policy decided alone. */
export interface ApprovalRecordRow {
  seq: number;
  at: number;
  pid: Pid;
  taskId: string | null;
  requestId: string;
  tool: string | null;
  risk: string | null;
  summary: string | null;
  decidedAt: number | null;
  decision: 'allow' | 'deny' | null;
  actor: DecisionActor | null;
  rule: string | null;
}

/** What kind of thing went wrong. */
export type ErrorKind = 'kernel' | 'malformed' | 'tool' | 'loop' | 'budget' | 'sandbox';

/** Record 5/5: something that went wrong. */
export interface ErrorRecordRow {
  seq: number;
  at: number;
  pid: Pid | null;
  taskId: string | null;
  kind: ErrorKind;
  /** where (kernel), the tool (malformed, tool, loop), the budget (budget), the kill reason (sandbox) */
  source: string;
  message: string;
}

/** A scheduler fact: a dispatch (value = ms waited), a preemption, or a rate-limit pause (value = until). */
export interface SchedulerRecordRow {
  seq: number;
  at: number;
  pid: Pid | null;
  taskId: string | null;
  kind: 'dispatch' | 'preempt' | 'rate_limited';
  value: number;
}

/** A lifecycle change (the dashboard's timeline). */
export interface StateRecordRow {
  seq: number;
  at: number;
  pid: Pid;
  from: string;
  to: string;
  waitReason: string | null;
}

/** A page fault (recall of an evicted page) or an eviction. */
export interface PagingRecordRow {
  seq: number;
  at: number;
  pid: Pid;
  kind: 'fault' | 'evict';
  tokens: number;
}

/** A sandboxed command. */
export interface SandboxRecordRow {
  seq: number;
  at: number;
  pid: Pid;
  exitCode: number | null;
  killed: string | null;
  durationMs: number;
  memoryBytes: number | null;
}

/** Where the collector writes and what it reads back while projecting. */
export interface CollectorSink {
  transaction<T>(fn: () => T): T;
  /** seq of the last event projected (0: none) */
  cursor(): number;
  setCursor(seq: number): void;
  /** the log after `seq`, oldest first */
  eventsAfter(seq: number, limit: number): StoredEvent[];
  /** the latest task of an agent */
  currentTask(pid: Pid): string | null;
  /** the agent's name, role and budgets as stored (null when unknown) */
  agentInfo(pid: Pid): { name: string; role: string; budgets: { tokens: number | null; dollars: number | null; steps: number | null } } | null;
  /** the kernel's description of a task (null when unknown) */
  taskDescription(taskId: string): string | null;
  putTask(row: TaskRecordRow): void;
  getTask(taskId: string): TaskRecordRow | undefined;
  addStep(row: StepRecordRow): void;
  addToolCall(row: ToolCallRecordRow): void;
  endToolCall(pid: Pid, callId: string, endedAt: number, durationMs: number, isError: boolean, denied: boolean): void;
  addApproval(row: ApprovalRecordRow): void;
  /** false when no open request matched (a decision by the policy alone gets its own row) */
  decideApproval(pid: Pid, requestId: string, decidedAt: number, decision: 'allow' | 'deny', actor: ApprovalRecordRow['actor'], rule: string | null): boolean;
  addError(row: ErrorRecordRow): void;
  addScheduler(row: SchedulerRecordRow): void;
  addState(row: StateRecordRow): void;
  addPaging(row: PagingRecordRow): void;
  addSandbox(row: SandboxRecordRow): void;
}

/** Sums over the records of one task or one agent. */
export interface WorkAggregate {
  steps: number;
  tokens: number;
  inputTokens: number;
  cacheReadTokens: number;
  dollars: number;
  runMs: number;
  toolCalls: number;
  toolErrors: number;
  denied: number;
  /** changes applied to the workspace: successful write_file / edit_file calls and approved sandbox diffs */
  changes: number;
  kernelErrors: number;
  malformed: number;
  loops: number;
  waits: number[];
}

/** A task record with the sums of its records. */
export interface TaskAggregate extends WorkAggregate {
  task: TaskRecordRow;
}

/** Counts over a time window, for system health. */
export interface WindowCounts {
  steps: number;
  toolCalls: number;
  toolErrors: number;
  kernelErrors: number;
  malformed: number;
  waits: number[];
  /** [from, until] pauses that overlap the window */
  pauses: Array<[number, number]>;
  sandboxRuns: number;
  sandboxFailures: number;
  storageMs: number[];
  /** kernel hosts that died without shutting down (the reactor's host_crash.restore firings) */
  crashes: number;
  /** earliest record in the window, or null */
  firstAt: number | null;
}

/** One point of an agent's usage. */
export interface UsagePoint {
  at: number;
  pid: Pid;
  tokens: number;
  dollars: number;
}

/** Approval decisions by who decided and how. */
export interface ApprovalCount {
  actor: string;
  decision: string;
  count: number;
}
