/**
 * An agent's transcript on the wire: what the transcript tab, `aios logs` and the kernel host
 * exchange. Entries are derived from the kernel's own events and pages (src/transcript), so the
 * same transcript comes back after a host restart. Every string that came from a model is raw
 * here; the renderers escape it (src/text/displayText.ts).
 */
import type { AgentStateName, JsonValue, RiskLevel } from './hostTypes';

/** The budgets an agent has. */
export type BudgetName = 'tokens' | 'dollars' | 'steps' | 'bytes';

/** Where a tool call is. */
export type ToolCardState =
  /** the tool is running */
  | 'running'
  /** the developer is asked (Approve / Deny / Always allow… on the card) */
  | 'waiting'
  | 'approved_by_you'
  | 'approved_by_rule'
  | 'denied'
  /** ran, and the tool reported an error */
  | 'failed'
  /** ran (allowed without asking: low risk) */
  | 'done';

/** The result of a tool call, shaped for display. */
export type ToolResultView =
  /** a command run in the sandbox; stdout and stderr are capped by the sandbox (see `outputBytes`) */
  | { kind: 'command'; exitCode: number | null; killed: string | null; durationMs: number | null; stdout: string; stderr: string;
    /** full sizes when the sandbox cut the output */
    outputBytes: { stdout: number; stderr: number } | null;
    /** files the command changed, and which of them the developer let into the workspace */
    changed: Array<{ path: string; status: string }>; applied: string[]; notApplied: string[];
    /** set when the sandbox itself failed */
    message: string | null }
  /** a file's content (read_file): shown collapsed */
  | { kind: 'file'; path: string | null; text: string }
  /** a change that was applied: the files, each linking to its diff */
  | { kind: 'applied'; text: string; files: string[] }
  /** anything else: the tool's text */
  | { kind: 'text'; text: string; isError: boolean };

/** A pending approval as the card offers it. */
export interface CardApprovalView {
  requestId: string;
  /** false for critical tools: no "Always allow…" */
  rememberable: boolean;
  /** exactly what "Always allow…" would allow, e.g. `edit_file on src/greet.js, for this agent` */
  alwaysAllowCovers: string | null;
  /** true for file changes: a diff can be opened */
  hasDiff: boolean;
}

/** A child agent of a plan. */
export interface PlanChildView {
  subtask: string;
  role: string;
  task: string;
  /** the child agent, once spawned */
  pid: number | null;
  status: string;
}

/** Common to every entry: a stable id (updates replace the entry with the same id) and when. */
interface EntryBase {
  id: string;
  /** ms since epoch */
  at: number;
}

/** One item of a transcript, in order. */
export type TranscriptEntry =
  | (EntryBase & { kind: 'task'; text: string })
  /** one step's model text; `streaming` while the model is still writing it */
  | (EntryBase & { kind: 'model'; step: number; text: string; thinking: string | null; scripted: boolean; streaming: boolean })
  | (EntryBase & {
    kind: 'tool'; callId: string; tool: string; risk: RiskLevel;
    /** one readable line of the input (`src/greet.js`, `node test.js`) */
    summary: string;
    input: JsonValue;
    state: ToolCardState;
    /** the standing rule that allowed it, when `approved_by_rule` */
    rule: string | null;
    /** why it was denied (the tool result given to the model) */
    reason: string | null;
    durationMs: number | null;
    approval: CardApprovalView | null;
    result: ToolResultView | null;
  })
  /** a tool call refused before it ran (invalid JSON, unknown tool, input that fails the schema) */
  | (EntryBase & { kind: 'rejected'; tool: string; error: string })
  | (EntryBase & { kind: 'paging'; direction: 'out' | 'in'; pages: number[]; tokens: number; fault: boolean })
  | (EntryBase & { kind: 'plan'; plan: string; status: string; children: PlanChildView[] })
  /** a message from the developer; `delivered` once it is in the agent's context */
  | (EntryBase & { kind: 'message'; text: string; delivered: boolean; newTurn: boolean })
  /** the agent asked the developer (ask_developer) */
  | (EntryBase & { kind: 'question'; questionId: string; text: string; answer: string | null })
  /** a lifecycle change worth a line: suspended, resumed, failed, killed, a budget raised */
  | (EntryBase & { kind: 'status'; state: AgentStateName | null; text: string; budget: BudgetName | null })
  /** `step`: the step whose text is this result (the tab does not repeat it), null when it is not a step's text */
  | (EntryBase & { kind: 'result'; text: string; scripted: boolean; failed: boolean; step: number | null });

/** The context window of an agent. */
export interface ContextUseView {
  windowTokens: number;
  /** pinned + resident */
  usedTokens: number;
  pinnedTokens: number;
  residentTokens: number;
  swappedTokens: number;
  swappedPages: number;
}

/** One budget: used and the limit (null: unlimited); `fraction` of the limit used (null: unlimited). */
export interface BudgetUseView {
  used: number;
  limit: number | null;
  fraction: number | null;
}

/** The figures at the top of a transcript; the same numbers as `aios ps` and the dashboard. */
export interface TranscriptStrip {
  pid: number;
  name: string;
  role: string;
  model: string;
  scripted: boolean;
  state: AgentStateName;
  waitReason: 'approval' | 'tool' | null;
  reason: string | null;
  context: ContextUseView;
  /** input (cache reads and writes included, as the kernel counts it), output, cache read, cache write */
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  /** input + output against the token budget */
  tokenBudget: BudgetUseView;
  dollars: BudgetUseView;
  steps: BudgetUseView;
  /** budgets at or over 80 % */
  warnings: BudgetName[];
  /** the budget that suspended the agent, while it is suspended for it */
  suspendedBy: BudgetName | null;
  /** a suspension asked for takes effect at the end of the current step */
  suspending: boolean;
  /** the agent can take a new turn (done or failed) */
  canContinue: boolean;
}

/** A change to an open transcript. */
export type TranscriptOp =
  /** add the entry, or replace the one with its id */
  | { op: 'upsert'; entry: TranscriptEntry }
  /** streamed model text to add to a `model` entry */
  | { op: 'append'; id: string; text: string }
  | { op: 'strip'; strip: TranscriptStrip };

/** A transcript, or its newest entries: `earlier` entries come before the first one given. */
export interface TranscriptView {
  strip: TranscriptStrip;
  entries: TranscriptEntry[];
  /** how many entries precede `entries` (fetch them with `transcriptEntries`); 0 for the whole transcript */
  earlier: number;
}

/** The warning threshold of a budget (fraction). */
export const BUDGET_WARNING = 0.8;

/** The transcript tab's webview → extension messages. */
export type WebviewToTranscript =
  | { type: 'ready' }
  /** the entries before the first one shown (the developer scrolled up and asked for them) */
  | { type: 'earlier'; before: number }
  | { type: 'approve'; requestId: string; always: boolean }
  | { type: 'deny'; requestId: string }
  | { type: 'openDiff'; requestId: string }
  | { type: 'openFile'; path: string }
  | { type: 'openAgent'; pid: number }
  | { type: 'send'; text: string }
  | { type: 'answer'; questionId: string; text: string }
  | { type: 'raise'; budget: BudgetName; by: number }
  | { type: 'suspend' }
  | { type: 'abort' }
  | { type: 'resume' }
  | { type: 'stop' };

/** Extension → the transcript tab's webview. */
export type TranscriptToWebview =
  | { type: 'open'; view: TranscriptView }
  | { type: 'ops'; ops: TranscriptOp[] }
  /** entries [from, from + entries.length) of the transcript, asked for with `earlier` */
  | { type: 'earlier'; from: number; entries: TranscriptEntry[] }
  /** a sentence for the developer under the message box (sent, refused, an error) */
  | { type: 'notice'; level: 'info' | 'error'; text: string; raise: BudgetName | null }
  /** the message was taken: the box is cleared and `text` says what happens next */
  | { type: 'sent'; text: string }
  /** the host is gone or restarting: the tab shows it and waits */
  | { type: 'offline'; text: string };

/** What became of a message sent to an agent. */
export type SendResultView =
  /** in the agent's context now (it was between steps) */
  | { outcome: 'delivered' }
  /** enters the context when the agent's current step ends */
  | { outcome: 'queued' }
  /** the agent had finished: it takes a new turn */
  | { outcome: 'new_turn' }
  /** the agent had finished and this budget is spent: nothing was sent; raise it first */
  | { outcome: 'budget'; budget: BudgetName; used: number; limit: number };

/** Raise a budget to `to` (the new limit), and resume the agent if it is suspended. */
export interface RaiseBudgetParams {
  pid: number;
  budget: BudgetName;
  to: number;
  resume: boolean;
}

/** An agent asked the developer a question (ask_developer). */
export interface QuestionView {
  pid: number;
  agentName: string;
  questionId: string;
  text: string;
}
