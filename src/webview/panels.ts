/**
 * The dashboard's non-chart sections: health gauge and components, tables of agents and tasks,
 * approvals, cache reads, reactor firings and improvement proposals.
 */
import type { ApprovalsView, AuditView, CacheView, DashboardData, FiringView, GradeName, HealthView, ProposalView } from '../protocol/dashboard';
import { clock, h, int, svg, usd } from './dom';
import { plural } from '../text/plural';

/** A titled card. */
export function card(title: string, id: string, ...body: Array<Node | null>): HTMLElement {
  return h('section', { class: 'card', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...body);
}

function gradeBadge(grade: GradeName): HTMLElement {
  return h('span', { class: `grade grade-${grade}`, 'data-field': 'grade' }, grade);
}

/** Semicircle gauge 0-100 with the alert threshold marked. */
function gauge(score: number, threshold: number): SVGSVGElement {
  const r = 80;
  const cx = 100;
  const cy = 95;
  const arc = (from: number, to: number) => {
    const a0 = Math.PI * (1 - from / 100);
    const a1 = Math.PI * (1 - to / 100);
    const p = (a: number) => `${(cx + r * Math.cos(a)).toFixed(2)} ${(cy - r * Math.sin(a)).toFixed(2)}`;
    return `M ${p(a0)} A ${r} ${r} 0 0 1 ${p(a1)}`;
  };
  const level = score >= 85 ? 'good' : score >= threshold ? 'warn' : 'bad';
  const tick = Math.PI * (1 - threshold / 100);
  return svg('svg', { class: 'gauge', viewBox: '0 0 200 110', role: 'img', 'aria-label': `health ${score} of 100` },
    svg('path', { d: arc(0, 100), class: 'gauge-track' }),
    score > 0 ? svg('path', { d: arc(0, Math.min(100, score)), class: `gauge-value gauge-${level}` }) : null,
    svg('line', { x1: cx + (r - 12) * Math.cos(tick), y1: cy - (r - 12) * Math.sin(tick), x2: cx + (r + 10) * Math.cos(tick), y2: cy - (r + 10) * Math.sin(tick), class: 'gauge-threshold' }),
    svg('text', { x: cx, y: cy - 18, class: 'gauge-score', 'text-anchor': 'middle', 'data-testid': 'health-score' }, String(score)),
    svg('text', { x: cx, y: cy + 2, class: 'gauge-caption', 'text-anchor': 'middle' }, `of 100 · alert under ${threshold}`),
  );
}

/** The health card: gauge, grade and what each component cost. */
export function healthCard(health: HealthView): HTMLElement {
  const head = h('li', { class: 'component component-head', 'aria-hidden': 'true' },
    h('span', {}, 'what is measured'), h('span', {}, 'value'), h('span', {}, 'share of its maximum'), h('span', { class: 'component-penalty' }, 'points lost'));
  const rows = health.components.map((c) => h('li', { class: 'component', 'data-component': c.id },
    h('span', { class: 'component-label' }, c.label),
    h('span', { class: 'component-value' }, `${c.value} ${c.unit}`),
    h('span', { class: 'bar', title: `${c.penalty} of at most ${c.max} points lost` }, h('span', { class: `bar-fill ${c.penalty > 0 ? 'bar-bad' : ''}`, 'data-width': pct(c.penalty, c.max) })),
    h('span', { class: 'component-penalty', 'data-field': 'penalty', title: `${c.penalty} of at most ${c.max} points lost` }, c.penalty > 0 ? `−${c.penalty}` : 'none'),
  ));
  return card('System health', 'health',
    h('div', { class: 'health-top' }, gauge(health.score, health.threshold), h('div', { class: 'health-grade' }, gradeBadge(health.grade), h('span', { class: 'muted' }, plural(health.history.length, 'heartbeat sample')))),
    h('ul', { class: 'components' }, head, ...rows),
  );
}

/** Width of a bar as a percentage; applied through the CSSOM (the CSP forbids style attributes). */
function pct(part: number, whole: number): string {
  return whole > 0 ? `${Math.max(0, Math.min(100, (part / whole) * 100)).toFixed(1)}%` : '0%';
}

/** Applies `data-width` to elements' widths: CSSOM writes are allowed under a CSP without 'unsafe-inline'. */
export function applyWidths(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-width]')) el.style.width = el.dataset.width ?? '0%';
}

/** Cache reads against all input tokens. */
export function cacheCard(cache: CacheView): HTMLElement {
  const ratio = Math.round(cache.ratio * 1000) / 10;
  return card('Prompt cache', 'cache',
    h('div', { class: 'big', 'data-testid': 'cache-ratio' }, `${ratio}%`),
    h('div', { class: 'muted' }, `of input tokens read from the cache: ${int(cache.cacheReadTokens)} of ${int(cache.inputTokens)}`),
    h('div', { class: 'bar wide' }, h('span', { class: 'bar-fill bar-good', 'data-width': pct(cache.cacheReadTokens, cache.inputTokens) })),
  );
}

/** Decisions by who made them, and the latest requests to the developer. */
export function approvalsCard(a: ApprovalsView, audit?: AuditView): HTMLElement {
  const stat = (label: string, value: number, id: string, cls = '') => h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-value', 'data-testid': id }, int(value)), h('div', { class: 'stat-label' }, label));
  return card('Approvals', 'approvals',
    h('div', { class: 'stats' },
      stat('allowed by policy', a.allowedByPolicy, 'approvals-policy-allow'),
      stat('denied by policy', a.deniedByPolicy, 'approvals-policy-deny', a.deniedByPolicy ? 'warn' : ''),
      stat('approved by you', a.allowedByDeveloper, 'approvals-dev-allow'),
      stat('denied by you', a.deniedByDeveloper, 'approvals-dev-deny', a.deniedByDeveloper ? 'warn' : ''),
      stat('timed out', a.timedOut, 'approvals-timeout', a.timedOut ? 'warn' : ''),
      stat('waiting', a.pending, 'approvals-pending'),
    ),
    a.recent.length
      ? h('ul', { class: 'list' }, ...a.recent.slice(0, 5).map((r) => h('li', {},
        h('span', { class: `pill ${r.decision === 'deny' ? 'pill-bad' : r.decision === 'allow' ? 'pill-good' : ''}`, 'data-field': 'decision' }, decisionLabel(r.decision, r.actor)),
        ` ${clock(r.at)} ${r.agent ?? `agent ${r.pid}`} ${r.tool} (${r.risk}): ${r.summary}`)))
      : h('p', { class: 'muted' }, 'No request has reached you yet.'),
    audit ? auditLine(audit) : null,
  );
}

/** Who decided, in words: the developer's answers are not the policy's. */
export function decisionLabel(decision: string, actor: string): string {
  if (actor === 'developer') return decision === 'allow' ? 'approved by you' : 'denied by you';
  if (actor === 'policy') return decision === 'allow' ? 'allowed by policy' : 'denied by policy';
  if (actor === 'timeout') return 'timed out (denied)';
  if (actor === 'unanswered') return 'not answered (the kernel stopped)';
  return 'waiting for you';
}

/** Agents with their scores. */
export function agentsCard(data: DashboardData): HTMLElement {
  const rows = data.agents.map((a) => h('tr', { 'data-pid': a.pid },
    h('td', { class: 'num' }, a.pid), h('td', { class: 'text' }, h('button', { type: 'button', class: 'link', 'data-open-agent': a.pid, title: `Open the transcript of ${a.name}` }, a.name)), h('td', { class: 'text' }, a.role), h('td', {}, h('span', { class: `state state-${a.state}` }, a.state)),
    h('td', { class: 'num', 'data-field': 'score' }, a.score.toFixed(1)), h('td', {}, gradeBadge(a.grade)),
    h('td', { class: 'num', 'data-field': 'steps' }, a.steps), h('td', { class: 'num', 'data-field': 'tokens' }, int(a.tokens)), h('td', { class: 'num', 'data-field': 'dollars' }, usd(a.dollars)),
  ));
  return card(`Agents (${data.agents.length})`, 'agents', table(['pid', 'name', 'role', 'state', 'score', 'grade', 'steps', 'tokens', 'cost'], rows, 'No agents yet.'));
}

/** The newest tasks with their scores. */
export function tasksCard(data: DashboardData): HTMLElement {
  const rows = data.tasks.map((t) => h('tr', { 'data-task': t.id },
    h('td', { class: 'text' }, t.id), h('td', { class: 'num' }, t.pid ?? '–'), h('td', { class: 'text description', title: t.description }, t.description), h('td', {}, h('span', { class: `state state-${t.outcome}` }, t.outcome)),
    h('td', { class: 'num', 'data-field': 'score' }, t.score.toFixed(1)), h('td', {}, gradeBadge(t.grade)), h('td', { class: 'num', 'data-field': 'tokens' }, int(t.tokens)),
  ));
  const more = data.taskTotal > data.tasks.length ? h('p', { class: 'muted' }, `Newest ${data.tasks.length} of ${int(data.taskTotal)} tasks.`) : null;
  return card(`Tasks (${int(data.taskTotal)})`, 'tasks', table(['task', 'pid', 'description', 'outcome', 'score', 'grade', 'tokens'], rows, 'No tasks yet.'), more);
}

function table(head: string[], rows: HTMLElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows)));
}

/** Recent reactor firings. */
export function reactorCard(firings: FiringView[]): HTMLElement {
  return card('Reactor', 'reactor', firings.length
    ? h('ul', { class: 'list' }, ...firings.map((f) => h('li', { 'data-playbook': f.playbook },
      h('span', { class: `pill ${f.action === 'suspend' || f.action === 'throttle' ? 'pill-warn' : ''}` }, f.playbook), ` ${clock(f.at)} ${f.message}`)))
    : h('p', { class: 'muted' }, 'No playbook has fired.'));
}

/** Improvement proposals, their gate results, and approve / reject for those waiting (L2). */
export function proposalsCard(proposals: ProposalView[], configLine: string, decide: (id: string, decision: 'approve' | 'reject') => void): HTMLElement {
  const items = proposals.map((p) => h('li', { class: 'proposal', 'data-proposal': p.id },
    h('div', { class: 'proposal-head' }, h('span', { class: `pill status-${p.status}` }, p.status.replace('_', ' ')), ' ', h('strong', {}, p.summary)),
    h('div', { class: 'muted' }, p.rationale),
    h('ul', { class: 'gates' }, ...p.gates.map((g) => h('li', {}, h('span', { class: `pill ${g.passed ? 'pill-good' : 'pill-bad'}` }, `${g.level} ${g.passed ? 'passed' : 'failed'}`), ` ${g.summary}`))),
    p.canDecide ? h('div', { class: 'actions' },
      button('Approve', 'primary', () => decide(p.id, 'approve')),
      button('Reject', 'secondary', () => decide(p.id, 'reject'))) : null,
  ));
  return card('Improvement proposals', 'proposals', h('p', { class: 'muted' }, configLine),
    items.length ? h('ul', { class: 'list proposals' }, ...items) : h('p', { class: 'muted' }, 'Nothing to propose from the data so far.'));
}

function button(label: string, kind: 'primary' | 'secondary', onClick: () => void): HTMLButtonElement {
  const b = h('button', { class: `button ${kind}`, type: 'button' }, label);
  b.addEventListener('click', () => {
    b.disabled = true;
    onClick();
  });
  return b;
}

/** One line on the audit trail's hash chain: intact, or where it breaks (what `aios audit verify` says). */
function auditLine(a: AuditView): HTMLElement {
  return a.ok
    ? h('p', { class: 'muted', 'data-testid': 'audit-state' }, `Audit trail: ${int(a.entries)} entries, hash chain intact.`)
    : h('p', { class: 'warn', 'data-testid': 'audit-state' }, `Audit trail BROKEN${a.brokenAt !== null ? ` at entry ${a.brokenAt}` : ''}: ${a.problem ?? ''} Run aios audit verify for details.`);
}
