/** Options for {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** Pause between probes (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message: "code-server to answer on http://…". */
  what: string;
}

/** Thrown by a probe to end {@link pollUntil} at once: the awaited state can no longer come. */
export class PollAbort extends Error {}

/**
 * Calls `probe` until it returns a value other than `undefined`, and returns that value.
 * The e2e helpers wait on real state through this (or Playwright locators), never on fixed sleeps.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof PollAbort) throw err;
      lastError = err; // a probe may throw while the thing is still coming up
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
