/** What the status-bar item says. Plain logic, no `vscode`. */
import type { StateSnapshot } from '../protocol/hostTypes';
import { isLive } from './format';
import type { HostStatus } from './hostSupervisor';

/** What the item shows. */
export interface StatusInput {
  host: HostStatus;
  snapshot: StateSnapshot | null;
  pending: number;
  hasApiKey: boolean;
}

/** Text and tooltip for a status (kept apart from the item so it reads as plain logic). */
export function statusText(s: StatusInput): { text: string; tooltip: string; warning: boolean } {
  if (s.host !== 'running' || !s.snapshot) {
    const down = s.host === 'failed' || s.host === 'stopped';
    const what = down ? 'the kernel host is not running (AIOS: Show Log, AIOS: Restart Kernel Host)' : 'starting the kernel…';
    return { text: `$(hubot) AIOS: ${down ? 'stopped' : 'starting'}`, tooltip: `AIOS: ${what}`, warning: s.host === 'failed' };
  }
  const agents = s.snapshot.agents;
  const running = agents.filter((a) => a.state === 'running' || a.state === 'waiting').length;
  const live = agents.filter((a) => isLive(a.state));
  const scripted = live.some((a) => a.scripted) || (!s.hasApiKey && live.length === 0);
  const parts = [`$(hubot) ${running} running`];
  if (s.pending > 0) parts.push(`$(bell-dot) ${s.pending} pending`);
  if (scripted) parts.push('scripted');
  const tooltip = [
    `AIOS: ${running} running, ${live.length} live, ${agents.length - live.length} finished agent(s)`,
    `${s.pending} approval request(s) pending: click to open the Approvals view`,
    scripted ? 'Scripted: agents use the offline scripted model, which replays scripts; no LLM is called. Set an API key (AIOS: Set API Key) to use Claude, or set aios.model to another model (OpenRouter, Ollama, Copilot…).' : null,
  ].filter(Boolean).join('\n');
  return { text: parts.join('  '), tooltip, warning: s.pending > 0 };
}
