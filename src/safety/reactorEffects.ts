/** The reactor's effects on a real kernel: suspend through the kernel, throttle its scheduler, record firings. */
import type { Kernel } from '../kernel/kernel';
import { isTerminal } from '../kernel/processTable';
import type { Firing } from './config';
import type { ReactorEffects, SuspendResult } from './reactor';

/** Where firings are stored. */
export interface FiringSink {
  addFiring(f: Omit<Firing, 'id'>): number;
}

/** ReactorEffects on `kernel`; `session` is this kernel session's id (to tell it from the previous one). */
export function kernelEffects(kernel: Kernel, sink: FiringSink, session: string): ReactorEffects {
  let crashed: { session: string } | null | undefined;
  // Counted now, before the step loop runs: these are the agents a restart brings back.
  const live = kernel.agents.list().filter((a) => !isTerminal(a.state)).length;
  return {
    agentName: (pid) => kernel.agents.find(pid)?.name ?? null,
    suspend(pid, reason): SuspendResult {
      const agent = kernel.agents.find(pid);
      if (!agent) return 'unknown';
      if (isTerminal(agent.state)) return 'ended';
      if (agent.state === 'suspended') return 'already_suspended';
      if (kernel.pendingSuspension(pid) !== undefined) return 'at_step_end';
      return kernel.suspend(pid, reason) === 'now' ? 'suspended' : 'at_step_end';
    },
    concurrency: () => kernel.scheduling.settings.maxConcurrent,
    setConcurrency: (n) => kernel.scheduling.configure({ maxConcurrent: n }),
    previousSessionCrashed() {
      if (crashed === undefined) crashed = findCrash(kernel, session);
      return crashed;
    },
    agentsAtStart: () => live,
    emit: (event) => kernel.events.emit(event),
    record: (firing) => { sink.addFiring(firing); },
  };
}

/** The session before `session`, if it started and never wrote `kernel.stopped`. */
function findCrash(kernel: Kernel, session: string): { session: string } | null {
  const starts = kernel.queryEvents({ type: 'kernel.started', limit: 20 });
  const mine = starts.findIndex((e) => e.event.type === 'kernel.started' && e.event.session === session);
  const previous = mine >= 0 ? starts[mine + 1] : starts[0];
  if (!previous || previous.event.type !== 'kernel.started') return null;
  const prevSession = previous.event.session;
  const stops = kernel.queryEvents({ type: 'kernel.stopped', afterSeq: previous.seq, limit: 100 });
  return stops.some((e) => e.event.type === 'kernel.stopped' && e.event.session === prevSession) ? null : { session: prevSession };
}
