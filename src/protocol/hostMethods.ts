/**
 * Every JSON-RPC method and notification between the extension and the kernel host, once.
 * Both ends import this file: the extension sends `toHost` requests and answers `toExtension`
 * ones; the host the other way round. Method names are `aios/<name>`.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { DashboardData } from './dashboard';
import type { ModelSettings } from './modelMethods';
import type { QuestionView, RaiseBudgetParams, SendResultView, TranscriptEntry, TranscriptOp, TranscriptView } from './transcript';
import type {
  AgentView, ApprovalAnswerView, ApprovalView, AskLevel, CapabilityName, EventView, RoleView, SchedulerView, SchedulingPolicyName, StateSnapshot,
} from './hostTypes';
import type { McpInputView, McpLaunchView, McpServerAction, McpSettings } from './mcpTypes';

/** Scheduler settings the extension applies at run time (null: unlimited). */
export interface SchedulerSettings {
  policy: SchedulingPolicyName;
  maxConcurrent: number;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

/** Sandbox (Docker) settings; a change restarts the host. */
export interface SandboxSettings {
  enabled: boolean;
  /** null: the workspace's devcontainer image, else AIOS's own */
  image: string | null;
  /** null: DOCKER_HOST, else the default socket */
  dockerHost: string | null;
  memoryBytes: number;
  cpus: number;
  pids: number;
}

/** What the host needs to open its kernel session. */
export interface InitializeParams {
  /** absolute path of the workspace folder the agents work on */
  workspace: string;
  /** the SQLite file (in the extension's workspace storage) */
  dbPath: string;
  askAtOrAbove: AskLevel;
  /** more workspace paths (globs) whose change is critical risk (aios.approvals.protectedPaths); absent: none */
  protectedPaths?: string[];
  /** an unanswered approval counts as deny after this long */
  approvalTimeoutMs: number;
  scheduler: SchedulerSettings;
  globalMemoryBytes: number;
  agentQuotaBytes: number;
  sandbox: SandboxSettings;
  /** the developer's MCP servers; absent: none */
  mcp?: McpSettings;
  /** endpoints, prices, the Anthropic base URL and headers (src/protocol/modelMethods.ts); absent: none */
  models?: ModelSettings;
}

/** What the host reports once its session is open. */
export interface InitializeResult {
  processId: number;
  session: string;
  /** live agents brought back from the database */
  restoredAgents: number;
  /** the Node that runs the host, e.g. `v20.19.0 (ABI 115)` */
  runtime: string;
}

/** What a spawn needs; the extension fills defaults from settings. */
export interface SpawnParams {
  task: string;
  role: string;
  priority: number;
  model: string;
  /** null: unlimited */
  budgets: { tokens: number | null; dollars: number | null; steps: number | null };
  context: { tokens: number; high: number; low: number };
  capabilities: CapabilityName[];
  parent: number | null;
}

/** What Route Task needs: the task, and the model each role's agents get (the router picks the role). */
export interface RouteParams {
  task: string;
  priority: number;
  budgets: SpawnParams['budgets'];
  context: SpawnParams['context'];
  /** model for a role without an entry in `modelByRole` */
  defaultModel: string;
  /** e.g. `{ "coder": "scripted:.aios/scripts/coder.json" }` */
  modelByRole: Record<string, string>;
  /** capabilities for a role the kernel's role definition leaves open */
  capabilitiesByRole: Record<string, CapabilityName[]>;
}

/** Where a task went and why. */
export interface RouteResult {
  agent: AgentView;
  role: string;
  /** which step decided: `exact`, `keyword`, `fuzzy`, `model`, `developer`, `default` */
  tier: string;
  /** 0-1 */
  confidence: number;
  reason: string;
  /** true when an idle agent of the role got the task instead of a new one */
  reused: boolean;
}

/** The router is unsure: the developer picks the role. */
export interface ChooseRoleParams {
  task: string;
  roles: RoleView[];
  /** the router's best guess, its confidence and reasons, and the other candidates (best first) */
  suggestion: { role: string; confidence: number; reason: string; candidates: { role: string; score: number }[] };
}

/** An agent by pid. */
export interface PidParams {
  pid: number;
}

/** Everything the extension can change without a restart. */
export interface ConfigureParams {
  scheduler: SchedulerSettings;
  globalMemoryBytes: number;
}

/** Why a pending approval went away. */
export type ApprovalCloseReason = 'answered' | 'timeout' | 'agent_stopped';

/** Secrets the host may ask for. */
export type SecretName = 'anthropic.apiKey';

/** Extension → host requests. */
export const toHost = {
  /** opens the kernel session; must be the first request */
  initialize: new RequestType<InitializeParams, InitializeResult, void>('aios/initialize'),
  /** everything the views show */
  state: new RequestType0<StateSnapshot, void>('aios/state'),
  spawn: new RequestType<SpawnParams, AgentView, void>('aios/spawn'),
  /** kills the agent and its descendants */
  kill: new RequestType<PidParams, { killed: number[] }, void>('aios/kill'),
  /** `step_end`: the agent stops after its current step */
  suspend: new RequestType<PidParams, { when: 'now' | 'step_end' }, void>('aios/suspend'),
  resume: new RequestType<PidParams, AgentView, void>('aios/resume'),
  renice: new RequestType<{ pid: number; priority: number }, AgentView, void>('aios/renice'),
  removeRule: new RequestType<{ id: string }, { removed: boolean }, void>('aios/removeRule'),
  /** `accepted` is false when the request is no longer pending (answered elsewhere, timed out) */
  answerApproval: new RequestType<{ id: string; answer: ApprovalAnswerView }, { accepted: boolean }, void>('aios/answerApproval'),
  configure: new RequestType<ConfigureParams, SchedulerView, void>('aios/configure'),
  /** routes a task to a role (asking the developer with `chooseRole` when unsure) and assigns it */
  routeTask: new RequestType<RouteParams, RouteResult, void>('aios/routeTask'),
  /** everything the evaluator dashboard shows (src/protocol/dashboard.ts) */
  dashboard: new RequestType0<DashboardData, void>('aios/dashboard'),
  /** the developer's L2 decision on an improvement proposal; `message` is a sentence for the panel */
  decideProposal: new RequestType<{ id: string; decision: 'approve' | 'reject' }, { message: string }, void>('aios/decideProposal'),
  /** builds AIOS's default sandbox image; progress comes as `imageBuildProgress` */
  buildSandboxImage: new RequestType<{ force: boolean }, { image: string; built: boolean; ms: number }, void>('aios/buildSandboxImage'),
  /** restart, disable or enable one MCP server */
  mcpServer: new RequestType<{ name: string; action: McpServerAction }, void, void>('aios/mcpServer'),
  /** the user-level MCP servers changed (aios.mcp.servers) */
  configureMcp: new RequestType<{ userServers: McpSettings['userServers'] }, void, void>('aios/configureMcp'),
  // Transcripts (src/protocol/transcript.ts): open one to get it whole, then `transcript` deltas until closed
  /** `newest`: at most this many of the newest entries (the rest are counted in `earlier`); absent: all */
  openTranscript: new RequestType<PidParams & { newest?: number }, TranscriptView, void>('aios/openTranscript'),
  /** entries [from, to) of an open transcript, as they are now */
  transcriptEntries: new RequestType<{ pid: number; from: number; to: number }, TranscriptEntry[], void>('aios/transcriptEntries'),
  closeTranscript: new RequestType<PidParams, void, void>('aios/closeTranscript'),
  /** a message to the agent: delivered at its next step boundary, or a new turn when it had finished */
  sendMessage: new RequestType<{ pid: number; text: string }, SendResultView, void>('aios/sendMessage'),
  raiseBudget: new RequestType<RaiseBudgetParams, AgentView, void>('aios/raiseBudget'),
  /** answers an ask_developer question; `accepted` false when it is no longer pending */
  answerQuestion: new RequestType<{ questionId: string; answer: string }, { accepted: boolean }, void>('aios/answerQuestion'),
  /** aborts the model call or tool in flight (after Suspend); false when nothing was in flight */
  abortStep: new RequestType<PidParams, { aborted: boolean }, void>('aios/abortStep'),
  /** closes the session (agents stay in the database) and exits */
  shutdown: new RequestType0<void, void>('aios/shutdown'),
} as const;

/** Host → extension requests and notifications. */
export const toExtension = {
  /** a tool call waits for the developer; answered with `toHost.answerApproval` */
  approvalRequested: new RequestType<ApprovalView, void, void>('aios/approvalRequested'),
  /** a pending approval is gone: close its editors */
  approvalClosed: new NotificationType<{ id: string; reason: ApprovalCloseReason }>('aios/approvalClosed'),
  /** the router is unsure which role should take a task; null: the developer dismissed the picker */
  chooseRole: new RequestType<ChooseRoleParams, { choice: { role: string; reason: string } | null }, void>('aios/chooseRole'),
  /** a secret from SecretStorage; null when not set */
  secret: new RequestType<{ name: SecretName }, { value: string | null }, void>('aios/secret'),
  /** kernel events, coalesced (at most one notification per 100 ms); state changed when any arrive */
  changed: new NotificationType<{ version: number; events: EventView[]; dropped: number }>('aios/changed'),
  /** may this workspace-defined MCP server start? (the extension remembers yes per workspace and command line) */
  approveMcpLaunch: new RequestType<McpLaunchView, { approved: boolean }, void>('aios/approveMcpLaunch'),
  /** a value for `${input:ID}` in an MCP configuration; null when the developer gave none */
  mcpInput: new RequestType<McpInputView, { value: string | null }, void>('aios/mcpInput'),
  /** changes to the transcripts the extension opened, at most one batch per agent per 50 ms */
  transcript: new NotificationType<{ pid: number; ops: TranscriptOp[] }>('aios/transcript'),
  /** an agent asks the developer a question; answered with `toHost.answerQuestion` */
  questionAsked: new NotificationType<QuestionView>('aios/questionAsked'),
  /** one line of sandbox image build output */
  imageBuildProgress: new NotificationType<{ line: string }>('aios/imageBuildProgress'),
} as const;
