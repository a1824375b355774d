/** Why a command is being stopped before it ended by itself. */
export type StopReason = 'timeout' | 'aborted';

/**
 * A promise that resolves when a command must stop: its timeout passed (AbortSignal.timeout) or
 * the caller's signal aborted (joined by AbortSignal.any). `dispose()` removes the listener once
 * the command is over; the timeout's own timer is unref'd and holds nothing else.
 */
export function stopWhen(timeoutMs: number, signal: AbortSignal | undefined): { reason: Promise<StopReason>; dispose(): void } {
  const timeout = AbortSignal.timeout(timeoutMs);
  const either = signal ? AbortSignal.any([signal, timeout]) : timeout;
  // the caller's abort wins a tie: a kill is reported as a kill, not as a timeout
  const why = (): StopReason => (signal?.aborted ? 'aborted' : 'timeout');
  let onAbort: (() => void) | undefined;
  const reason = new Promise<StopReason>((resolve) => {
    onAbort = () => resolve(why());
    if (either.aborted) onAbort();
    else either.addEventListener('abort', onAbort, { once: true });
  });
  return {
    reason,
    dispose: () => {
      if (onAbort) either.removeEventListener('abort', onAbort);
    },
  };
}
