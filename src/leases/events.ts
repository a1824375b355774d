/** The events of file leases, part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { Pid } from '../kernel/types';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** agent pid could not write a file another agent held the lease of */
    'lease.conflict': { type: 'lease.conflict'; pid: Pid; path: string; holder: Pid; waitedMs: number };
  }
}
