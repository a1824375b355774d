/** Process id of an agent; positive, assigned by the process table, never reused in one database. */
export type Pid = number;

/** Lifecycle states of an agent process (see DESIGN.md "One agent step"). */
export type AgentState = 'new' | 'ready' | 'running' | 'waiting' | 'suspended' | 'done' | 'failed' | 'killed';

/** Why a `waiting` agent waits. */
export type WaitReason = 'approval' | 'tool';

/** States an agent never leaves. */
export const TERMINAL_STATES: readonly AgentState[] = ['done', 'failed', 'killed'];

/** Hard limits for one agent. `Infinity` means unlimited (stored as null). */
export interface Budgets {
  /** input + output tokens over the agent's life */
  tokens: number;
  /** US dollars over the agent's life */
  dollars: number;
  /** model calls over the agent's life */
  steps: number;
  /** bytes of kernel-held state (resident pages, working memory) */
  bytes: number;
}

/** What an agent has consumed so far. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  dollars: number;
  steps: number;
  /** bytes currently held (not cumulative) */
  bytes: number;
}

/** The persistent record of one agent process. */
export interface AgentRecord {
  pid: Pid;
  name: string;
  role: string;
  /** 0-99, lower is more urgent */
  priority: number;
  state: AgentState;
  /** set while state is `waiting` */
  waitReason: WaitReason | null;
  /** why the agent was suspended, failed or killed; null otherwise */
  reason: string | null;
  parent: Pid | null;
  /** ms since epoch (kernel clock) */
  createdAt: number;
  /** ms since epoch of the last state change */
  updatedAt: number;
  /** the task the agent was spawned for */
  task: string;
  /** model id, e.g. `claude-sonnet-4-5` or `scripted:/path/to/script.json` */
  model: string;
  budgets: Budgets;
  usage: Usage;
  /** what the agent's tools may do */
  capabilities: Capability[];
  /** the context window this agent's prompts must fit: tokens, and the pager's watermarks as fractions */
  context: ContextBudget;
  /** the agent's final answer once done */
  result: string | null;
}

/** Token budget of an agent's context window with the pager's watermarks (fractions of `tokens`). */
export interface ContextBudget {
  tokens: number;
  /** start evicting above tokens × high */
  high: number;
  /** evict down to tokens × low */
  low: number;
}

/** Kinds of context pages. */
export type PageKind = 'system' | 'task' | 'message' | 'tool_result' | 'file' | 'summary';

/** Status of a task (a unit of work handed to an agent). */
export type TaskStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/** A task record, for the views and the evaluator. */
export interface TaskRecord {
  id: string;
  pid: Pid | null;
  description: string;
  status: TaskStatus;
  createdAt: number;
  updatedAt: number;
  /** summary of the outcome once finished */
  result: string | null;
}

/** Risk level of a tool call. */
export type Risk = 'low' | 'medium' | 'high' | 'critical';

/** Capabilities a tool needs and an agent may hold. */
export type Capability = 'fs.read' | 'fs.write' | 'exec' | 'net';

/** One entry of the audit trail: who decided what, when, under which rule. */
export interface AuditEntry {
  at: number;
  pid: Pid | null;
  /** e.g. `approval.allow`, `approval.deny`, `rule.add`, `agent.kill` */
  action: string;
  /** who decided: `policy`, `developer`, `timeout`, `kernel` */
  actor: string;
  /** tool name or other subject */
  subject: string;
  /** structured details; must never contain secrets */
  detail: Record<string, unknown>;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, dollars: 0, steps: 0, bytes: 0 };
}

export function unlimitedBudgets(): Budgets {
  return { tokens: Infinity, dollars: Infinity, steps: Infinity, bytes: Infinity };
}

/** Something that can be released. Same shape as vscode.Disposable. */
export interface Disposable {
  dispose(): void;
}
