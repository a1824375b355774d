/** What the status-bar item says. Plain logic, no `vscode`. */
import type { AgentView, StateSnapshot } from '../protocol/hostTypes';
import { isLive, stateLabel } from './format';
import type { HostStatus } from './hostSupervisor';
import { plural } from '../text/plural';

/** What the item shows. */
export interface StatusInput {
  host: HostStatus;
  snapshot: StateSnapshot | null;
  pending: number;
  hasApiKey: boolean;
}

export { plural };

/**
 * Live agents counted by what the Agents view shows for them ("running", "needs approval",
 * "running a tool", "suspended", "new", "ready"), most active first.
 */
export function countByLabel(agents: readonly AgentView[]): Array<[string, number]> {
  const order = ['running', 'running a tool', 'needs approval', 'ready', 'new', 'suspended'];
  const counts = new Map<string, number>();
  for (const a of agents) if (isLive(a.state)) counts.set(stateLabel(a), (counts.get(stateLabel(a)) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => order.indexOf(x[0]) - order.indexOf(y[0]));
}

/** Text and tooltip for a status (kept apart from the item so it reads as plain logic). */
export function statusText(s: StatusInput): { text: string; tooltip: string; warning: boolean } {
  if (s.host !== 'running' || !s.snapshot) {
    const down = s.host === 'failed' || s.host === 'stopped';
    const what = down ? 'the kernel host is not running (AIOS: Show Log, AIOS: Restart Kernel Host)' : 'starting the kernel…';
    return { text: `$(hubot) AIOS: ${down ? 'stopped' : 'starting'}`, tooltip: `AIOS: ${what}`, warning: s.host === 'failed' };
  }
  const agents = s.snapshot.agents;
  // "running" as the Agents view says it: an agent waiting for the developer is not running.
  const running = agents.filter((a) => a.state === 'running' || (a.state === 'waiting' && a.waitReason !== 'approval')).length;
  const live = agents.filter((a) => isLive(a.state));
  const scripted = live.some((a) => a.scripted) || (!s.hasApiKey && live.length === 0);
  const parts = [`$(hubot) ${running} running`];
  if (s.pending > 0) parts.push(`$(bell-dot) ${s.pending} pending`);
  if (scripted) parts.push('scripted');
  const states = countByLabel(agents).map(([label, n]) => `${n} ${label}`);
  const finished = agents.length - live.length;
  const tooltip = [
    `AIOS agents: ${states.length ? states.join(', ') : 'none live'}${finished ? `; ${finished} finished` : ''}`,
    s.pending > 0 ? `${plural(s.pending, 'approval request')} waiting for you: click to open the Approvals view` : 'No approval request is waiting: click to open the Approvals view',
    scripted ? 'Scripted: agents use the offline scripted model, which replays scripts; no LLM is called. Set an API key (AIOS: Set API Key) to use Claude, or set aios.model to another model (OpenRouter, Ollama, Copilot…).' : null,
  ].filter(Boolean).join('\n');
  return { text: parts.join('  '), tooltip, warning: s.pending > 0 };
}
