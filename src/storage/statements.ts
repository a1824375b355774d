/**
 * Every SQL statement of the store, prepared once per connection. Most select columns under
 * the record's field names; agents come back as raw arrays (see rows.ts).
 */
import type Database from 'better-sqlite3';
import type { StandingRule } from '../kernel/ports/policy';
import type { PageHit, SnapshotRow } from '../kernel/ports/store';
import type { TaskRecord } from '../kernel/types';
import { EventQueries } from './eventQueries';
import { AGENT_COLUMNS, PAGE_COLUMNS, type AgentDbRow, type AuditDbRow, type PageDbRow, type PageParams } from './rows';

type Db = Database.Database;

const TASK_COLUMNS = 'id, pid, description, status, created_at AS createdAt, updated_at AS updatedAt, result';
const RULE_COLUMNS = 'id, tool, pattern, scope, pid, session, expires_at AS expiresAt, created_at AS createdAt';

/** Prepares every statement; called once, after migrations. */
export function prepareStatements(db: Db) {
  return {
    putAgent: db.prepare<[AgentDbRow]>(`INSERT INTO agents (${AGENT_COLUMNS.join(', ')})
      VALUES (${AGENT_COLUMNS.map(() => '?').join(', ')})
      ON CONFLICT (pid) DO UPDATE SET ${AGENT_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`),
    getAgent: db.prepare<[number], AgentDbRow>(`SELECT ${AGENT_COLUMNS.join(', ')} FROM agents WHERE pid = ?`).raw(true),
    listAgents: db.prepare<[], AgentDbRow>(`SELECT ${AGENT_COLUMNS.join(', ')} FROM agents ORDER BY pid`).raw(true),
    // An event may name a pid whose agent row was never written (a crash between the two):
    // counting it keeps pids from being reused.
    maxPid: db
      .prepare<[], number>('SELECT max((SELECT coalesce(max(pid), 0) FROM agents), (SELECT coalesce(max(pid), 0) FROM events))')
      .pluck(),

    appendEvent: db.prepare<[number, string, number | null, string]>('INSERT INTO events (at, type, pid, payload) VALUES (?, ?, ?, ?)'),
    queryEvents: new EventQueries(db),

    putPage: db.prepare<[PageParams]>(`INSERT INTO pages (id, pid, seq, kind, content, text, tokens, importance, pinned, resident, last_access, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, seq = excluded.seq, kind = excluded.kind, content = excluded.content,
        text = excluded.text, tokens = excluded.tokens, importance = excluded.importance, pinned = excluded.pinned,
        resident = excluded.resident, last_access = excluded.last_access, created_at = excluded.created_at`),
    getPage: db.prepare<[number], PageDbRow>(`SELECT ${PAGE_COLUMNS} FROM pages WHERE id = ?`),
    listPages: db.prepare<[number], PageDbRow>(`SELECT ${PAGE_COLUMNS} FROM pages WHERE pid = ? ORDER BY seq, id`),
    searchPages: db.prepare<[{ match: string; pid: number | null; limit: number }], PageHit>(`
      SELECT p.id AS id, p.pid AS pid, p.kind AS kind,
        snippet(pages_fts, 0, '**', '**', '…', 16) AS snippet, bm25(pages_fts) AS rank
      FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid
      WHERE pages_fts MATCH $match AND p.resident = 0 AND ($pid IS NULL OR p.pid = $pid)
      ORDER BY bm25(pages_fts), p.id
      LIMIT $limit`),
    deletePages: db.prepare<[number]>('DELETE FROM pages WHERE pid = ?'),
    maxPageId: db.prepare<[], number>("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'pages'), 0)").pluck(),

    putSnapshot: db.prepare<[number, string, number, string]>(`INSERT INTO snapshots (pid, name, at, data) VALUES (?, ?, ?, ?)
      ON CONFLICT (pid, name) DO UPDATE SET at = excluded.at, data = excluded.data`),
    getSnapshot: db.prepare<[number, string], SnapshotRow>('SELECT pid, name, at, data FROM snapshots WHERE pid = ? AND name = ?'),

    putCheckpoint: db.prepare<[number, number, number, string]>(`INSERT INTO checkpoints (pid, step, at, data) VALUES (?, ?, ?, ?)
      ON CONFLICT (pid, step) DO UPDATE SET at = excluded.at, data = excluded.data`),
    latestCheckpoint: db.prepare<[number], { step: number; at: number; data: string }>(
      'SELECT step, at, data FROM checkpoints WHERE pid = ? ORDER BY step DESC LIMIT 1',
    ),

    putTask: db.prepare<[string, number | null, string, string, number, number, string | null]>(`INSERT INTO tasks
        (id, pid, description, status, created_at, updated_at, result) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, description = excluded.description, status = excluded.status,
        created_at = excluded.created_at, updated_at = excluded.updated_at, result = excluded.result`),
    getTask: db.prepare<[string], TaskRecord>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`),
    listTasks: db.prepare<[], TaskRecord>(`SELECT ${TASK_COLUMNS} FROM tasks ORDER BY created_at, id`),
    listTasksByStatus: db.prepare<[string], TaskRecord>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE status = ? ORDER BY created_at, id`),

    putRule: db.prepare<[string, string, string | null, string, number | null, string | null, number | null, number]>(`INSERT INTO rules
        (id, tool, pattern, scope, pid, session, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET tool = excluded.tool, pattern = excluded.pattern, scope = excluded.scope, pid = excluded.pid,
        session = excluded.session, expires_at = excluded.expires_at, created_at = excluded.created_at`),
    deleteRule: db.prepare<[string]>('DELETE FROM rules WHERE id = ?'),
    listRules: db.prepare<[], StandingRule>(`SELECT ${RULE_COLUMNS} FROM rules ORDER BY created_at, id`),

    queryAudit: db.prepare<[number], AuditDbRow>('SELECT at, pid, action, actor, subject, detail FROM audit ORDER BY seq DESC LIMIT ?'),
  };
}

/** The prepared statements of one store. */
export type Statements = ReturnType<typeof prepareStatements>;
