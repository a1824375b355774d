/** How AIOS values read in the views: numbers, sizes, states. Plain logic, no `vscode`. */
import type { AgentStateName, AgentView, ApprovalView, MemoryAccountView } from '../protocol/hostTypes';
import { escapeControl } from '../text/displayText';
import { budgetBadge } from './transcript/transcriptText';
import { formatBytes } from '../text/bytes';

/** 1234 → "1,234"; 45600 → "45.6k"; 500000 → "500k"; 2500000 → "2.5M". */
export function formatTokens(n: number): string {
  const short = (v: number, digits: number) => String(Number(v.toFixed(digits)));
  if (n >= 1e6) return `${short(n / 1e6, 2)}M`;
  if (n >= 1e4) return `${short(n / 1e3, n < 1e5 ? 1 : 0)}k`;
  return n.toLocaleString('en-US');
}

/** Exact, with thousands separators: 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Dollars with cents, or more digits below a cent: "$0.0042". */
export function formatDollars(n: number): string {
  if (n === 0) return '$0.00';
  return n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** The cost line of an agent: — for an unknown price (never $0.00), and no dollars for models that report none. */
export function costLine(a: AgentView): string {
  if (a.billing === 'unknown') return 'Cost: — (no price known for this model; add it under aios.models)';
  if (a.billing === 'tokens-only') return 'Cost: not reported in dollars (VS Code language model): the budget counts tokens and requests';
  return `Cost: ${formatDollars(a.usage.dollars)} of ${a.budgets.dollars === null ? 'unlimited' : formatDollars(a.budgets.dollars)}`;
}

/** used / quota as a percentage with one decimal below 10 %: "0.4%", "37%". */
export function formatPercent(used: number, total: number): string {
  if (total <= 0) return '—';
  const p = (used / total) * 100;
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** "3 s ago", "5 min ago", "2 h ago". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export const LIVE_STATES: readonly AgentStateName[] = ['new', 'ready', 'running', 'waiting', 'suspended'];

export function isLive(state: AgentStateName): boolean {
  return LIVE_STATES.includes(state);
}

/** Codicon id and theme colour id of a state (ThemeIcon / ThemeColor in the extension). */
export function stateIcon(agent: Pick<AgentView, 'state' | 'waitReason'>): { id: string; color: string | null } {
  switch (agent.state) {
    case 'new':
    case 'ready': return { id: 'circle-large-outline', color: null };
    case 'running': return { id: 'sync~spin', color: 'charts.green' };
    case 'waiting': return agent.waitReason === 'approval' ? { id: 'bell-dot', color: 'charts.yellow' } : { id: 'tools', color: 'charts.blue' };
    case 'suspended': return { id: 'debug-pause', color: 'charts.orange' };
    case 'done': return { id: 'pass', color: 'testing.iconPassed' };
    case 'failed': return { id: 'error', color: 'errorForeground' };
    case 'killed': return { id: 'circle-slash', color: 'disabledForeground' };
  }
}

/** What a state reads as: "needs approval", "running". */
export function stateLabel(agent: Pick<AgentView, 'state' | 'waitReason'>): string {
  if (agent.state === 'waiting') return agent.waitReason === 'approval' ? 'needs approval' : 'running a tool';
  return agent.state;
}

/** The Agents view description: "running · p50 · step 3 · scripted". */
export function agentDescription(a: AgentView): string {
  // "suspending" first: at the default sidebar width only the first words of a row show
  return [a.suspending ? 'suspending after this step' : null, stateLabel(a), `p${a.priority}`, `step ${a.usage.steps}`, a.scripted ? 'scripted' : null, budgetBadge(a)].filter(Boolean).join(' · ');
}

/** `agent.<state>`: `when` clauses in package.json pick the actions each state allows. */
export function agentContextValue(a: AgentView): string {
  return `agent.${a.state}`;
}

/** Tooltip lines (Markdown) with usage, cost and budgets. */
export function agentTooltip(a: AgentView): string {
  const total = a.usage.inputTokens + a.usage.outputTokens;
  const limit = (v: number | null, f: (n: number) => string) => (v === null ? 'unlimited' : f(v));
  const lines = [
    `**${escapeMarkdown(a.name)}** · pid ${a.pid} · ${a.role}`,
    '',
    `State: ${stateLabel(a)}${a.reason ? ` (${escapeMarkdown(a.reason)})` : ''}`,
    ...(a.suspending ? [`Suspending after this step: ${escapeMarkdown(a.suspending)}`] : []),
    `Priority: ${a.priority} · Steps: ${a.usage.steps} of ${limit(a.budgets.steps, String)}`,
    `Tokens: ${formatCount(total)} of ${limit(a.budgets.tokens, formatCount)} (${formatCount(a.usage.inputTokens)} in, ${formatCount(a.usage.outputTokens)} out, ${formatCount(a.usage.cacheReadTokens)} cache read)`,
    costLine(a),
    `Model: \`${a.model}\`${a.scripted ? ' — offline scripted model: replies are replayed from a script, not generated by an LLM' : ''}`,
    `Task: ${escapeMarkdown(truncate(a.task, 300))}`,
  ];
  if (a.result) lines.push(`Result: ${escapeMarkdown(truncate(a.result, 300))}`);
  return lines.join('  \n');
}

/** "0.2% · 1.2 MiB / 64 MiB · 3 swapped": the percentage first, so a narrow view still shows it. */
export function memoryAccountDescription(m: MemoryAccountView): string {
  return `${formatPercent(m.used, m.quota)} · ${formatBytes(m.used)} / ${formatBytes(m.quota)} · ${m.swappedPages} swapped`;
}

/** Codicon by pressure: fine, getting full, full. */
export function pressureIcon(used: number, quota: number): { id: string; color: string | null } {
  const p = quota > 0 ? used / quota : 0;
  if (p >= 0.9) return { id: 'error', color: 'errorForeground' };
  if (p >= 0.6) return { id: 'warning', color: 'charts.yellow' };
  return { id: 'database', color: null };
}

/** The one-line headline of a pending approval: "edit src/greet.js (+1 -1)". */
export function approvalHeadline(a: ApprovalView): string {
  return truncate(escapeControl(a.subject.summary.replace(/ +/g, ' ')), 120);
}

/** Lines added and removed in a unified diff: "+3 −1". */
export function diffSize(diff: string): string {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  return `+${added} −${removed}`;
}

/** The Approvals row's description: who asks, the risk, how long ago. */
export function approvalDescription(a: ApprovalView, now: number): string {
  return `${escapeControl(a.agentName)} · ${a.risk} risk · ${formatAge(now - a.createdAt)}`;
}

/** The Approvals row's hover (Markdown): agent, tool, risk and the size of what it would change. */
export function approvalTooltip(a: ApprovalView): string {
  const s = a.subject;
  const what = s.kind === 'edit'
    ? s.files.map((f) => `${f.status} ${escapeMarkdown(escapeControl(f.path))} (${diffSize(f.diff)} lines${f.after !== null ? `, ${formatBytes(Buffer.byteLength(f.after))} after` : ', binary'})`)
    : s.kind === 'command' ? [`command: ${escapeMarkdown(truncate(escapeControl(s.command), 300))} (in ${escapeMarkdown(escapeControl(s.cwd))})`]
      : [escapeMarkdown(truncate(escapeControl(s.summary), 300))];
  // plain escaped text, not code spans: inside backticks Markdown shows the escapes literally
  return [
    `**${escapeMarkdown(escapeControl(a.agentName))}** (pid ${a.pid}) asks to use ${escapeMarkdown(a.tool)} · ${a.risk} risk`,
    '',
    ...what,
    '',
    'Click to review it; Approve and Deny are on the right.',
  ].join('  \n');
}

/** Codicon for a pending approval's kind. */
export function approvalIcon(a: ApprovalView): string {
  return a.subject.kind === 'edit' ? 'diff' : a.subject.kind === 'command' ? 'terminal' : 'tools';
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Escapes Markdown so agent-provided text cannot inject links or formatting into tooltips. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
