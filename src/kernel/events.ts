import type { DecisionActor } from './ports/approvals';
import type { AgentState, Pid, Risk, WaitReason } from './types';

/**
 * Every event the kernel emits, as one discriminated union on `type`.
 * Types are dotted (`agent.state`) so listeners can subscribe by prefix (`agent.`).
 * Payloads never carry secrets.
 */
export type KernelEvent =
  | { type: 'agent.spawned'; pid: Pid; name: string; role: string; priority: number; parent: Pid | null; model: string }
  | { type: 'agent.state'; pid: Pid; from: AgentState; to: AgentState; waitReason: WaitReason | null; reason: string | null }
  | { type: 'agent.reniced'; pid: Pid; from: number; to: number }
  | { type: 'agent.step'; pid: Pid; step: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; dollars: number; durationMs: number; scripted: boolean }
  | { type: 'agent.output'; pid: Pid; text: string; scripted: boolean }
  | { type: 'agent.malformed'; pid: Pid; tool: string; error: string; consecutive: number }
  | { type: 'agent.loop'; pid: Pid; tool: string; repeats: number }
  | { type: 'budget.exceeded'; pid: Pid; budget: 'tokens' | 'dollars' | 'steps' | 'bytes'; used: number; limit: number }
  /** agent pid has used 80 % or more of a budget; `by` is the descendant whose step crossed it (null: its own) */
  | { type: 'agent.budget_warning'; pid: Pid; budget: 'tokens' | 'dollars' | 'steps'; used: number; limit: number; by: Pid | null }
  | { type: 'scheduler.dispatch'; pid: Pid; policy: string; waitedMs: number }
  | { type: 'scheduler.preempt'; pid: Pid; by: Pid | null; reason: 'priority' | 'slice' }
  | { type: 'scheduler.policy'; policy: string }
  | { type: 'scheduler.rate_limited'; untilMs: number; source: 'api' | 'bucket' }
  | { type: 'pager.evicted'; pid: Pid; pageIds: number[]; tokens: number; residentTokens: number }
  | { type: 'pager.page_in'; pid: Pid; pageId: number; tokens: number; fault: boolean }
  | { type: 'memory.evicted'; pid: Pid; freedBytes: number }
  | { type: 'tool.call'; pid: Pid; tool: string; callId: string; risk: Risk }
  | { type: 'tool.result'; pid: Pid; tool: string; callId: string; isError: boolean; durationMs: number }
  | { type: 'approval.requested'; pid: Pid; requestId: string; tool: string; risk: Risk; summary: string }
  | { type: 'approval.decided'; pid: Pid; requestId: string; decision: 'allow' | 'deny'; actor: DecisionActor; rule: string | null }
  | { type: 'task.status'; taskId: string; pid: Pid | null; status: string }
  | { type: 'kernel.error'; pid: Pid | null; where: string; message: string }
  | { type: 'kernel.started'; session: string; processId: number }
  | { type: 'kernel.stopped'; session: string }
  /** written by another process (`aios kill`) for the kernel that owns the database */
  | { type: 'control.kill'; pid: Pid; reason: string }
  /** written by another process (`aios send`): a developer message for an agent of the running kernel */
  | { type: 'control.message'; pid: Pid; messageId: string; text: string }
  /** the running kernel could not deliver a `control.message` (a spent budget, a killed agent) */
  | { type: 'message.refused'; pid: Pid; messageId: string; reason: string }
  // Routing, planning, leases, agent memory (docs/routing.md)
  /** the router (or the model, or the developer) chose a role; `decision` is the routing_decisions row */
  | { type: 'route.decided'; pid: Pid | null; decision: number | null; role: string; tier: string; confidence: number }
  /** an agent (pid) made a plan; its subtasks will run as its children */
  | { type: 'plan.created'; pid: Pid; plan: string; onFailure: string; subtasks: Array<{ id: string; role: string; task: string; dependsOn: string[] }> }
  /** a subtask of the plan of agent pid changed status (running, done, failed, skipped, cancelled) */
  | { type: 'plan.subtask'; pid: Pid; plan: string; subtask: string; status: string; child: Pid | null; attempt: number; summary: string | null; artifacts: string[] }
  /** a restored parent took over a child it had started before the kernel restarted, instead of starting another */
  | { type: 'plan.adopted'; pid: Pid; plan: string; subtask: string; child: Pid; state: string }
  /** the plan of agent pid ended */
  | { type: 'plan.finished'; pid: Pid; plan: string; status: string; succeeded: number; failed: number; skipped: number }
  /** agent pid could not write a file another agent held the lease of */
  | { type: 'lease.conflict'; pid: Pid; path: string; holder: Pid; waitedMs: number }
  /** a long-term memory was stored (pid null: by code, not an agent) */
  | { type: 'memory.stored'; pid: Pid | null; memory: number; shared: boolean; bytes: number }
  // Talking to agents (docs/transcript.md)
  /** the developer sent an agent a message; it enters the context at the next step boundary (`newTurn`: it restarts a finished agent) */
  | { type: 'message.queued'; pid: Pid; messageId: string; text: string; newTurn: boolean }
  /** a queued message became a user page of the agent's context */
  | { type: 'message.delivered'; pid: Pid; messageId: string; pageId: number }
  /** the agent asked the developer a question (ask_developer) and waits, holding no model slot */
  | { type: 'question.asked'; pid: Pid; questionId: string; text: string }
  /** the question was answered (or dropped: `answer` null when the agent stopped first) */
  | { type: 'question.answered'; pid: Pid; questionId: string; answer: string | null }
  /** the developer raised a budget of the agent */
  | { type: 'budget.raised'; pid: Pid; budget: 'tokens' | 'dollars' | 'steps' | 'bytes'; from: number | null; to: number }
  // Safety layer (src/safety, docs/safety.md)
  /** a sandboxed command ended; `killed` says why it was stopped (`error`: the sandbox itself failed) */
  | { type: 'sandbox.exec'; pid: Pid; exitCode: number | null; killed: 'timeout' | 'oom' | 'aborted' | 'error' | null; durationMs: number; memoryBytes: number | null }
  /** a reactor playbook ran; `notify` asks the UI to tell the developer */
  | { type: 'reactor.fired'; playbook: string; pid: Pid | null; action: string; outcome: string; message: string; notify: boolean }
  /** the heartbeat's system health fell under the alert threshold */
  | { type: 'health.alert'; score: number; threshold: number; worst: string; message: string }
  /** an improvement proposal changed status (proposed, awaiting_review, applied, rejected, rolled_back …) */
  | { type: 'proposal.status'; id: string; status: string; summary: string }
  /** a configuration version became active */
  | { type: 'config.applied'; version: number; proposal: string | null; summary: string }
  /** the active configuration went back to an earlier version */
  | { type: 'config.rolled_back'; version: number; to: number; reason: string };

/** The `type` strings of all kernel events. */
export type KernelEventType = KernelEvent['type'];

/** The event of one type. */
export type EventOf<T extends KernelEventType> = Extract<KernelEvent, { type: T }>;

/** An event as stored: a sequence number from storage and the kernel-clock time it happened. */
export interface StoredEvent {
  seq: number;
  at: number;
  event: KernelEvent;
}

/** The agent an event concerns, if any (used for indexing and filtering). */
export function eventPid(e: KernelEvent): Pid | null {
  return 'pid' in e ? e.pid : null;
}
