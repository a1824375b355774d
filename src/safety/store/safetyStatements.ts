/** The safety tables' SQL (prepared once per connection) and row mapping, for SafetyStore. */
import type Database from 'better-sqlite3';
import type { ConfigVersion, Proposal, ProposalStatus, TunableConfig } from '../config';
import type { WorkAggregate } from '../records';

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, number | string | null>;

const TASK_COLS = `task_id AS taskId, pid, agent, role, description, started_at AS startedAt, ended_at AS endedAt, outcome,
  budget_tokens AS budgetTokens, budget_dollars AS budgetDollars, budget_steps AS budgetSteps`;

/** A tool call that changed the workspace: a file write or edit that succeeded. */
const CHANGE_CALL = "(tool IN ('write_file', 'edit_file') AND is_error = 0 AND denied = 0)";
/** A sandbox diff the developer (or a rule) approved: it was applied to the workspace. */
const APPLIED_DIFF = "tool = 'apply_changes' AND decision = 'allow'";

// One sequential pass per record table, keyed by task and by agent at once; summing in JS beats
// GROUP BY over an index that does not cover the summed columns (each group looks its rows up).
export const SCANS = {
  steps: `SELECT task_id, pid, input_tokens + output_tokens + cache_read_tokens + cache_write_tokens, input_tokens + cache_read_tokens + cache_write_tokens,
    cache_read_tokens, dollars, duration_ms FROM safety_steps`,
  tools: `SELECT task_id, pid, is_error = 1 AND denied = 0, ${CHANGE_CALL} FROM safety_tool_calls`,
  applied: `SELECT task_id, pid FROM safety_approvals WHERE ${APPLIED_DIFF}`,
  denied: "SELECT task_id, pid FROM safety_approvals WHERE decision = 'deny'",
  errors: "SELECT task_id, pid, kind FROM safety_errors WHERE kind IN ('kernel', 'malformed', 'loop')",
  waits: "SELECT task_id, pid, value FROM safety_scheduler WHERE kind = 'dispatch'",
};

export function emptyAggregate(): WorkAggregate {
  return { steps: 0, tokens: 0, inputTokens: 0, cacheReadTokens: 0, dollars: 0, runMs: 0, toolCalls: 0, toolErrors: 0, denied: 0, changes: 0, kernelErrors: 0, malformed: 0, loops: 0, waits: [] };
}

export function num(v: number | string | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

export function configFromRow(r: Row): ConfigVersion {
  return {
    version: num(r.version), at: num(r.at), parent: r.parent === null ? null : num(r.parent), proposalId: r.proposalId === null ? null : String(r.proposalId),
    config: JSON.parse(String(r.config)) as TunableConfig, status: r.status as ConfigVersion['status'],
    healthBefore: r.healthBefore === null ? null : num(r.healthBefore), endedAt: r.endedAt === null ? null : num(r.endedAt), reason: r.reason === null ? null : String(r.reason),
  };
}

export function proposalFromRow(r: Row): Proposal {
  return {
    id: String(r.id), at: num(r.at), key: String(r.key), kind: r.kind as Proposal['kind'], summary: String(r.summary), rationale: String(r.rationale),
    change: JSON.parse(String(r.change)) as Proposal['change'], evidence: JSON.parse(String(r.evidence)) as Proposal['evidence'],
    status: r.status as ProposalStatus, decidedAt: r.decidedAt === null ? null : num(r.decidedAt), decidedBy: r.decidedBy === null ? null : String(r.decidedBy),
    version: r.version === null ? null : num(r.version),
  };
}

/** Every statement of the safety tables, prepared once per connection. */
export function prepare(db: Database.Database) {
  return {
    getMeta: db.prepare<[string], string>('SELECT value FROM safety_meta WHERE key = ?').pluck(),
    putMeta: db.prepare<[string, string]>('INSERT INTO safety_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    eventsAfter: db.prepare<[number, number], [number, number, string]>('SELECT seq, at, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?').raw(true),
    lastEvent: db.prepare<[], { seq: number; at: number }>('SELECT seq, at FROM events ORDER BY seq DESC LIMIT 1'),
    currentTask: db.prepare<[number], string>('SELECT task_id FROM safety_tasks WHERE pid = ? ORDER BY started_at DESC, task_id DESC LIMIT 1').pluck(),
    putTask: db.prepare(`INSERT INTO safety_tasks (task_id, pid, agent, role, description, started_at, ended_at, outcome, budget_tokens, budget_dollars, budget_steps)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (task_id) DO UPDATE SET pid = excluded.pid, agent = excluded.agent, role = excluded.role, description = excluded.description,
        started_at = excluded.started_at, ended_at = excluded.ended_at, outcome = excluded.outcome, budget_tokens = excluded.budget_tokens,
        budget_dollars = excluded.budget_dollars, budget_steps = excluded.budget_steps`),
    getTask: db.prepare<[string]>(`SELECT ${TASK_COLS} FROM safety_tasks WHERE task_id = ?`),
    taskSteps: db.prepare<[string]>(`SELECT count(*) AS steps, sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens) AS tokens,
      sum(input_tokens + cache_read_tokens + cache_write_tokens) AS inputTokens, sum(cache_read_tokens) AS cacheReadTokens, sum(dollars) AS dollars,
      sum(duration_ms) AS runMs FROM safety_steps WHERE task_id = ?`),
    taskTools: db.prepare<[string]>(`SELECT count(*) AS toolCalls, sum(is_error = 1 AND denied = 0) AS toolErrors, sum(${CHANGE_CALL}) AS changes FROM safety_tool_calls WHERE task_id = ?`),
    taskApplied: db.prepare<[string], number>(`SELECT count(*) FROM safety_approvals WHERE task_id = ? AND ${APPLIED_DIFF}`).pluck(),
    taskDenied: db.prepare<[string], number>("SELECT count(*) FROM safety_approvals WHERE task_id = ? AND decision = 'deny'").pluck(),
    taskErrors: db.prepare<[string]>(`SELECT sum(kind = 'kernel') AS kernelErrors, sum(kind = 'malformed') AS malformed, sum(kind = 'loop') AS loops
      FROM safety_errors WHERE task_id = ?`),
    taskWaits: db.prepare<[string], number>("SELECT value FROM safety_scheduler WHERE task_id = ? AND kind = 'dispatch'").pluck(),
    allTasks: db.prepare<[]>(`SELECT ${TASK_COLS} FROM safety_tasks`).raw(true),
    addStep: db.prepare('INSERT OR IGNORE INTO safety_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    addToolCall: db.prepare('INSERT OR IGNORE INTO safety_tool_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    // The latest open call with this id: scripted call ids repeat between turns of different agents.
    endToolCall: db.prepare(`UPDATE safety_tool_calls SET ended_at = ?, duration_ms = ?, is_error = ?, denied = ?
      WHERE seq = (SELECT seq FROM safety_tool_calls WHERE pid = ? AND call_id = ? AND is_error IS NULL ORDER BY seq DESC LIMIT 1)`),
    addApproval: db.prepare('INSERT OR IGNORE INTO safety_approvals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    decideApproval: db.prepare(`UPDATE safety_approvals SET decided_at = ?, decision = ?, actor = ?, rule = ?
      WHERE seq = (SELECT seq FROM safety_approvals WHERE pid = ? AND request_id = ? AND decision IS NULL ORDER BY seq DESC LIMIT 1)`),
    addError: db.prepare('INSERT OR IGNORE INTO safety_errors VALUES (?, ?, ?, ?, ?, ?, ?)'),
    addScheduler: db.prepare('INSERT OR IGNORE INTO safety_scheduler VALUES (?, ?, ?, ?, ?, ?)'),
    addState: db.prepare('INSERT OR IGNORE INTO safety_states VALUES (?, ?, ?, ?, ?, ?)'),
    addPaging: db.prepare('INSERT OR IGNORE INTO safety_paging VALUES (?, ?, ?, ?, ?)'),
    addSandbox: db.prepare('INSERT OR IGNORE INTO safety_sandbox VALUES (?, ?, ?, ?, ?, ?, ?)'),

    windowCounts: db.prepare<[number, number]>(`WITH w(f, t) AS (SELECT ?, ?) SELECT
      (SELECT count(*) FROM safety_steps, w WHERE at BETWEEN f AND t) AS steps,
      (SELECT count(*) FROM safety_tool_calls, w WHERE at BETWEEN f AND t) AS toolCalls,
      (SELECT count(*) FROM safety_tool_calls, w WHERE at BETWEEN f AND t AND is_error = 1 AND denied = 0) AS toolErrors,
      (SELECT count(*) FROM safety_errors, w WHERE at BETWEEN f AND t AND kind = 'kernel') AS kernelErrors,
      (SELECT count(*) FROM safety_errors, w WHERE at BETWEEN f AND t AND kind = 'malformed') AS malformed,
      (SELECT count(*) FROM safety_sandbox, w WHERE at BETWEEN f AND t) AS sandboxRuns,
      (SELECT count(*) FROM safety_sandbox, w WHERE at BETWEEN f AND t AND killed IN ('oom', 'timeout', 'error')) AS sandboxFailures,
      (SELECT count(*) FROM safety_reactor_firings, w WHERE at BETWEEN f AND t AND playbook = 'host_crash.restore') AS crashes,
      (SELECT min(m) FROM (SELECT min(at) AS m FROM safety_steps, w WHERE at BETWEEN f AND t
        UNION ALL SELECT min(at) FROM safety_states, w WHERE at BETWEEN f AND t
        UNION ALL SELECT min(at) FROM safety_scheduler, w WHERE at BETWEEN f AND t)) AS firstAt`),
    waitsIn: db.prepare<[number, number], number>(`SELECT value FROM safety_scheduler WHERE kind = 'dispatch' AND at BETWEEN ? AND ?`).pluck(),
    pausesIn: db.prepare<[number, number]>(`SELECT at, value FROM safety_scheduler WHERE kind = 'rate_limited' AND at <= ? AND value >= ? ORDER BY at`),
    storageIn: db.prepare<[number, number], number>('SELECT storage_ms FROM safety_health WHERE at BETWEEN ? AND ?').pluck(),
    pagingByRole: db.prepare<[]>(`SELECT a.role AS role, count(DISTINCT a.pid) AS agents,
        coalesce(sum(p.kind = 'fault'), 0) AS faults, coalesce(sum(p.kind = 'evict'), 0) AS evictions, max(a.context_tokens) AS contextTokens
      FROM agents a LEFT JOIN safety_paging p ON p.pid = a.pid GROUP BY a.role`),
    putApprovalTarget: db.prepare('INSERT OR REPLACE INTO safety_approval_targets (pid, request_id, tool, risk, target) VALUES (?, ?, ?, ?, ?)'),
    developerApprovals: db.prepare<[]>(`SELECT t.tool AS tool, t.risk AS risk, t.target AS target,
        sum(a.decision = 'allow') AS allowed, sum(a.decision = 'deny') AS denied
      FROM safety_approval_targets t JOIN safety_approvals a ON a.pid = t.pid AND a.request_id = t.request_id
      WHERE a.actor IN ('developer', 'timeout') GROUP BY t.tool, t.risk, t.target`),
    schedulerSince: db.prepare<[number]>(`SELECT sum(kind = 'dispatch') AS dispatches, avg(CASE WHEN kind = 'dispatch' THEN value END) AS meanWait,
      sum(kind = 'preempt') AS preempts FROM safety_scheduler WHERE at >= ?`),

    addHealth: db.prepare('INSERT INTO safety_health (at, score, storage_ms, components) VALUES (?, ?, ?, ?)'),
    healthIn: db.prepare<[number, number, number]>('SELECT at, score, storage_ms AS storageMs, components FROM safety_health WHERE at BETWEEN ? AND ? ORDER BY at DESC LIMIT ?'),
    addEvaluation: db.prepare('INSERT INTO safety_evaluations (at, subject, subject_id, score, grade, components) VALUES (?, ?, ?, ?, ?, ?)'),
    latestEvaluation: db.prepare<[string, string]>('SELECT at, score, grade FROM safety_evaluations WHERE subject = ? AND subject_id = ? ORDER BY id DESC LIMIT 1'),

    addFiring: db.prepare('INSERT INTO safety_reactor_firings (at, playbook, pid, action, outcome, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    firings: db.prepare<[number]>('SELECT id, at, playbook, pid, action, outcome, message, detail FROM safety_reactor_firings ORDER BY id DESC LIMIT ?'),

    activeConfig: db.prepare<[]>(`SELECT version, at, parent, proposal_id AS proposalId, config, status, health_before AS healthBefore, ended_at AS endedAt, reason
      FROM safety_config_versions WHERE status = 'active' ORDER BY version DESC LIMIT 1`),
    configVersion: db.prepare<[number]>(`SELECT version, at, parent, proposal_id AS proposalId, config, status, health_before AS healthBefore, ended_at AS endedAt, reason
      FROM safety_config_versions WHERE version = ?`),
    configVersions: db.prepare<[]>(`SELECT version, at, parent, proposal_id AS proposalId, config, status, health_before AS healthBefore, ended_at AS endedAt, reason
      FROM safety_config_versions ORDER BY version`),
    maxVersion: db.prepare<[], number>('SELECT max(version) FROM safety_config_versions').pluck(),
    endConfig: db.prepare('UPDATE safety_config_versions SET status = ?, ended_at = ?, reason = ? WHERE version = ?'),
    addConfig: db.prepare(`INSERT INTO safety_config_versions (version, at, parent, proposal_id, config, status, health_before) VALUES (?, ?, ?, ?, ?, 'active', ?)`),
    putProposal: db.prepare(`INSERT INTO safety_proposals (id, at, key, kind, summary, rationale, change, evidence, status, decided_at, decided_by, version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at, decided_by = excluded.decided_by, version = excluded.version,
        summary = excluded.summary, rationale = excluded.rationale, evidence = excluded.evidence`),
    getProposal: db.prepare<[string]>(`SELECT id, at, key, kind, summary, rationale, change, evidence, status, decided_at AS decidedAt, decided_by AS decidedBy, version
      FROM safety_proposals WHERE id = ?`),
    proposals: db.prepare<[number]>(`SELECT id, at, key, kind, summary, rationale, change, evidence, status, decided_at AS decidedAt, decided_by AS decidedBy, version
      FROM safety_proposals ORDER BY at DESC, id LIMIT ?`),
    putGate: db.prepare(`INSERT INTO safety_gate_results (proposal_id, level, at, passed, detail) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (proposal_id, level) DO UPDATE SET at = excluded.at, passed = excluded.passed, detail = excluded.detail`),
    gates: db.prepare<[string]>('SELECT level, at, passed, detail FROM safety_gate_results WHERE proposal_id = ? ORDER BY level'),
    putEvalTask: db.prepare('INSERT INTO safety_eval_tasks (name, at, body) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at, body = excluded.body'),
    evalTasks: db.prepare<[]>('SELECT name, at, body FROM safety_eval_tasks ORDER BY at, name'),
    trimEvalTasks: db.prepare<[number]>('DELETE FROM safety_eval_tasks WHERE name NOT IN (SELECT name FROM safety_eval_tasks ORDER BY at DESC, name LIMIT ?)'),

    usageSince: db.prepare<[number]>(`SELECT at, pid, input_tokens + output_tokens + cache_read_tokens + cache_write_tokens AS tokens, dollars
      FROM safety_steps WHERE at >= ? ORDER BY seq`),
    statesBefore: db.prepare<[number]>(`SELECT seq, at, pid, from_state AS "from", to_state AS "to", wait_reason AS waitReason FROM safety_states
      WHERE seq IN (SELECT max(seq) FROM safety_states WHERE at < ? GROUP BY pid)`),
    statesBetween: db.prepare<[number, number]>(`SELECT seq, at, pid, from_state AS "from", to_state AS "to", wait_reason AS waitReason FROM safety_states
      WHERE at BETWEEN ? AND ? ORDER BY seq`),
    approvalCounts: db.prepare<[]>(`SELECT coalesce(actor, 'pending') AS actor, coalesce(decision, 'pending') AS decision, count(*) AS count
      FROM safety_approvals GROUP BY actor, decision ORDER BY actor, decision`),
    recentApprovals: db.prepare<[number]>(`SELECT seq, at, pid, task_id AS taskId, request_id AS requestId, tool, risk, summary, decided_at AS decidedAt, decision, actor, rule
      FROM safety_approvals WHERE request_id <> '-' ORDER BY seq DESC LIMIT ?`),
    cacheTotals: db.prepare<[]>(`SELECT sum(input_tokens + cache_read_tokens + cache_write_tokens) AS inputTokens, sum(cache_read_tokens) AS cacheReadTokens, sum(scripted) AS scriptedSteps FROM safety_steps`),
  };
}
