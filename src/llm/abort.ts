/**
 * Cancellation helpers shared by the providers: one error shape for "the caller aborted", and a
 * sleep that an abort cuts short (retry back-off, scripted latency).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits `ms` milliseconds; rejects with an AbortError as soon as `signal` aborts. Injectable in tests. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * The error a provider throws when `request.signal` aborts. Its `name` is `AbortError` (the DOM
 * convention), so callers can tell a kill from a failure without importing this module.
 */
export function abortError(): Error {
  const error = new Error('The model call was aborted');
  error.name = 'AbortError';
  return error;
}

/** True for the AbortError above and for the DOM / SDK flavours of it. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}

/** Throws an AbortError if `signal` has already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/** The real sleep: Node's abortable timer (cleared on abort, so no timer outlives its caller), with our AbortError. */
export const realSleep: Sleep = async (ms, signal) => {
  try {
    await sleep(Math.max(0, ms), undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? abortError() : error;
  }
};
