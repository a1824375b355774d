import type { DecisionActor } from './ports/approvals';
import type { SchedulingPolicy } from './scheduler';
import type { AgentState, Pid, Risk, TaskStatus, WaitReason } from './types';

/**
 * Every event of a kernel session, as one discriminated union on `type`: the core's own, and the
 * services' (declared in their folders).
 * Types are dotted (`agent.state`) so listeners can subscribe by prefix (`agent.`).
 * Payloads never carry secrets.
 */
export type KernelEvent = CoreEvent | ServiceEvents[keyof ServiceEvents];

/**
 * The events of the services and adapters built on the kernel (router, planner, leases, memories,
 * conversation, sandbox, safety). Each declares its own beside the code that emits them, by module
 * augmentation (`declare module '../kernel/events' { interface ServiceEvents { … } }` in its
 * `events.ts`), so the kernel knows their shape without importing them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by module augmentation
export interface ServiceEvents {}

/** The operating-system core's own events. */
export type CoreEvent =
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
  | { type: 'scheduler.dispatch'; pid: Pid; policy: SchedulingPolicy; waitedMs: number }
  | { type: 'scheduler.preempt'; pid: Pid; by: Pid | null; reason: 'priority' | 'slice' }
  | { type: 'scheduler.policy'; policy: SchedulingPolicy }
  | { type: 'scheduler.rate_limited'; untilMs: number; source: 'api' | 'bucket' }
  | { type: 'pager.evicted'; pid: Pid; pageIds: number[]; tokens: number; residentTokens: number }
  | { type: 'pager.page_in'; pid: Pid; pageId: number; tokens: number; fault: boolean }
  | { type: 'memory.evicted'; pid: Pid; freedBytes: number }
  | { type: 'tool.call'; pid: Pid; tool: string; callId: string; risk: Risk }
  | { type: 'tool.result'; pid: Pid; tool: string; callId: string; isError: boolean; durationMs: number }
  | { type: 'approval.requested'; pid: Pid; requestId: string; tool: string; risk: Risk; summary: string }
  | { type: 'approval.decided'; pid: Pid; requestId: string; decision: 'allow' | 'deny'; actor: DecisionActor; rule: string | null }
  | { type: 'task.status'; taskId: string; pid: Pid | null; status: TaskStatus }
  | { type: 'kernel.error'; pid: Pid | null; where: string; message: string }
  | { type: 'kernel.started'; session: string; processId: number }
  | { type: 'kernel.stopped'; session: string }
  /** written by another process (`aios kill`) for the kernel that owns the database */
  | { type: 'control.kill'; pid: Pid; reason: string }
  /** written by another process (`aios send`): a developer message for an agent of the running kernel */
  | { type: 'control.message'; pid: Pid; messageId: string; text: string }
  /** the developer raised a budget of the agent */
  | { type: 'budget.raised'; pid: Pid; budget: 'tokens' | 'dollars' | 'steps' | 'bytes'; from: number | null; to: number };

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
