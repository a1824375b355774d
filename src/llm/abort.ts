/**
 * Cancellation helpers shared by the providers: one error shape for "the caller aborted", and a
 * sleep that an abort cuts short (retry back-off, scripted latency).
 */

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

/** The real sleep: a timer that is cleared on abort, so no timer outlives its caller. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
