/**
 * The strip at the top of a transcript: context used of the window (hover: pinned / resident /
 * swapped), tokens, dollars and steps of their budgets, the state, and what the developer can do
 * now (suspend, abort the call in flight, resume, raise a spent budget, stop). Figures are
 * formatted by the same functions as `aios logs`, so they match to the token and the cent.
 */
import { escapeControl } from '../../text/displayText';
import type { BudgetName, BudgetUseView, TranscriptStrip } from '../../protocol/transcript';
import { budgetText, int, usd } from '../../protocol/transcriptFormat';
import { h } from '../dom';
import type { Send } from './entries';

/** A sensible amount to raise a budget by: half the limit (at least 5 steps, 1,000 tokens, $0.10). */
export function defaultRaise(budget: BudgetName, limit: number | null): number {
  const half = (limit ?? 0) / 2;
  if (budget === 'steps') return Math.max(5, Math.ceil(half));
  if (budget === 'dollars') return Math.max(0.1, Math.round(half * 100) / 100);
  return Math.max(1000, Math.ceil(half));
}

export function renderStrip(s: TranscriptStrip, send: Send): HTMLElement {
  const c = s.context;
  const pct = c.windowTokens > 0 ? Math.min(100, (c.usedTokens / c.windowTokens) * 100) : 0;
  const fill = h('span', { class: `bar-fill ${pct >= 90 ? 'bar-bad' : ''}` });
  fill.style.width = `${pct}%`;
  const hover = `pinned ${int(c.pinnedTokens)} · resident ${int(c.residentTokens)} · swapped ${int(c.swappedTokens)} tokens in ${c.swappedPages} pages`;
  const warn = (b: BudgetName) => (s.warnings.includes(b) ? 'warn' : '');
  const figure = (label: string, value: string, cls = '', field = '') => h('span', { class: `figure ${cls}`, 'data-field': field || null }, h('span', { class: 'muted' }, label), ' ', value);
  const live = ['new', 'ready', 'running', 'waiting'].includes(s.state);
  const actions = h('span', { class: 'actions' },
    live && !s.suspending ? button('Suspend', () => send({ type: 'suspend' }), 'secondary') : null,
    s.suspending ? h('span', { class: 'pill pill-warn', 'data-testid': 'suspending' }, 'suspending after this step') : null,
    s.suspending ? button('Abort the call in flight', () => send({ type: 'abort' }), 'secondary') : null,
    s.state === 'suspended' && !s.suspendedBy ? button('Resume', () => send({ type: 'resume' })) : null,
    live || s.state === 'suspended' ? button('Stop', () => send({ type: 'stop' }), 'secondary') : null);
  return h('header', { class: 'strip', 'data-state': s.state },
    h('div', { class: 'strip-row' },
      h('strong', { class: 'name' }, escapeControl(s.name)),
      h('span', { class: 'muted' }, `${s.role} · pid ${s.pid} · ${escapeControl(s.model)}`),
      s.scripted ? h('span', { class: 'pill pill-warn', 'data-testid': 'scripted', title: 'The offline scripted model replays a script: its output is not a real model\'s' }, 'scripted model') : null,
      h('span', { class: `pill state state-${s.state}`, 'data-testid': 'state' }, stateWords(s)),
      actions),
    h('div', { class: 'strip-row figures' },
      h('span', { class: 'context', title: hover, 'data-testid': 'context' },
        h('span', { class: 'muted' }, 'context'), ' ', `${int(c.usedTokens)} of ${int(c.windowTokens)}`,
        h('span', { class: 'bar' }, fill)),
      figure('in', int(s.tokens.input), '', 'tokens-in'),
      figure('out', int(s.tokens.output), '', 'tokens-out'),
      figure('cache read', int(s.tokens.cacheRead), '', 'cache-read'),
      figure('cache write', int(s.tokens.cacheWrite), '', 'cache-write'),
      figure('tokens', budgetText(s.tokenBudget, int), warn('tokens'), 'tokens'),
      figure('dollars', budgetText(s.dollars, usd), warn('dollars'), 'dollars'),
      figure('steps', budgetText(s.steps, int), warn('steps'), 'steps')),
    s.warnings.length && !s.suspendedBy ? h('div', { class: 'banner warn', 'data-testid': 'budget-warning' }, `${s.warnings.join(' and ')} at 80 % or more of the budget`) : null,
    s.suspendedBy ? raiseBanner(s, s.suspendedBy, send) : null);
}

/** "Suspended: the steps budget is spent. Raise by [n] and resume · Stop" */
export function raiseBanner(s: TranscriptStrip, budget: BudgetName, send: Send, resumeLabel = 'and resume'): HTMLElement {
  const use: BudgetUseView = budget === 'tokens' ? s.tokenBudget : budget === 'dollars' ? s.dollars : budget === 'steps' ? s.steps : { used: 0, limit: null, fraction: null };
  const input = h('input', { type: 'number', min: budget === 'dollars' ? '0.01' : '1', step: budget === 'dollars' ? '0.01' : '1', value: String(defaultRaise(budget, use.limit)), 'aria-label': `Raise the ${budget} budget by` });
  const raise = button(`Raise by … ${resumeLabel}`, () => {
    const by = Number(input.value);
    if (by > 0) send({ type: 'raise', budget, by });
  });
  raise.textContent = `Raise ${resumeLabel}`;
  return h('div', { class: 'banner bad', 'data-testid': 'budget-suspended' },
    `The ${budget} budget is spent: ${budgetText(use, budget === 'dollars' ? usd : int)}. Raise it by `, input, ' ', raise, ' ',
    button('Stop', () => send({ type: 'stop' }), 'secondary'));
}

function stateWords(s: TranscriptStrip): string {
  if (s.state === 'waiting') return s.waitReason === 'approval' ? 'waiting for you' : 'running a tool';
  if (s.state === 'suspended') return s.suspendedBy ? `suspended: ${s.suspendedBy} budget` : 'suspended';
  return s.state;
}

function button(label: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = h('button', { type: 'button', class: `button ${cls}` }, label);
  b.addEventListener('click', onClick);
  return b;
}
