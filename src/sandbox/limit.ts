/** Running file work a few at a time: the thread pool stays busy without a queue of thousands. */
import { performance } from 'node:perf_hooks';

/**
 * Maps with at most `limit` calls in flight, keeping order. After a failure no new call starts;
 * the calls in flight finish (so their effects are known) before the first error is thrown.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return out;
}

/**
 * Runs `fn` over the items one after another, yielding to the event loop every `sliceMs`: for
 * short synchronous file work (a small file's open, read, close take microseconds; through the
 * thread pool each costs a round trip), without ever blocking the kernel for long.
 */
export async function eachSliced<T, R>(items: readonly T[], fn: (item: T, index: number) => R | Promise<R>, sliceMs = 8): Promise<R[]> {
  const out = new Array<R>(items.length);
  let start = performance.now();
  for (let i = 0; i < items.length; i++) {
    out[i] = await fn(items[i], i);
    if (performance.now() - start > sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      start = performance.now();
    }
  }
  return out;
}
