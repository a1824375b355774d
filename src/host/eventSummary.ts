/** One line per kernel event for the extension's log. Never carries secrets (events have none). */
import { eventPid, type KernelEvent, type StoredEvent } from '../kernel/events';
import type { EventView, NoticeView } from '../protocol/hostTypes';

/** The wire form of a stored event. */
export function toEventView(stored: StoredEvent): EventView {
  return { seq: stored.seq, at: stored.at, type: stored.event.type, pid: eventPid(stored.event), summary: summarize(stored), notice: noticeOf(stored.event) };
}

/** What the developer is told about: reactor playbooks that ask for it, and health alerts. */
function noticeOf(e: KernelEvent): NoticeView | null {
  const fields = e as unknown as Record<string, unknown>;
  const message = typeof fields['message'] === 'string' ? fields['message'] : '';
  if (e.type === 'reactor.fired' && fields['notify'] === true) return { source: e.playbook, level: 'warning', message, openDashboard: false };
  if (e.type === 'health.alert') return { source: 'health', level: 'warning', message, openDashboard: true };
  return null;
}

function summarize({ event: e }: StoredEvent): string {
  switch (e.type) {
    case 'agent.spawned': return `agent ${e.pid} (${e.name}) spawned: role ${e.role}, priority ${e.priority}, model ${e.model}`;
    case 'agent.state': return `agent ${e.pid}: ${e.from} → ${e.to}${e.waitReason ? ` (${e.waitReason})` : ''}${e.reason ? `: ${e.reason}` : ''}`;
    case 'agent.reniced': return `agent ${e.pid}: priority ${e.from} → ${e.to}`;
    case 'agent.suspending': return `agent ${e.pid}: suspending after this step: ${e.reason}`;
    case 'agent.step': return `agent ${e.pid}: step ${e.step}, ${e.inputTokens} in / ${e.outputTokens} out tokens, $${e.dollars.toFixed(4)}, ${e.durationMs} ms${e.scripted ? ' (scripted model)' : ''}`;
    case 'agent.output': return `agent ${e.pid}${e.scripted ? ' [scripted]' : ''}: ${oneLine(e.text)}`;
    case 'agent.malformed': return `agent ${e.pid}: malformed ${e.tool} call (${e.consecutive} in a row): ${oneLine(e.error)}`;
    case 'agent.loop': return `agent ${e.pid}: loop detected, ${e.tool} repeated ${e.repeats} times`;
    case 'budget.exceeded': return `agent ${e.pid}: ${e.budget} budget exceeded (${e.used} of ${e.limit})`;
    case 'scheduler.dispatch': return `scheduler: agent ${e.pid} dispatched after ${e.waitedMs} ms (${e.policy})`;
    case 'scheduler.preempt': return `scheduler: agent ${e.pid} preempted (${e.reason})`;
    case 'scheduler.policy': return `scheduler: policy ${e.policy}`;
    case 'scheduler.rate_limited': return `scheduler: rate limited (${e.source}) until ${new Date(e.untilMs).toISOString()}`;
    case 'pager.evicted': return `agent ${e.pid}: ${e.pageIds.length} context pages swapped out (${e.tokens} tokens)`;
    case 'pager.page_in': return `agent ${e.pid}: page ${e.pageId} recalled (${e.tokens} tokens)`;
    case 'memory.evicted': return `agent ${e.pid}: evicted under memory pressure (${e.freedBytes} bytes)`;
    case 'tool.call': return `agent ${e.pid}: ${e.tool} (${e.risk} risk)`;
    case 'tool.result': return `agent ${e.pid}: ${e.tool} ${e.isError ? 'failed' : 'done'} in ${e.durationMs} ms`;
    case 'approval.requested': return `agent ${e.pid}: asks to ${oneLine(e.summary)} (${e.tool}, ${e.risk} risk)`;
    case 'approval.decided': return `agent ${e.pid}: ${e.decision === 'allow' ? 'allowed' : 'denied'} by ${e.actor}${e.rule ? ` (rule ${e.rule})` : ''}`;
    case 'task.status': return `task ${e.taskId}: ${e.status}`;
    case 'kernel.error': return `kernel error${e.pid !== null ? ` (agent ${e.pid})` : ''} in ${e.where}: ${oneLine(e.message)}`;
    case 'kernel.started': return `kernel started (session ${e.session}, process ${e.processId})`;
    case 'kernel.stopped': return `kernel stopped (session ${e.session})`;
    case 'control.kill': return `agent ${e.pid}: kill requested from outside (${e.reason})`;
    default: return genericSummary(e);
  }
}

/** Events without a line of their own (newer layers): the type, the agent and a message if any. */
function genericSummary(e: KernelEvent): string {
  const fields = e as unknown as Record<string, unknown>;
  const pid = typeof fields['pid'] === 'number' ? `agent ${fields['pid']}: ` : '';
  const text = ['message', 'summary', 'reason', 'outcome'].map((k) => fields[k]).find((v): v is string => typeof v === 'string');
  return `${pid}${e.type}${text ? `: ${oneLine(text)}` : ''}`;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
