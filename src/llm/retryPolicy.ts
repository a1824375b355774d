/**
 * How long to wait before retrying a model call: the server's `retry-after-ms` / `retry-after`
 * when it sends one, otherwise exponential back-off with full jitter.
 */
import type { Clock } from '../kernel/ports/clock';

/** Retry settings of a provider. */
export interface RetryPolicy {
  /** retries after the first attempt */
  maxRetries: number;
  /** back-off of the first retry before jitter */
  baseDelayMs: number;
  /** cap of one back-off */
  maxDelayMs: number;
  /**
   * A server-requested wait longer than this is not slept through: the call fails now (a 429 as
   * RateLimitedError), so the scheduler can park the agent instead of holding an LLM slot.
   */
  maxRetryAfterMs: number;
}

/** Defaults: 4 retries, 1 s doubling to at most 30 s, and server waits honoured up to 60 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** Statuses worth retrying: rate limit, overloaded (529) and other server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status === 409 || status >= 500;
}

/**
 * The wait the server asked for, in ms, or null. `retry-after-ms` wins (it is more precise);
 * `retry-after` is seconds or an HTTP date.
 */
export function retryAfterFromHeaders(headers: Headers | undefined, clock: Clock): number | null {
  if (!headers) return null;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers.get('retry-after');
  if (value == null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - clock.now());
}

/** Back-off before retry number `retry` (1-based): uniform in [d/2, d], d = base * 2^(retry-1) capped. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  // Half fixed, half jitter: agents that failed together do not retry in lockstep.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
