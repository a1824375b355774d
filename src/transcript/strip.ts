/**
 * The figures at the top of a transcript, from the agent's record and its pages: the same usage
 * and budget numbers `aios ps` and the dashboard print (tokens = input + output, dollars to the
 * cent and beyond), and the context window by where its tokens are.
 */
import { checkLimits } from '../kernel/limits';
import type { AgentRecord } from '../kernel/types';
import { BUDGET_WARNING, type BudgetName, type BudgetUseView, type TranscriptStrip } from '../protocol/transcript';
import { contextUse, type PageMeta } from './pages';

/** What the strip cannot read from the record. */
export interface StripExtras {
  suspendedBy: BudgetName | null;
  suspending: boolean;
}

export function buildStrip(a: AgentRecord, pages: readonly PageMeta[], extras: StripExtras): TranscriptStrip {
  const u = a.usage;
  const ctx = contextUse(pages);
  const tokenBudget = use(u.inputTokens + u.outputTokens, a.budgets.tokens);
  const dollars = use(u.dollars, a.budgets.dollars);
  const steps = use(u.steps, a.budgets.steps);
  const warnings: BudgetName[] = [];
  if (a.state !== 'done' && a.state !== 'failed' && a.state !== 'killed') {
    if ((tokenBudget.fraction ?? 0) >= BUDGET_WARNING) warnings.push('tokens');
    if ((dollars.fraction ?? 0) >= BUDGET_WARNING) warnings.push('dollars');
    if ((steps.fraction ?? 0) >= BUDGET_WARNING) warnings.push('steps');
  }
  return {
    pid: a.pid,
    name: a.name,
    role: a.role,
    model: a.model,
    scripted: isScriptedModel(a.model),
    state: a.state,
    waitReason: a.waitReason,
    reason: a.reason,
    context: {
      windowTokens: a.context.tokens,
      usedTokens: ctx.pinned + ctx.resident,
      pinnedTokens: ctx.pinned,
      residentTokens: ctx.resident,
      swappedTokens: ctx.swapped,
      swappedPages: ctx.swappedPages,
    },
    tokens: { input: u.inputTokens, output: u.outputTokens, cacheRead: u.cacheReadTokens, cacheWrite: u.cacheWriteTokens },
    tokenBudget,
    dollars,
    steps,
    warnings,
    suspendedBy: a.state === 'suspended' ? extras.suspendedBy ?? budgetOfReason(a) : null,
    suspending: extras.suspending,
    canContinue: a.state === 'done' || a.state === 'failed',
  };
}

/** The budget a new turn would exceed right away (the message box asks to raise it first). */
export function spentBudget(a: AgentRecord): BudgetName | null {
  return checkLimits(a)?.budget ?? null;
}

function use(used: number, limit: number): BudgetUseView {
  const finite = Number.isFinite(limit);
  return { used, limit: finite ? limit : null, fraction: finite && limit > 0 ? used / limit : null };
}

/** A budget suspension read from the reason (after a restart the event is not replayed into memory). */
function budgetOfReason(a: AgentRecord): BudgetName | null {
  const r = a.reason ?? '';
  if (/^step budget/.test(r)) return 'steps';
  if (/^token budget/.test(r)) return 'tokens';
  if (/^dollar budget/.test(r)) return 'dollars';
  if (/^memory budget/.test(r)) return 'bytes';
  return null;
}

/** The offline scripted model (as host/snapshot.ts decides it, without parsing paths). */
function isScriptedModel(model: string): boolean {
  const m = model.trim();
  return m === 'scripted' || m.startsWith('scripted:');
}
