/** The events of agents' long-term memories, part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { Pid } from '../kernel/types';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** a long-term memory was stored (pid null: by code, not an agent) */
    'memory.stored': { type: 'memory.stored'; pid: Pid | null; memory: number; shared: boolean; bytes: number };
  }
}
