/** Live progress of a run on a terminal: one line per thing a person wants to know. */
import type { StoredEvent } from '../kernel/events';
import type { AgentRecord } from '../kernel/types';
import { tableBilling } from '../llm/modelCatalog';

/** Formats an event as a progress line, or null for events not worth a line. */
export function progressLine(e: StoredEvent, agent: (pid: number) => AgentRecord | undefined): string | null {
  const ev = e.event;
  const who = (pid: number) => {
    const a = agent(pid);
    return a ? `[${pid} ${a.name}]` : `[${pid}]`;
  };
  switch (ev.type) {
    case 'agent.state':
      if (ev.to === 'running' || ev.from === 'running' && ev.to === 'ready') return null;
      return `${who(ev.pid)} ${ev.to}${ev.waitReason ? ` (${ev.waitReason})` : ''}${ev.reason ? `: ${ev.reason}` : ''}`;
    case 'agent.step': {
      const a = agent(ev.pid);
      const total = a ? a.usage.inputTokens + a.usage.outputTokens : 0;
      return `${who(ev.pid)} step ${ev.step}: ${ev.inputTokens + ev.cacheReadTokens + ev.cacheWriteTokens} in / ${ev.outputTokens} out tokens` +
        `${ev.cacheReadTokens ? ` (${ev.cacheReadTokens} from cache)` : ''}, ${total} total, ${a ? cost(a) : '—'}${ev.scripted ? ' — scripted model' : ''}`;
    }
    case 'agent.output':
      return `${who(ev.pid)} ${ev.scripted ? '(scripted) ' : ''}says: ${oneLine(ev.text)}`;
    case 'tool.call':
      return `${who(ev.pid)} → ${ev.tool}`;
    case 'tool.result':
      return ev.isError ? `${who(ev.pid)} ✗ ${ev.tool} returned an error` : null;
    case 'budget.exceeded':
      return `${who(ev.pid)} budget exceeded: ${ev.budget} ${ev.used} of ${ev.limit}`;
    case 'agent.loop':
      return `${who(ev.pid)} loop detected: ${ev.tool} ×${ev.repeats}`;
    case 'scheduler.rate_limited':
      return `rate limited by the API until ${new Date(ev.untilMs).toLocaleTimeString()}`;
    case 'pager.evicted':
      return `${who(ev.pid)} paged out ${ev.pageIds.length} pages (${ev.tokens} tokens) to stay within its context budget`;
    default:
      return null;
  }
}

function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** An agent's cost: — when its model has no known price (never $0.0000), "no $" for models that report none. */
function cost(a: AgentRecord): string {
  const billing = tableBilling(a.model);
  return billing === 'unknown' ? '—' : billing === 'tokens-only' ? 'no $' : `$${a.usage.dollars.toFixed(4)}`;
}

/** The closing table of a run. */
export function summaryTable(agents: readonly AgentRecord[]): string {
  const rows = agents.map((a) => [
    String(a.pid), a.name, a.state, String(a.usage.steps), String(a.usage.inputTokens + a.usage.outputTokens), cost(a),
    oneLine(a.state === 'done' ? a.result ?? '' : a.reason ?? '', 60),
  ]);
  const head = ['pid', 'name', 'state', 'steps', 'tokens', 'cost', 'result / reason'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
