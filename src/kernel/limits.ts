import type { AgentRecord } from './types';

/** The budget an agent would exceed, with the figures, or null when it may proceed. */
export interface BudgetViolation {
  budget: 'tokens' | 'dollars' | 'steps' | 'bytes';
  used: number;
  limit: number;
}

/**
 * Checks an agent's budgets before a model call that is expected to use `estimatedTokens`
 * tokens and cost `estimatedDollars`. Pure and allocation-free on the happy path.
 */
export function checkLimits(agent: AgentRecord, estimatedTokens = 0, estimatedDollars = 0): BudgetViolation | null {
  const b = agent.budgets;
  const u = agent.usage;
  if (u.steps + 1 > b.steps) return { budget: 'steps', used: u.steps, limit: b.steps };
  const tokens = u.inputTokens + u.outputTokens;
  if (tokens + estimatedTokens > b.tokens) return { budget: 'tokens', used: tokens, limit: b.tokens };
  if (u.dollars + estimatedDollars > b.dollars) return { budget: 'dollars', used: u.dollars, limit: b.dollars };
  if (u.bytes > b.bytes) return { budget: 'bytes', used: u.bytes, limit: b.bytes };
  return null;
}

/** A human sentence for a violation, used as the suspension reason. */
export function describeViolation(v: BudgetViolation, estimatedTokens = 0): string {
  switch (v.budget) {
    case 'steps': return `step budget reached: ${v.used} of ${v.limit} steps used; raise the budget and resume`;
    case 'tokens': return `token budget would be exceeded: ${v.used} used + ~${estimatedTokens} for the next call > ${v.limit}; raise the budget and resume`;
    case 'dollars': return `dollar budget would be exceeded: $${v.used.toFixed(4)} of $${v.limit.toFixed(2)} used; raise the budget and resume`;
    case 'bytes': return `memory budget exceeded: ${v.used} of ${v.limit} bytes held; raise the budget and resume`;
  }
}
