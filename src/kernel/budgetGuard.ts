/**
 * Budgets as promises: before each model call the guard works out how much the call may spend
 * (the agent's own budgets and every ancestor's, since children spend from their parent's), caps
 * `max_tokens` so the call cannot exceed what is left, and refuses the call when nothing useful
 * is left. What a call may spend is reserved while it runs and until its step commits, so agents
 * of one tree calling at the same time cannot overshoot together.
 */
import type { Journal } from './journal';
import type { ProcessTable } from './processTable';
import type { AgentRecord, Pid } from './types';

/** USD per million tokens of one model; null when the price is unknown. */
export interface CallPrice {
  input: number;
  output: number;
  /** cache writes cost more than plain input; the guard charges the prompt at the higher of the two */
  cacheWrite?: number;
}

/** Fewer output tokens than this left: the call is refused instead of made (a reply this short is of no use). */
export const MIN_USEFUL_OUTPUT_TOKENS = 64;
/** Share of a budget at which a warning event is emitted. */
export const WARN_AT = 0.8;
/** Prompt estimates (characters / 4) run low on code and JSON: the guard counts the prompt at this many times its estimate. */
export const PROMPT_MARGIN = 1.25;

/** The budgets the guard promises: tokens and dollars spent by an agent and its descendants. */
type SpendBudget = 'tokens' | 'dollars';

/** What the guard decided for one call. */
export type CallGrant =
  | { ok: true; maxTokens: number; reservedTokens: number; reservedDollars: number }
  | { ok: false; pid: Pid; budget: SpendBudget; used: number; limit: number; reason: string };

export interface Spend {
  tokens: number;
  dollars: number;
}

/** Reservations and warnings for one kernel. */
export class BudgetGuard {
  private readonly reserved = new Map<Pid, Spend>();
  private readonly warned = new Set<string>();

  constructor(private readonly table: ProcessTable, private readonly journal: Journal) {}

  /**
   * How large a call of `promptTokens` (estimated) may be for `pid`, at most `maxTokens` output;
   * on success the whole worst case is reserved until `release`.
   */
  grant(pid: Pid, promptTokens: number, maxTokens: number, price: CallPrice | null): CallGrant {
    const prompt = Math.ceil(promptTokens * PROMPT_MARGIN);
    const inPrice = price ? Math.max(price.input, price.cacheWrite ?? 0) / 1e6 : 0;
    const outPrice = price ? price.output / 1e6 : 0;
    let cap = maxTokens;
    for (const a of this.lineage(pid)) {
      if (a.budgets.tokens === Infinity && a.budgets.dollars === Infinity) continue;
      const spent = this.spentBy(a.pid);
      if (a.budgets.tokens !== Infinity) {
        const left = a.budgets.tokens - spent.tokens - prompt;
        if (left < MIN_USEFUL_OUTPUT_TOKENS) return this.refuse(pid, a, 'tokens', spent.tokens, a.budgets.tokens, `${prompt} (prompt, estimated)`);
        cap = Math.min(cap, left);
      }
      if (a.budgets.dollars !== Infinity) {
        if (!price) {
          return { ok: false, pid: a.pid, budget: 'dollars', used: spent.dollars, limit: a.budgets.dollars, reason: `no price is known for model '${this.table.get(pid).model}', so its cost cannot be kept under the dollar budget of agent ${a.pid}: add the model's price or remove the dollar budget, then resume` };
        }
        const leftUsd = a.budgets.dollars - spent.dollars - prompt * inPrice;
        const outLeft = outPrice > 0 ? Math.floor(leftUsd / outPrice) : leftUsd >= 0 ? Infinity : -1;
        if (outLeft < MIN_USEFUL_OUTPUT_TOKENS) return this.refuse(pid, a, 'dollars', spent.dollars, a.budgets.dollars, `$${(prompt * inPrice).toFixed(4)} (prompt, estimated)`);
        cap = Math.min(cap, outLeft);
      }
    }
    const reservedTokens = prompt + cap;
    const reservedDollars = prompt * inPrice + cap * outPrice;
    this.add(pid, { tokens: reservedTokens, dollars: reservedDollars });
    return { ok: true, maxTokens: cap, reservedTokens, reservedDollars };
  }

  /** Gives back a reservation (the call failed, or its usage is now committed). */
  release(pid: Pid, tokens: number, dollars: number): void {
    this.add(pid, { tokens: -tokens, dollars: -dollars });
  }

  /**
   * After a step committed: a warning event for each budget of the agent or an ancestor that has
   * now reached 80 % (once per agent and budget).
   */
  warn(pid: Pid): void {
    for (const a of this.lineage(pid)) {
      if (a.budgets.tokens === Infinity && a.budgets.dollars === Infinity && a.budgets.steps === Infinity) continue;
      const spent = this.spentBy(a.pid);
      const checks: Array<[ 'tokens' | 'dollars' | 'steps', number, number]> = [
        ['tokens', spent.tokens, a.budgets.tokens],
        ['dollars', spent.dollars, a.budgets.dollars],
        ['steps', a.usage.steps, a.budgets.steps],
      ];
      for (const [budget, used, limit] of checks) {
        const key = `${a.pid}:${budget}`;
        if (limit === Infinity || used < WARN_AT * limit || this.warned.has(key)) continue;
        this.warned.add(key);
        this.journal.emit({ type: 'agent.budget_warning', pid: a.pid, budget, used, limit, by: a.pid === pid ? null : pid });
      }
    }
  }

  /** Tokens and dollars an agent and all its descendants have spent or reserved. */
  spentBy(pid: Pid): Spend {
    const own = this.table.get(pid).usage;
    const r = this.reserved.get(pid);
    let tokens = own.inputTokens + own.outputTokens + (r?.tokens ?? 0);
    let dollars = own.dollars + (r?.dollars ?? 0);
    for (const child of this.table.children(pid)) {
      const s = this.spentBy(child.pid);
      tokens += s.tokens;
      dollars += s.dollars;
    }
    return { tokens, dollars };
  }

  private refuse(pid: Pid, a: AgentRecord, budget: SpendBudget, used: number, limit: number, next: string): CallGrant {
    const whose = a.pid === pid ? 'its' : `its ancestor ${a.pid}'s`;
    const shown = (n: number) => (budget === 'dollars' ? `$${n.toFixed(4)}` : String(Math.round(n)));
    return {
      ok: false, pid: a.pid, budget, used, limit,
      reason: `${budget} budget: ${whose} ${shown(used)} of ${shown(limit)} used (children included) + ${next} leaves less than ${MIN_USEFUL_OUTPUT_TOKENS} output tokens for the next call; raise the budget and resume`,
    };
  }

  private lineage(pid: Pid): AgentRecord[] {
    const out: AgentRecord[] = [];
    for (let a = this.table.find(pid); a; a = a.parent === null ? undefined : this.table.find(a.parent)) out.push(a);
    return out;
  }

  private add(pid: Pid, delta: Spend): void {
    const r = this.reserved.get(pid) ?? { tokens: 0, dollars: 0 };
    r.tokens += delta.tokens;
    r.dollars += delta.dollars;
    if (Math.abs(r.tokens) < 1e-9 && Math.abs(r.dollars) < 1e-12) this.reserved.delete(pid);
    else this.reserved.set(pid, r);
  }
}
