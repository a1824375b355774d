/** Episodic memory: an agent's events of this run told as one line each. */
import type { Episode } from './memoryPort';
import type { StoredEvent } from '../kernel/events';

/** An event as one line of an agent's story, or null for events not worth one. */
export function episodeOf(stored: StoredEvent): Episode | null {
  const e = stored.event;
  const at = { seq: stored.seq, at: stored.at, kind: e.type };
  switch (e.type) {
    case 'agent.spawned': return { ...at, text: `started as ${e.role} (${e.name})${e.parent !== null ? ` under agent ${e.parent}` : ''}` };
    case 'agent.state':
      if (e.to === 'running' || e.to === 'ready') return null;
      return { ...at, text: `became ${e.to}${e.waitReason ? ` (${e.waitReason})` : ''}${e.reason ? `: ${e.reason}` : ''}` };
    case 'agent.output': return { ...at, text: `said: ${clip(e.text, 300)}` };
    case 'tool.result': return { ...at, text: `${e.tool} ${e.isError ? 'returned an error' : 'succeeded'}` };
    case 'approval.decided': return e.actor === 'policy' ? null : { ...at, text: `the ${e.actor} ${e.decision === 'allow' ? 'approved' : 'denied'} a request` };
    case 'budget.exceeded': return { ...at, text: `exceeded its ${e.budget} budget (${e.used} of ${e.limit})` };
    case 'plan.created': return { ...at, text: `planned ${e.subtasks.length} subtasks: ${e.subtasks.map((s) => `${s.id} (${s.role})`).join(', ')}` };
    case 'plan.subtask': return e.status === 'running' ? null : { ...at, text: `subtask ${e.subtask} ${e.status}${e.summary ? `: ${clip(e.summary, 200)}` : ''}` };
    case 'plan.finished': return { ...at, text: `plan ${e.plan} ${e.status}: ${e.succeeded} succeeded, ${e.failed} failed, ${e.skipped} skipped` };
    case 'memory.stored': return { ...at, text: `remembered memory #${e.memory}${e.shared ? ' (shared)' : ''}` };
    case 'lease.conflict': return { ...at, text: `could not write ${e.path}: agent ${e.holder} held it` };
    default: return null;
  }
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max)}…`;
}
