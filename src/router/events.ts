/** The events of the router, part of the kernel's event union (see kernel/events.ts, `ServiceEvents`). */
import type { Pid } from '../kernel/types';
import type { RouteTier } from './routerService';

declare module '../kernel/events' {
  interface ServiceEvents {
    /** the router (or the model, or the developer) chose a role; `decision` is the routing_decisions row */
    'route.decided': { type: 'route.decided'; pid: Pid | null; decision: number | null; role: string; tier: RouteTier; confidence: number };
  }
}
