/** Sentences and checks of the transcript tab that need no VS Code (unit-tested). */
import type { AgentView } from '../../protocol/hostTypes';
import { BUDGET_WARNING, type BudgetName, type SendResultView } from '../../protocol/transcript';
import { escapeControl } from '../../text/displayText';

/** What happened to a message, for the line under the message box. */
export function sendResultText(r: SendResultView, agentName: string): string {
  const name = escapeControl(agentName);
  switch (r.outcome) {
    case 'delivered': return `Sent: ${name} reads it at its next step.`;
    case 'queued': return `Queued: ${name} is in a step; the message enters its context when the step ends.`;
    case 'new_turn': return `Sent: ${name} had finished and now takes a new turn with your message (same context and budgets).`;
    case 'budget': {
      const fmt = (n: number) => (r.budget === 'dollars' ? `$${n.toFixed(4)}` : n.toLocaleString('en-US'));
      return `Not sent: ${name}'s ${r.budget} budget is spent (${fmt(r.used)} of ${fmt(r.limit)}). Raise it to let it take a new turn.`;
    }
  }
}

/**
 * A workspace-relative path from a transcript (a tool result, which a model or a command could
 * shape) as safe path segments, or null when it is absolute or climbs out of the workspace.
 */
export function safeRelative(path: string): string[] | null {
  const slashed = path.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || /[\u0000-\u001f]/.test(slashed)) return null;
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) return null;
  return parts;
}

/** Budgets of a live agent at 80 % or more, with the percentage (the tree item and the one notification). */
export function budgetWarnings(a: AgentView): Array<{ budget: BudgetName; percent: number; used: number; limit: number }> {
  if (!['new', 'ready', 'running', 'waiting', 'suspended'].includes(a.state)) return [];
  const out: Array<{ budget: BudgetName; percent: number; used: number; limit: number }> = [];
  const check = (budget: BudgetName, used: number, limit: number | null) => {
    if (limit === null || limit <= 0 || used / limit < BUDGET_WARNING) return;
    out.push({ budget, percent: Math.floor((used / limit) * 100), used, limit });
  };
  check('tokens', a.usage.inputTokens + a.usage.outputTokens, a.budgets.tokens);
  check('dollars', a.usage.dollars, a.budgets.dollars);
  check('steps', a.usage.steps, a.budgets.steps);
  return out;
}

/** "⚠ steps 85%" for the Agents view, or null. */
export function budgetBadge(a: AgentView): string | null {
  const w = budgetWarnings(a);
  return w.length ? `⚠ ${w.map((x) => `${x.budget} ${x.percent}%`).join(', ')}` : null;
}
