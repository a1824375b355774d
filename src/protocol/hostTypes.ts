import type { McpServerView } from './mcpTypes';

/**
 * The data that crosses the JSON-RPC channel between the extension and the kernel host.
 * Self-contained on purpose: the extension imports this file and never the kernel. Every value
 * is plain JSON (no `undefined`, no `Infinity`: an unlimited budget is `null`).
 */

/** Any JSON value (tool inputs are shown to the developer as they are). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Lifecycle state of an agent (the kernel's AgentState). */
export type AgentStateName = 'new' | 'ready' | 'running' | 'waiting' | 'suspended' | 'done' | 'failed' | 'killed';

/** Risk level of a tool call. */
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';

/** What a tool may do / what an agent is allowed to do. */
export type CapabilityName = 'fs.read' | 'fs.write' | 'exec' | 'net';

/** Scope of a standing approval rule. */
export type RuleScopeName = 'agent' | 'session' | 'always';

/** Lowest risk that asks the developer when no rule allows a call. */
export type AskLevel = 'medium' | 'high' | 'critical';

/** Scheduling policy of the kernel. */
export type SchedulingPolicyName = 'priority' | 'round_robin' | 'fair_share';

/** Hard limits of one agent; null means unlimited. */
export interface BudgetsView {
  /** input + output tokens over the agent's life */
  tokens: number | null;
  /** US dollars over the agent's life */
  dollars: number | null;
  /** model calls over the agent's life */
  steps: number | null;
}

/** What an agent has consumed so far. */
export interface UsageView {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  dollars: number;
  steps: number;
}

/** One agent as the views show it. */
export interface AgentView {
  pid: number;
  name: string;
  role: string;
  /** 0-99, lower is more urgent */
  priority: number;
  state: AgentStateName;
  /** why a waiting agent waits */
  waitReason: 'approval' | 'tool' | null;
  /** why it was suspended, failed or killed */
  reason: string | null;
  /** a running or waiting agent the developer (or a budget, a loop) asked to suspend: why; it stops after this step. Absent: none */
  suspending?: string | null;
  parent: number | null;
  task: string;
  /** the model setting, e.g. `claude-sonnet-4-5` or `scripted:.aios/scripts/coder.json` */
  model: string;
  /** true when the agent runs on the offline scripted model: its output is not a real model's */
  scripted: boolean;
  /**
   * How its spending is counted: `usd`; `unknown` (no price known: the cost shows as —, never
   * $0.00); `tokens-only` (VS Code language models report no dollars: budgets count tokens and
   * requests); `scripted` (no model ran). Absent (an older host): `usd`.
   */
  billing?: 'usd' | 'unknown' | 'tokens-only' | 'scripted';
  budgets: BudgetsView;
  usage: UsageView;
  capabilities: CapabilityName[];
  /** ms since epoch */
  createdAt: number;
  updatedAt: number;
  /** the final answer once done */
  result: string | null;
}

/** One agent's memory account and context paging counters. */
export interface MemoryAccountView {
  pid: number;
  /** bytes of kernel-held state */
  used: number;
  /** bytes the agent may hold */
  quota: number;
  /** context pages swapped out to the database */
  swappedPages: number;
  residentPages: number;
  residentTokens: number;
  pageFaults: number;
}

/** Memory of the whole kernel; accounts sorted by pressure (used / quota), highest first. */
export interface MemoryView {
  globalLimit: number;
  used: number;
  evictions: number;
  accounts: MemoryAccountView[];
}

/** A tool in the registry. */
export interface ToolView {
  name: string;
  description: string;
  risk: RiskLevel;
  capabilities: CapabilityName[];
}

/** A standing approval rule. */
export interface RuleView {
  id: string;
  tool: string;
  /** null: any input; else a path glob or a command prefix */
  pattern: string | null;
  scope: RuleScopeName;
  /** the agent of an `agent` rule */
  pid: number | null;
  /** ms since epoch, or null */
  expiresAt: number | null;
  createdAt: number;
}

/** One file of a proposed change. */
export interface ProposedFileView {
  /** workspace-relative, forward slashes */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** unified diff */
  diff: string;
  /** content the change was based on ('' when added); null for binary */
  before: string | null;
  /** proposed content ('' when deleted); null for binary */
  after: string | null;
}

/** What the developer is asked to approve. */
export type ApprovalSubjectView =
  | { kind: 'tool'; summary: string; input: JsonValue }
  | { kind: 'edit'; summary: string; files: ProposedFileView[] }
  | { kind: 'command'; summary: string; command: string; cwd: string };

/** A pending request to the developer. */
export interface ApprovalView {
  id: string;
  pid: number;
  agentName: string;
  tool: string;
  risk: RiskLevel;
  subject: ApprovalSubjectView;
  /** ms since epoch */
  createdAt: number;
  /** false for critical tools: no standing rule may be created ("always allow" is not offered) */
  rememberable: boolean;
  /** what "always allow" would cover, in words (shown before the rule is saved); null when not rememberable */
  ruleCovers: string | null;
}

/** The developer's answer; for change sets `files` may approve a subset. */
export type ApprovalAnswerView =
  | { decision: 'approve'; remember: RuleScopeName | null; files: string[] | null }
  | { decision: 'deny'; reason: string | null };

/** Whether code actions (run_command in Docker) are available. */
export type SandboxStatusView =
  | { status: 'checking' }
  | { status: 'ready'; image: string; engine: string }
  | { status: 'unavailable'; message: string }
  | { status: 'disabled' };

/** Scheduler settings and load. */
export interface SchedulerView {
  policy: SchedulingPolicyName;
  maxConcurrent: number;
  /** null: unlimited */
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  /** model calls in flight */
  running: number;
  /** agents queued for a model call */
  ready: number;
}

/** A role agents can be spawned or routed with. */
export interface RoleView {
  name: string;
  description: string;
  /** what agents of the role may do; null: the extension's default for the role */
  capabilities: CapabilityName[] | null;
}

/** Everything the views show, in one consistent read. */
export interface StateSnapshot {
  /** grows with every kernel event; equal versions mean equal state */
  version: number;
  host: { processId: number; session: string; startedAt: number; workspace: string };
  agents: AgentView[];
  memory: MemoryView;
  tools: ToolView[];
  rules: RuleView[];
  approvals: ApprovalView[];
  scheduler: SchedulerView;
  sandbox: SandboxStatusView;
  roles: RoleView[];
  /** the developer's MCP servers (src/protocol/mcpTypes.ts) */
  mcpServers: McpServerView[];
}

/** A kernel event reduced to what the extension logs and reacts to. */
export interface EventView {
  seq: number;
  at: number;
  /** the kernel event type, e.g. `agent.state` */
  type: string;
  pid: number | null;
  /** one line for the log */
  summary: string;
  /** set when the developer should be told (a reactor playbook, a health alert) */
  notice: NoticeView | null;
}

/** Something the extension shows the developer as a notification. */
export interface NoticeView {
  /** what raised it: a reactor playbook id (e.g. `host_crash.restore`) or `health` */
  source: string;
  level: 'info' | 'warning';
  message: string;
  /** a button that opens the dashboard */
  openDashboard: boolean;
}
