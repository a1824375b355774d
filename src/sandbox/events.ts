/** The events of the sandbox, part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { Pid } from '../kernel/types';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** a sandboxed command ended; `killed` says why it was stopped (`error`: the sandbox itself failed) */
    'sandbox.exec': { type: 'sandbox.exec'; pid: Pid; exitCode: number | null; killed: 'timeout' | 'oom' | 'aborted' | 'error' | null; durationMs: number; memoryBytes: number | null };
  }
}
