/**
 * The interfaces through which the kernel reaches the outside world. Implementations live in
 * the folders that know the outside (storage/, llm/, tools/, sandbox/); the kernel knows only these.
 */
import type { KernelEvent, StoredEvent } from './events';
import type { AgentRecord, AuditEntry, Capability, PageKind, Pid, Risk, TaskRecord, TaskStatus } from './types';

/** Something that can be released. Same shape as vscode.Disposable. */
export interface Disposable {
  dispose(): void;
}

/** Time source; injected so the scheduler and tests are deterministic. */
export interface Clock {
  /** ms since epoch */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Counts tokens of a text; real usage from the API replaces estimates when known. */
export interface TokenEstimator {
  estimate(text: string): number;
}

// ---------------------------------------------------------------------------------------------
// Storage

/** One context page as stored. `content` is the page body serialized as JSON (see ContextPager). */
export interface PageRow {
  id: number;
  pid: Pid;
  /** order of the page in the agent's context */
  seq: number;
  kind: PageKind;
  /** JSON text of the page body */
  content: string;
  /** plain text used for full-text search */
  text: string;
  tokens: number;
  importance: number;
  pinned: boolean;
  resident: boolean;
  lastAccess: number;
  createdAt: number;
}

/** A full-text hit over swapped pages. */
export interface PageHit {
  id: number;
  pid: Pid;
  kind: PageKind;
  snippet: string;
  /** BM25 rank, lower is better (SQLite convention) */
  rank: number;
}

/** Filter for reading events. */
export interface EventQuery {
  /** exact type, or a prefix ending in '.' (e.g. `agent.`) */
  type?: string;
  pid?: Pid;
  /** only events with seq greater than this */
  afterSeq?: number;
  /** newest first when set; default 100 */
  limit?: number;
}

/** A named saved context of an agent (save/restore/snapshot in the seed API). */
export interface SnapshotRow {
  pid: Pid;
  name: string;
  at: number;
  /** JSON text */
  data: string;
}

/**
 * Durable state. Synchronous (better-sqlite3); every mutation inside `transaction` commits
 * atomically, so a state change and its events land together or not at all.
 */
export interface KernelStore {
  transaction<T>(fn: () => T): T;

  putAgent(agent: AgentRecord): void;
  getAgent(pid: Pid): AgentRecord | undefined;
  listAgents(): AgentRecord[];
  /** highest pid ever stored, 0 for an empty database */
  maxPid(): number;

  /** appends an event; returns its sequence number */
  appendEvent(event: KernelEvent, at: number): number;
  /** newest first, at most `limit` */
  queryEvents(query: EventQuery): StoredEvent[];

  putPages(pages: readonly PageRow[]): void;
  getPage(id: number): PageRow | undefined;
  listPages(pid: Pid): PageRow[];
  /** full-text search over swapped-out pages of one agent (or all agents when pid is null) */
  searchPages(pid: Pid | null, query: string, limit: number): PageHit[];
  deletePages(pid: Pid): void;
  /** highest page id ever stored, 0 for none */
  maxPageId(): number;

  putSnapshot(snapshot: SnapshotRow): void;
  getSnapshot(pid: Pid, name: string): SnapshotRow | undefined;

  putCheckpoint(pid: Pid, step: number, at: number, data: string): void;
  latestCheckpoint(pid: Pid): { step: number; at: number; data: string } | undefined;

  putTask(task: TaskRecord): void;
  getTask(id: string): TaskRecord | undefined;
  listTasks(status?: TaskStatus): TaskRecord[];

  putRule(rule: StandingRule): void;
  deleteRule(id: string): void;
  listRules(): StandingRule[];

  appendAudit(entry: AuditEntry): void;
  queryAudit(limit: number): AuditEntry[];

  close(): void;
}

// ---------------------------------------------------------------------------------------------
// LLM

/**
 * A content block in a model conversation. Thinking blocks are kept verbatim (with their
 * signatures) because the API needs them back within a tool-use cycle; they are never shown.
 */
export type LlmBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; content: string; isError: boolean };

/** A message in a model conversation. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  content: LlmBlock[];
}

/** A tool offered to the model. */
export interface LlmToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the input */
  inputSchema: Record<string, unknown>;
}

/** One model call. */
export interface LlmRequest {
  model: string;
  /** stable id of the conversation (the agent's pid as text); the scripted provider keys its cursor on it */
  session: string;
  /**
   * How many model calls this conversation already had (the agent's steps). The scripted model
   * replays from this turn, so an agent restored after a restart continues where it was.
   */
  step?: number;
  system: string;
  tools: LlmToolSpec[];
  messages: LlmMessage[];
  maxTokens: number;
  /**
   * Where the stable prefix ends, for prompt caching: `system` puts a breakpoint after tools +
   * system; each index in `messages` puts one on the last block of that message. The provider
   * sends at most 4 in all, keeping the latest.
   */
  cache: { system: boolean; messages: number[] };
  signal?: AbortSignal;
}

/** A tool call whose input could not be parsed as JSON. */
export interface MalformedToolUse {
  id: string;
  name: string;
  raw: string;
  error: string;
}

/** Token counts of one call as reported by the API (or the script). */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** The result of one model call. */
export interface LlmResponse {
  content: LlmBlock[];
  /** tool calls whose input was not valid JSON; they go back to the model as errors */
  malformed: MalformedToolUse[];
  stopReason: string;
  usage: LlmUsage;
  costUsd: number;
  model: string;
  /** true when produced by the offline scripted model, not a real one */
  scripted: boolean;
}

/** Observer of an in-flight call. */
export interface LlmObserver {
  onText?(delta: string): void;
  /** the provider is retrying after a 429 or 5xx; `status` 429 means the scheduler should pause */
  onRetry?(info: { status: number; retryAfterMs: number; attempt: number }): void;
}

/** A model provider (Anthropic, scripted). */
export interface LlmProvider {
  /** e.g. `anthropic`, `scripted` */
  readonly id: string;
  readonly scripted: boolean;
  call(request: LlmRequest, observer?: LlmObserver): Promise<LlmResponse>;
}

/** Thrown by a provider when the API keeps answering 429 after its retries. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number, message: string) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tools and approvals

/** One file of a proposed change, shown as a diff and applied only when approved. */
export interface ProposedFile {
  /** workspace-relative path with forward slashes */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** unified diff */
  diff: string;
  /** current content ('' when added); null for binary */
  before: string | null;
  /** proposed content ('' when deleted); null for binary */
  after: string | null;
}

/** What the developer is asked to approve. */
export type ApprovalSubject =
  | { kind: 'tool'; summary: string; input: unknown }
  | { kind: 'edit'; summary: string; files: ProposedFile[] }
  | { kind: 'command'; summary: string; command: string; cwd: string };

/** A request to the developer. */
export interface ApprovalRequest {
  id: string;
  pid: Pid;
  agentName: string;
  tool: string;
  risk: Risk;
  subject: ApprovalSubject;
  createdAt: number;
  /** what "always allow" would cover, in words; null when no standing rule may be made */
  ruleCovers: string | null;
}

/** Scope of a standing rule the developer creates while answering. */
export type RuleScope = 'agent' | 'session' | 'always';

/** The developer's answer. For edits, `files` may approve a subset (paths); absent means all. */
export type ApprovalAnswer =
  | { decision: 'approve'; remember: RuleScope | null; files?: string[] }
  | { decision: 'deny'; reason: string | null };

/** Who asks the developer: the CLI on a TTY, the extension in editor prompts. */
export interface ApprovalClient {
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** A tool's declaration. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  risk: Risk;
  capabilities: Capability[];
}

/** What a tool call produced, fed back to the model. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
}

/** Context handed to a tool while it prepares and runs. */
export interface ToolContext {
  pid: Pid;
  agentName: string;
  signal: AbortSignal;
  /**
   * Put a change set (e.g. what a sandboxed command wrote) through the approval policy (as the
   * pseudo-tool `apply_changes`, risk medium, capability fs.write); returns the paths the policy
   * or the developer approved. The caller applies them and reports conflicts.
   */
  proposeChanges(files: ProposedFile[], summary: string): Promise<{ approved: string[] }>;
}

/** A validated tool call ready to run once the policy allows it. */
export interface PreparedCall {
  /** what the developer sees if asked */
  subject: ApprovalSubject;
  run(): Promise<ToolOutcome>;
}

/** A tool the kernel can call. */
export interface Tool extends ToolSpec {
  /**
   * Checks the (schema-valid) input against the world and returns what to approve and how to run.
   * Throws ToolInputError for bad input (a path outside the workspace, a stale edit).
   */
  prepare(input: unknown, context: ToolContext): Promise<PreparedCall>;
}

/** Result of validating a call: the tool and its schema-valid input, or an error for the model. */
export type ToolValidation =
  | { ok: true; tool: Tool; input: unknown }
  | { ok: false; error: string };

/** The tools the kernel can offer (implemented by tools/ToolRegistry). */
export interface ToolCatalog {
  list(): ToolSpec[];
  get(name: string): Tool | undefined;
  validate(name: string, input: unknown): ToolValidation;
}

/** Bad tool input: goes back to the model as an error tool result. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Approval policy

/** A developer's standing rule: allow a tool (optionally only for inputs matching a pattern). */
export interface StandingRule {
  id: string;
  tool: string;
  /**
   * null matches any input; otherwise a path glob (file tools, matched against the
   * workspace-relative path) or a command prefix as words (`npm test` matches `npm test -- -g x`
   * but not `npm testing`).
   */
  pattern: string | null;
  scope: RuleScope;
  /** set when scope is `agent` */
  pid: Pid | null;
  /** set when scope is `session`: the kernel session the rule belongs to */
  session: string | null;
  /** ms since epoch, or null for no expiry */
  expiresAt: number | null;
  createdAt: number;
}

/** What the policy decides on. */
export interface PolicyRequest {
  pid: Pid;
  /** the kernel session (one run of the kernel host or CLI) */
  session: string;
  /** what the agent is allowed to do */
  agentCapabilities: readonly Capability[];
  tool: ToolSpec;
  input: unknown;
  subject: ApprovalSubject;
}

/** allow / ask / deny, with the rule that decided (if any) and a human reason. */
export interface PolicyDecision {
  verdict: 'allow' | 'ask' | 'deny';
  /** id of the standing rule that allowed it, or null */
  rule: string | null;
  reason: string;
  /** the risk this call was judged at when higher than its tool's (a write to a protected path is critical) */
  risk?: Risk;
}

/** Decides tool calls; keeps the standing rules. Agents never reach it through a tool. */
export interface ApprovalPolicy {
  decide(request: PolicyRequest, now: number): PolicyDecision;
  /** turns a developer's "always allow" answer into a standing rule (persisted) */
  remember(request: PolicyRequest, scope: RuleScope, now: number): StandingRule;
  /** what a remembered rule would allow, in words (shown before it is saved); null when none can be made */
  coverage(request: PolicyRequest): string | null;
  rules(): StandingRule[];
  removeRule(id: string): boolean;
}
