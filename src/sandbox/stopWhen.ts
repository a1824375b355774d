/** Why a command is being stopped before it ended by itself. */
export type StopReason = 'timeout' | 'aborted';

/**
 * A promise that resolves when a command must stop: its timeout passed or its signal aborted.
 * `dispose()` clears the timer and the listener once the command is over.
 */
export function stopWhen(timeoutMs: number, signal: AbortSignal | undefined): { reason: Promise<StopReason>; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const reason = new Promise<StopReason>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    onAbort = () => resolve('aborted');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    reason,
    dispose: () => {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    },
  };
}
