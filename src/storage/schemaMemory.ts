/**
 * Migration step 2: agents' long-term memories (searched with FTS5, ranked by BM25) and the
 * router's decisions (for the improvement loop). Plans need no table: their state is in the
 * `plan.*` events (see kernel/plannerView.ts).
 */
export const MEMORY_SCHEMA = `
  -- One fact or value an agent remembers. owner is the agent's pid, or NULL for a memory shared
  -- by every agent of the scope (the workspace). No foreign key on owner: memories outlive
  -- nothing, but an agent row must not be needed to store a shared one.
  -- terms is the searchable form (stemmed words, Chinese character bigrams, tags), made by the
  -- same tokenizer as the query, so Chinese is found without a segmenting tokenizer. Each term
  -- carries its scope and owner (word_m<scope>o<pid>, word_m<scope>sh for shared; see
  -- memoryStore.ts): the index is partitioned by owner, so a search reads only the posting
  -- lists of the searching agent and of the shared memories, never anyone else's.
  CREATE TABLE memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    owner INTEGER,
    key TEXT,
    text TEXT NOT NULL,
    value TEXT,
    tags TEXT NOT NULL,
    terms TEXT NOT NULL,
    digest TEXT NOT NULL, -- hash of text: finds the same fact again without indexing the text
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- store(key, …) replaces the value under the same key of the same owner.
  CREATE UNIQUE INDEX memories_key ON memories(scope, ifnull(owner, 0), key) WHERE key IS NOT NULL;
  CREATE INDEX memories_owner ON memories(scope, owner, digest);

  -- External-content index; unicode61 without stemming (terms are stemmed already), with '_'
  -- kept inside tokens so word_owner stays one token.
  CREATE VIRTUAL TABLE memories_fts USING fts5(
    terms, content = 'memories', content_rowid = 'id', tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
  );
  CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts(rowid, terms) VALUES (new.id, new.terms);
  END;
  CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
  END;
  CREATE TRIGGER memories_fts_update AFTER UPDATE OF terms ON memories WHEN old.terms IS NOT new.terms BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
    INSERT INTO memories_fts(rowid, terms) VALUES (new.id, new.terms);
  END;

  -- Every routing decision, and what became of the agent that got the task.
  CREATE TABLE routing_decisions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    task TEXT NOT NULL,
    role TEXT NOT NULL,
    tier TEXT NOT NULL,
    confidence REAL NOT NULL,
    reason TEXT NOT NULL,
    candidates TEXT NOT NULL, -- JSON [{role, score}]
    source TEXT NOT NULL,
    pid INTEGER,
    outcome TEXT,
    outcome_at INTEGER
  );
  CREATE INDEX routing_decisions_pid ON routing_decisions(pid) WHERE pid IS NOT NULL;
  CREATE INDEX routing_decisions_role ON routing_decisions(role, tier);
`;
