/**
 * How records map to table rows where the two differ. Other tables are selected with
 * aliases named like the record's fields, so their rows need no mapping at all.
 */
import type { PageRow } from '../kernel/ports/store';
import type { AgentRecord, AgentState, AuditEntry, Capability, WaitReason } from '../kernel/types';

/**
 * The agents columns, in the order they are written and read back. Agent rows are read as
 * raw arrays: better-sqlite3 builds a 28-property object several times slower than an array.
 */
export const AGENT_COLUMNS = [
  'pid', 'name', 'role', 'priority', 'state', 'wait_reason', 'reason', 'parent', 'created_at', 'updated_at', 'task', 'model',
  'budget_tokens', 'budget_dollars', 'budget_steps', 'budget_bytes',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'dollars', 'steps', 'bytes',
  'capabilities', 'context_tokens', 'context_high', 'context_low', 'result',
] as const;

/** A raw agents row, in `AGENT_COLUMNS` order. */
export type AgentDbRow = [
  pid: number, name: string, role: string, priority: number, state: AgentState, waitReason: WaitReason | null,
  reason: string | null, parent: number | null, createdAt: number, updatedAt: number, task: string, model: string,
  budgetTokens: number | null, budgetDollars: number | null, budgetSteps: number | null, budgetBytes: number | null,
  inputTokens: number, outputTokens: number, cacheReadTokens: number, cacheWriteTokens: number, dollars: number, steps: number, bytes: number,
  capabilities: string, contextTokens: number, contextHigh: number, contextLow: number, result: string | null,
];

/** The parameters of the agent upsert, in `AGENT_COLUMNS` order. */
export function agentParams(a: AgentRecord): AgentDbRow {
  const b = a.budgets;
  const u = a.usage;
  const c = a.context;
  return [
    a.pid, a.name, a.role, a.priority, a.state, a.waitReason, a.reason, a.parent, a.createdAt, a.updatedAt, a.task, a.model,
    finiteOrNull(b.tokens), finiteOrNull(b.dollars), finiteOrNull(b.steps), finiteOrNull(b.bytes),
    u.inputTokens, u.outputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.dollars, u.steps, u.bytes,
    JSON.stringify(a.capabilities), c.tokens, c.high, c.low, a.result,
  ];
}

/** The record of a raw agents row; NULL budgets come back as Infinity. */
export function agentFromRow(row: AgentDbRow): AgentRecord {
  const [
    pid, name, role, priority, state, waitReason, reason, parent, createdAt, updatedAt, task, model,
    budgetTokens, budgetDollars, budgetSteps, budgetBytes,
    inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, dollars, steps, bytes,
    capabilities, contextTokens, contextHigh, contextLow, result,
  ] = row;
  return {
    pid, name, role, priority, state, waitReason, reason, parent, createdAt, updatedAt, task, model,
    budgets: { tokens: budgetTokens ?? Infinity, dollars: budgetDollars ?? Infinity, steps: budgetSteps ?? Infinity, bytes: budgetBytes ?? Infinity },
    usage: { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, dollars, steps, bytes },
    capabilities: JSON.parse(capabilities) as Capability[],
    context: { tokens: contextTokens, high: contextHigh, low: contextLow },
    result,
  };
}

/** Unlimited is NULL: plain to query (`budget_dollars IS NULL`), and JSON exports cannot hold Infinity. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** A pages row as selected by `PAGE_COLUMNS`: booleans are 0/1. */
export type PageDbRow = Omit<PageRow, 'pinned' | 'resident'> & { pinned: number; resident: number };

/** The SELECT list that yields a `PageDbRow`. */
export const PAGE_COLUMNS = `id, pid, seq, kind, content, text, tokens, importance, pinned, resident,
  last_access AS lastAccess, created_at AS createdAt`;

/** The parameters of the page upsert, in the order of `PAGE_COLUMNS`. */
export type PageParams = [
  id: number, pid: number, seq: number, kind: string, content: string, text: string, tokens: number, importance: number,
  pinned: number, resident: number, lastAccess: number, createdAt: number,
];

/** The upsert parameters of a page. */
export function pageParams(p: PageRow): PageParams {
  return [p.id, p.pid, p.seq, p.kind, p.content, p.text, p.tokens, p.importance, p.pinned ? 1 : 0, p.resident ? 1 : 0, p.lastAccess, p.createdAt];
}

/** The record of a pages row. */
export function pageFromRow(r: PageDbRow): PageRow {
  return { ...r, pinned: r.pinned === 1, resident: r.resident === 1 };
}

/** An audit row: `detail` is JSON text. */
export type AuditDbRow = Omit<AuditEntry, 'detail'> & { detail: string };

/** The entry of an audit row. */
export function auditFromRow(r: AuditDbRow): AuditEntry {
  return { ...r, detail: JSON.parse(r.detail) as Record<string, unknown> };
}
