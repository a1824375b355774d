/**
 * A transcript as terminal text (`aios logs`): the same entries and figures as the transcript
 * tab. Every string that came from a model or a tool is escaped, so a model cannot move the
 * cursor, erase a line or fake a prompt on the developer's terminal.
 */
import { escapeControl, escapeControlKeepLines } from '../text/displayText';
import type { BudgetUseView, ToolResultView, TranscriptEntry, TranscriptStrip } from './transcript';

/** 12,345 */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** $0.0123: four decimals, as `aios ps` and the dashboard print dollars */
export function usd(n: number): string {
  return `$${n.toFixed(4)}`;
}

/** Lines of output shown before "show all" (the tab) or `--full` (the CLI). */
export const OUTPUT_LINES = 20;

/** "1,234 of 10,000 (12%)" or "1,234 (no limit)" */
export function budgetText(b: BudgetUseView, fmt: (n: number) => string): string {
  if (b.limit === null) return `${fmt(b.used)} (no limit)`;
  return `${fmt(b.used)} of ${fmt(b.limit)} (${Math.floor((b.fraction ?? 0) * 100)}%)`;
}

/** The strip as lines. */
export function formatStrip(s: TranscriptStrip): string[] {
  const state = `${s.state}${s.waitReason ? ` (${s.waitReason === 'approval' ? 'waiting for you' : 'in a tool'})` : ''}${s.suspending ? ', suspending after this step' : ''}`;
  const c = s.context;
  return [
    `agent ${s.pid} ${escapeControl(s.name)} · ${s.role} · ${escapeControl(s.model)}${s.scripted ? ' (offline scripted model: its output is scripted, not a real model\'s)' : ''}`,
    `state: ${state}${s.reason ? `: ${escapeControl(s.reason)}` : ''}`,
    `context: ${int(c.usedTokens)} of ${int(c.windowTokens)} tokens (pinned ${int(c.pinnedTokens)}, resident ${int(c.residentTokens)}, swapped ${int(c.swappedTokens)} in ${c.swappedPages} pages)`,
    `tokens: ${int(s.tokens.input)} in / ${int(s.tokens.output)} out / ${int(s.tokens.cacheRead)} cache read / ${int(s.tokens.cacheWrite)} cache write; ` +
      `total ${budgetText(s.tokenBudget, int)} · dollars ${budgetText(s.dollars, usd)} · steps ${budgetText(s.steps, int)}`,
    ...(s.warnings.length ? [`warning: ${s.warnings.join(', ')} at 80 % or more of the budget`] : []),
    ...(s.suspendedBy ? [`suspended by the ${s.suspendedBy} budget: raise it and resume (the transcript tab offers "Raise by … and resume")`] : []),
  ];
}

/** The card state in words. */
export function stateText(e: Extract<TranscriptEntry, { kind: 'tool' }>): string {
  switch (e.state) {
    case 'running': return 'running';
    case 'waiting': return 'waiting for you';
    case 'approved_by_you': return 'approved by you';
    case 'approved_by_rule': return `approved by a rule${e.rule ? ` (${e.rule})` : ''}`;
    case 'denied': return 'denied';
    case 'failed': return 'failed';
    case 'done': return 'done';
  }
}

/** One entry as lines; `full` prints command output and files uncut. */
export function formatEntry(e: TranscriptEntry, full = false): string[] {
  const time = new Date(e.at).toISOString().slice(11, 19);
  const indent = (text: string) => escapeControlKeepLines(text).split('\n').map((l) => `    ${l}`);
  switch (e.kind) {
    case 'task': return [`${time} task: ${escapeControl(e.text)}`];
    case 'model': return [
      `${time} step ${e.step}${e.scripted ? ' (scripted)' : ''}:`,
      ...(e.thinking ? [`    [thinking: ${e.thinking.length} characters${full ? '' : ', --full to show'}]`, ...(full ? indent(e.thinking) : [])] : []),
      ...(e.text ? indent(e.text) : []),
    ];
    case 'tool': return [
      `${time} → ${e.tool} ${escapeControl(e.summary)} · ${e.risk} risk · ${stateText(e)}${e.durationMs !== null ? ` · ${e.durationMs} ms` : ''}`,
      ...(e.reason ? [`    why: ${escapeControl(e.reason)}`] : []),
      ...(e.result ? resultLines(e.result, full) : []),
    ];
    case 'rejected': return [`${time} ✗ rejected ${escapeControl(e.tool)} call: ${escapeControl(e.error)}`];
    case 'paging': return [e.direction === 'out'
      ? `${time} pages ${e.pages.join(', ')} swapped out (${int(e.tokens)} tokens)`
      : `${time} page ${e.pages.join(', ')} recalled (${int(e.tokens)} tokens)`];
    case 'plan': return [`${time} plan ${e.plan} (${e.status}):`, ...e.children.map((c) => `    ${c.subtask} ${c.role}${c.pid !== null ? ` → agent ${c.pid}` : ''} [${c.status}]: ${escapeControl(c.task)}`)];
    case 'message': return [`${time} you${e.newTurn ? ' (new turn)' : ''}${e.delivered ? '' : ' (queued for the next step)'}: ${escapeControl(e.text)}`];
    case 'question': return [`${time} agent asks: ${escapeControl(e.text)}`, e.answer === null ? '    (waiting for your answer: aios send PID "answer")' : `    answer: ${escapeControl(e.answer)}`];
    case 'status': return [`${time} ${escapeControl(e.text)}`];
    case 'result': return [`${time} ${e.failed ? 'failed' : 'result'}${e.scripted ? ' (scripted)' : ''}:`, ...indent(e.text)];
  }
}

function resultLines(r: ToolResultView, full: boolean): string[] {
  const cap = (label: string, text: string): string[] => {
    if (!text) return [];
    const lines = escapeControlKeepLines(text.replace(/\n$/, '')).split('\n');
    const shown = full ? lines : lines.slice(0, OUTPUT_LINES);
    return [`    ${label}:`, ...shown.map((l) => `      ${l}`), ...(shown.length < lines.length ? [`      … ${lines.length - shown.length} more lines (--full to show all)`] : [])];
  };
  switch (r.kind) {
    case 'command': return [
      `    exit code ${r.exitCode ?? 'none'}${r.killed ? ` (killed: ${r.killed})` : ''}${r.message ? `: ${escapeControl(r.message)}` : ''}`,
      ...cap('stdout', r.stdout),
      ...cap('stderr', r.stderr),
      ...(r.changed.length ? [`    changed: ${r.changed.map((c) => `${escapeControl(c.path)} (${c.status}${r.applied.includes(c.path) ? ', applied' : r.notApplied.includes(c.path) ? ', not applied' : ''})`).join(', ')}`] : []),
    ];
    case 'file': return full ? cap(`content of ${escapeControl(r.path ?? 'the file')}`, r.text) : [`    [${r.text.split('\n').length} lines of ${escapeControl(r.path ?? 'the file')}; --full to show]`];
    case 'applied': return [`    ${escapeControl(r.text)}`];
    case 'text': return cap(r.isError ? 'error' : 'result', r.text);
  }
}
