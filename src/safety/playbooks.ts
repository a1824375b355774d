/**
 * The reactor's playbooks, as data: which event, under which condition, does what, how often.
 * docs/safety.md "Reactor" lists them for developers.
 */
import type { KernelEventType } from '../kernel/events';

/** What a playbook does. */
export type PlaybookAction =
  /** lowers the scheduler's concurrency by `factor`; restores it after `restoreAfterMs` without another match */
  | { kind: 'throttle'; factor: number; restoreAfterMs: number }
  /** suspends the event's agent (no-op if it already is or has ended) */
  | { kind: 'suspend' }
  /** the sandbox runs the command once more with `factor` × its memory, never above `capBytes` */
  | { kind: 'retry_with_more_memory'; factor: number; capBytes: number }
  /** records that the kernel came back after its host died and restored the live agents */
  | { kind: 'record_restore' };

/**
 * A named condition the matching event alone cannot express: `previous_session_crashed` (the
 * session before this one never wrote kernel.stopped); `not_denied` (the agent's current tool
 * call was not denied by the policy or the developer, so its error is a real failure).
 */
export type PlaybookGuard = 'previous_session_crashed' | 'not_denied';

/** One playbook. */
export interface Playbook {
  id: string;
  description: string;
  /** the event type it listens to */
  on: KernelEventType;
  /** values the event's fields must have */
  where?: Record<string, string | number | boolean | null>;
  /** fire only once this many matches (per agent, or overall) fell within `withinMs` */
  threshold?: { count: number; withinMs: number; per: 'agent' | 'global' };
  guard?: PlaybookGuard;
  /**
   * Run where the event happens instead of from the event bus, because the action must complete
   * before the caller goes on (the sandbox's retry happens before the tool returns).
   */
  inline?: boolean;
  action: PlaybookAction;
  /** tell the developer (the extension shows a warning; the CLI prints a line) */
  notify: boolean;
  /** at most `max` firings per `perMs`, per agent or overall; matches beyond are counted, not acted on */
  limit: { max: number; perMs: number; per: 'agent' | 'global' };
}

/** The playbooks a session starts with. */
export const DEFAULT_PLAYBOOKS: readonly Playbook[] = [
  {
    id: 'rate_limit.throttle',
    description: 'The API answered 429: halve the concurrent model calls until a minute passes without another 429.',
    on: 'scheduler.rate_limited',
    where: { source: 'api' },
    action: { kind: 'throttle', factor: 0.5, restoreAfterMs: 60_000 },
    notify: false,
    limit: { max: 1, perMs: 10_000, per: 'global' },
  },
  {
    id: 'tool_failures.suspend',
    description: 'Three failed tool calls by one agent within a minute: suspend it and tell the developer.',
    on: 'tool.result',
    where: { isError: true },
    guard: 'not_denied',
    threshold: { count: 3, withinMs: 60_000, per: 'agent' },
    action: { kind: 'suspend' },
    notify: true,
    limit: { max: 1, perMs: 60_000, per: 'agent' },
  },
  {
    id: 'loop.suspend',
    description: 'A loop was detected (the same tool call repeated): suspend the agent and tell the developer.',
    on: 'agent.loop',
    action: { kind: 'suspend' },
    notify: true,
    limit: { max: 1, perMs: 60_000, per: 'agent' },
  },
  {
    id: 'sandbox_oom.retry',
    description: 'A sandboxed command ran out of memory: ask the developer to run it once more with twice the memory (at most 1 GiB), saying it is a retry and why.',
    on: 'sandbox.exec',
    where: { killed: 'oom' },
    inline: true,
    action: { kind: 'retry_with_more_memory', factor: 2, capBytes: 1024 * 1024 * 1024 },
    notify: true,
    limit: { max: 3, perMs: 600_000, per: 'agent' },
  },
  {
    id: 'host_crash.restore',
    description: 'The kernel host died without shutting down: the new kernel restored the live agents; record it and tell the developer.',
    on: 'kernel.started',
    guard: 'previous_session_crashed',
    action: { kind: 'record_restore' },
    notify: true,
    limit: { max: 5, perMs: 600_000, per: 'global' },
  },
  {
    id: 'budget.suspend',
    description: 'An agent exceeded a budget: make sure it is suspended and tell the developer.',
    on: 'budget.exceeded',
    action: { kind: 'suspend' },
    notify: true,
    limit: { max: 1, perMs: 60_000, per: 'agent' },
  },
];
