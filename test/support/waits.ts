/**
 * Waiting in tests: on an event or a condition, each with its own deadline and a message saying
 * what did not happen. No fixed sleeps, no wall-clock asserts after the fact.
 */

/** Resolves with `promise`'s value, or fails with `${what} did not happen within ${ms} ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` (every `intervalMs`, default 5) until it holds; fails after `ms` (default 10 s) naming `what`. */
export async function until(condition: () => boolean, what: string, ms = 10_000, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Lets every callback already queued (promises, I/O callbacks, immediates) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
