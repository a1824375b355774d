/**
 * The evaluator dashboard's messages between the extension (DashboardPanel) and the webview
 * (src/webview), and the data it shows. Both ends import this file; it imports nothing, and every
 * value is plain JSON. The webview says `ready` first; the panel posts nothing before that.
 */

/** Letter grade of a score. */
export type GradeName = 'S' | 'A' | 'B' | 'C' | 'D' | 'F';

/** One component of a score: the measured figure and the points it cost. */
export interface ComponentView {
  id: string;
  label: string;
  value: number;
  unit: string;
  penalty: number;
  max: number;
}

/** System health with its components and recent samples. */
export interface HealthView {
  score: number;
  grade: GradeName;
  /** alert threshold (the heartbeat's) */
  threshold: number;
  components: ComponentView[];
  /** heartbeat samples, oldest first */
  history: Array<{ at: number; score: number }>;
}

/** An agent's row. */
export interface AgentRowView {
  pid: number;
  name: string;
  role: string;
  state: string;
  score: number;
  grade: GradeName;
  steps: number;
  /** input (incl. cache) + output tokens */
  tokens: number;
  dollars: number;
}

/** A task's row. */
export interface TaskRowView {
  id: string;
  pid: number | null;
  agent: string;
  description: string;
  outcome: string;
  score: number;
  grade: GradeName;
  steps: number;
  tokens: number;
  dollars: number;
}

/** Cumulative tokens and dollars per agent at the end of each time bucket. */
export interface UsageView {
  /** bucket end times, ms since epoch */
  times: number[];
  series: Array<{ pid: number | null; label: string; tokens: number[]; dollars: number[] }>;
}

/** What an agent was doing during a stretch of time. */
export type SegmentKind = 'running' | 'approval' | 'tool' | 'suspended';

/** The scheduler timeline: one lane per agent, and the rate-limit pauses. */
export interface TimelineView {
  from: number;
  to: number;
  lanes: Array<{ pid: number; label: string; segments: Array<{ from: number; to: number; kind: SegmentKind }> }>;
  rateLimits: Array<{ from: number; to: number }>;
  /** lanes left out (only the most recently active are shown) */
  hiddenLanes: number;
}

/** Approval decisions by who decided. */
export interface ApprovalsView {
  allowedByPolicy: number;
  deniedByPolicy: number;
  allowedByDeveloper: number;
  deniedByDeveloper: number;
  timedOut: number;
  pending: number;
  /** `agent`: the asking agent's name (absent from an older host: show the pid) */
  recent: Array<{ at: number; pid: number; agent?: string; tool: string; risk: string; summary: string; decision: string; actor: string }>;
}

/** Prompt-cache reads against all input tokens. */
export interface CacheView {
  inputTokens: number;
  cacheReadTokens: number;
  /** cacheReadTokens / inputTokens, 0 when no input */
  ratio: number;
}

/** A reactor firing. */
export interface FiringView {
  at: number;
  playbook: string;
  pid: number | null;
  action: string;
  outcome: string;
  message: string;
}

/** A gate's verdict. */
export interface GateView {
  level: 'L0' | 'L1' | 'L2';
  passed: boolean;
  summary: string;
  checks: Array<{ name: string; passed: boolean; detail: string }>;
}

/** An improvement proposal with its gate results (the L2 review). */
export interface ProposalView {
  id: string;
  at: number;
  kind: string;
  /** one sentence: what changes */
  summary: string;
  /** why, from the data */
  rationale: string;
  status: string;
  evidence: Array<{ metric: string; value: number; threshold: number; sample: number }>;
  gates: GateView[];
  /** true while it waits for the developer (L2) */
  canDecide: boolean;
}

/** The active configuration version. */
export interface ConfigView {
  /** null before the loop changed anything */
  version: number | null;
  sliceSteps: number;
  roleContextTokens: Record<string, number>;
  approvalRules: number;
}

/** Everything the dashboard shows, computed by `dashboardData` in src/safety. */
export interface DashboardData {
  generatedAt: number;
  /** true when any recorded step came from the offline scripted model (shown as a label) */
  scripted: boolean;
  health: HealthView;
  agents: AgentRowView[];
  /** the newest tasks (at most 100), newest first */
  tasks: TaskRowView[];
  /** all tasks recorded */
  taskTotal: number;
  usage: UsageView;
  timeline: TimelineView;
  approvals: ApprovalsView;
  cache: CacheView;
  reactor: FiringView[];
  proposals: ProposalView[];
  config: ConfigView;
  /** the audit trail's hash chain, checked when this was computed (absent: not checked) */
  audit?: AuditView;
}

/** Whether the audit trail's hash chain verifies (`aios audit verify`). */
export interface AuditView {
  ok: boolean;
  /** chained entries that verify (before the first broken one) */
  entries: number;
  /** the first broken entry (null when intact, or when the head is what is broken) */
  brokenAt: number | null;
  /** what is wrong, in words; null when intact */
  problem: string | null;
}

/** Extension → webview. */
export type DashboardToWebview =
  | { type: 'data'; data: DashboardData }
  | { type: 'error'; message: string }
  /** the answer to a `decide` */
  | { type: 'decided'; id: string; ok: boolean; message: string };

/** Webview → extension. */
export type WebviewToDashboard =
  /** the webview is listening; the panel posts data only after this */
  | { type: 'ready' }
  | { type: 'refresh' }
  /** L2: the developer's answer on a proposal */
  | { type: 'decide'; id: string; decision: 'approve' | 'reject' }
  /** the developer clicked an agent's name: open its transcript */
  | { type: 'openAgent'; pid: number };
