/** What a plan's children may spend and do: a share of the parent's budgets, never more than its capabilities. */
import type { AgentRecord, Budgets, Capability } from '../kernel/types';

/**
 * Children spend from their parent's budgets: each gets an even share of what the parent has
 * left (a retry gets its share again), so a plan cannot multiply what the developer allowed.
 * The bytes budget limits held state, not spending, and is passed on as it is.
 */
export function shareBudgets(parent: AgentRecord, n: number): Budgets {
  const b = parent.budgets;
  const u = parent.usage;
  const share = (limit: number, used: number, whole: boolean) => {
    if (limit === Infinity) return Infinity;
    const each = (limit - used) / n;
    return whole ? Math.max(1, Math.floor(each)) : Math.max(1e-6, each);
  };
  return {
    tokens: share(b.tokens, u.inputTokens + u.outputTokens, true),
    dollars: share(b.dollars, u.dollars, false),
    steps: share(b.steps, u.steps, true),
    bytes: b.bytes,
  };
}

/** A child never gets more than its parent may do. */
export function narrow(wanted: readonly Capability[], allowed: readonly Capability[]): Capability[] {
  return wanted.filter((c) => allowed.includes(c));
}
