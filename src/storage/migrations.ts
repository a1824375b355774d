/**
 * Schema migrations, keyed on `PRAGMA user_version`: step i (0-based) takes the database from
 * version i to i + 1. Append new steps; never edit a released one.
 */
import type Database from 'better-sqlite3';
import { MEMORY_SCHEMA } from './schemaMemory';
import { ROBUSTNESS_SCHEMA } from './schemaRobustness';
import { SAFETY_SCHEMA } from './schemaSafety';

/** Ordered SQL steps; the database's user_version is how many have been applied. */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  -- Agents are never deleted, so pid is also the process-table high-water mark.
  -- Budgets and usage are plain columns (NULL budget = unlimited) so views can sum them in SQL.
  -- parent has no foreign key: a child must be storable whatever order a restore writes in.
  CREATE TABLE agents (
    pid INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    wait_reason TEXT,
    reason TEXT,
    parent INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    budget_tokens REAL,
    budget_dollars REAL,
    budget_steps REAL,
    budget_bytes REAL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    dollars REAL NOT NULL,
    steps INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    capabilities TEXT NOT NULL, -- JSON array
    context_tokens INTEGER NOT NULL,
    context_high REAL NOT NULL,
    context_low REAL NOT NULL,
    result TEXT
  );

  -- AUTOINCREMENT keeps the highest id ever inserted in sqlite_sequence, so ids of deleted
  -- pages are never handed out again (they appear in events).
  CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pid INTEGER NOT NULL REFERENCES agents(pid) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    importance REAL NOT NULL,
    pinned INTEGER NOT NULL,
    resident INTEGER NOT NULL,
    last_access INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX pages_pid_seq ON pages(pid, seq);

  -- External-content index: the text lives once, in pages. Porter stemming so "tests" finds "test".
  CREATE VIRTUAL TABLE pages_fts USING fts5(
    text, content = 'pages', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER pages_fts_insert AFTER INSERT ON pages BEGIN
    INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER pages_fts_delete AFTER DELETE ON pages BEGIN
    INSERT INTO pages_fts(pages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  -- Only a changed text is re-indexed; flipping resident or touching last_access is not.
  CREATE TRIGGER pages_fts_update AFTER UPDATE OF text ON pages WHEN old.text IS NOT new.text BEGIN
    INSERT INTO pages_fts(pages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text);
  END;

  -- Append-only. No foreign key on pid: an event may be written before its agent's row.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    pid INTEGER,
    payload TEXT NOT NULL
  );
  CREATE INDEX events_type_seq ON events(type, seq);
  CREATE INDEX events_pid_seq ON events(pid, seq);

  -- A task may name an agent that is spawned after it, so pid has no foreign key.
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    pid INTEGER,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    result TEXT
  ) WITHOUT ROWID;
  CREATE INDEX tasks_status_created ON tasks(status, created_at);

  CREATE TABLE snapshots (
    pid INTEGER NOT NULL REFERENCES agents(pid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (pid, name)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    pid INTEGER NOT NULL REFERENCES agents(pid) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (pid, step)
  ) WITHOUT ROWID;

  -- A rule may outlive the agent it was made for (the audit trail refers to it), so no foreign key.
  CREATE TABLE rules (
    id TEXT PRIMARY KEY,
    tool TEXT NOT NULL,
    pattern TEXT,
    scope TEXT NOT NULL,
    pid INTEGER,
    session TEXT,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Append-only, like events.
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  `,
  // 2: agent memory (long-term memories with FTS5; routing decisions) — see schemaMemory.ts
  MEMORY_SCHEMA,
  // 3: safety layer (collector records, evaluations, configuration versions, proposals) — see schemaSafety.ts
  SAFETY_SCHEMA,
  // 4: the single-kernel lock and the audit hash chain — see schemaRobustness.ts
  ROBUSTNESS_SCHEMA,
];

/** The schema version this build writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Reads the schema version of an open database. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the steps the database has not seen yet, each in its own IMMEDIATE transaction
 * together with its user_version bump, so a failed step leaves the previous version intact.
 * The version is re-read under the write lock because another process may be migrating the
 * same file at the same moment.
 */
export function migrate(db: Database.Database, steps: readonly string[] = MIGRATIONS): void {
  for (let target = schemaVersion(db) + 1; target <= steps.length; target++) {
    db.transaction(() => {
      if (schemaVersion(db) >= target) return;
      db.exec(steps[target - 1]);
      db.pragma(`user_version = ${target}`);
    }).immediate();
  }
}
