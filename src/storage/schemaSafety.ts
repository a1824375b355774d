/**
 * Migration step 3: safety layer tables (docs/safety.md). Owned by the safety work; edit until
 * first release.
 *
 * The collector's records are projections of the event log: each row carries the `seq` of the
 * event it came from, so replaying the log after a crash is idempotent (INSERT OR IGNORE).
 * No foreign keys: records may name agents and tasks whose rows come later or never.
 */
export const SAFETY_SCHEMA = `
  -- How far the collector has read the event log.
  CREATE TABLE safety_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Collector record 1/5: a task, from its start to its outcome. Budgets: NULL = unlimited.
  CREATE TABLE safety_tasks (
    task_id TEXT PRIMARY KEY,
    pid INTEGER,
    agent TEXT NOT NULL,
    role TEXT NOT NULL,
    description TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT NOT NULL,
    budget_tokens REAL,
    budget_dollars REAL,
    budget_steps REAL
  ) WITHOUT ROWID;
  CREATE INDEX safety_tasks_pid ON safety_tasks(pid, started_at);
  CREATE INDEX safety_tasks_started ON safety_tasks(started_at);

  -- Collector record 2/5: one model call.
  CREATE TABLE safety_steps (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    task_id TEXT,
    step INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    dollars REAL NOT NULL,
    duration_ms INTEGER NOT NULL,
    scripted INTEGER NOT NULL
  );
  CREATE INDEX safety_steps_task ON safety_steps(task_id);
  CREATE INDEX safety_steps_at ON safety_steps(at);

  -- Collector record 3/5: one tool call; is_error is NULL until the result arrives.
  -- denied = 1: the policy or the developer said no, so the error result is not a failure of the tool.
  CREATE TABLE safety_tool_calls (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    task_id TEXT,
    call_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    risk TEXT NOT NULL,
    ended_at INTEGER,
    duration_ms INTEGER,
    is_error INTEGER,
    denied INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX safety_tool_calls_task ON safety_tool_calls(task_id);
  CREATE INDEX safety_tool_calls_open ON safety_tool_calls(pid, call_id);
  CREATE INDEX safety_tool_calls_at ON safety_tool_calls(at);

  -- Collector record 4/5: one approval decision (request_id '-' for the policy's own).
  CREATE TABLE safety_approvals (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    task_id TEXT,
    request_id TEXT NOT NULL,
    tool TEXT,
    risk TEXT,
    summary TEXT,
    decided_at INTEGER,
    decision TEXT,
    actor TEXT,
    rule TEXT
  );
  CREATE INDEX safety_approvals_task ON safety_approvals(task_id);
  CREATE INDEX safety_approvals_request ON safety_approvals(pid, request_id);
  CREATE INDEX safety_approvals_at ON safety_approvals(at);

  -- What a developer-answered request acted on (JSON RuleTarget), from the approval client;
  -- the improvement loop proposes rules for targets approved many times.
  CREATE TABLE safety_approval_targets (
    pid INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    risk TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (pid, request_id)
  ) WITHOUT ROWID;

  -- Collector record 5/5: something that went wrong. kind: kernel | malformed | tool | loop | budget | sandbox
  CREATE TABLE safety_errors (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER,
    task_id TEXT,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX safety_errors_task ON safety_errors(task_id);
  CREATE INDEX safety_errors_at ON safety_errors(at);

  -- What the health figures and the timeline need besides the five records.
  -- kind: dispatch (value = ms waited) | preempt | rate_limited (value = paused until, ms since epoch)
  CREATE TABLE safety_scheduler (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER,
    task_id TEXT,
    kind TEXT NOT NULL,
    value INTEGER NOT NULL
  );
  CREATE INDEX safety_scheduler_task ON safety_scheduler(task_id);
  CREATE INDEX safety_scheduler_at ON safety_scheduler(kind, at);

  CREATE TABLE safety_states (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    wait_reason TEXT
  );
  CREATE INDEX safety_states_at ON safety_states(at);

  -- kind: fault (a page recalled after eviction) | evict
  CREATE TABLE safety_paging (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    kind TEXT NOT NULL,
    tokens INTEGER NOT NULL
  );
  CREATE INDEX safety_paging_pid ON safety_paging(pid);

  -- killed: NULL | timeout | oom | aborted | error
  CREATE TABLE safety_sandbox (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    exit_code INTEGER,
    killed TEXT,
    duration_ms INTEGER NOT NULL,
    memory_bytes INTEGER
  );
  CREATE INDEX safety_sandbox_at ON safety_sandbox(at);

  -- Heartbeat samples: the health score, its components (JSON) and the storage probe.
  CREATE TABLE safety_health (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    score REAL NOT NULL,
    storage_ms REAL NOT NULL,
    components TEXT NOT NULL
  );
  CREATE INDEX safety_health_at ON safety_health(at);

  -- Final scores of finished tasks, written when the task ends. subject: task | agent
  CREATE TABLE safety_evaluations (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    subject TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    score REAL NOT NULL,
    grade TEXT NOT NULL,
    components TEXT NOT NULL
  );
  CREATE INDEX safety_evaluations_subject ON safety_evaluations(subject, subject_id);

  CREATE TABLE safety_reactor_firings (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    playbook TEXT NOT NULL,
    pid INTEGER,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX safety_reactor_firings_at ON safety_reactor_firings(at);

  -- Every configuration the improvement loop ever made active. status: active | superseded | rolled_back
  CREATE TABLE safety_config_versions (
    version INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    parent INTEGER,
    proposal_id TEXT,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    health_before REAL,
    ended_at INTEGER,
    reason TEXT
  );

  -- key: what the proposal changes (one open proposal per key).
  CREATE TABLE safety_proposals (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    rationale TEXT NOT NULL,
    change TEXT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_at INTEGER,
    decided_by TEXT,
    version INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX safety_proposals_key ON safety_proposals(key, status);

  CREATE TABLE safety_gate_results (
    proposal_id TEXT NOT NULL,
    level TEXT NOT NULL,
    at INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (proposal_id, level)
  ) WITHOUT ROWID;

  -- The recorded evaluation tasks L1 replays (JSON: task, role, script, files).
  CREATE TABLE safety_eval_tasks (
    name TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    body TEXT NOT NULL
  ) WITHOUT ROWID;
`;
