/** Schema step 4: one kernel per database, a tamper-evident audit trail, reads that survive a restart (issue 11). */
export const ROBUSTNESS_SCHEMA = `
  -- At most one row: the kernel that owns this database. Claimed in one IMMEDIATE transaction,
  -- kept fresh by a heartbeat, deleted on a clean stop (kernelLock.ts).
  CREATE TABLE kernel_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    process_id INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  );

  -- Each audit entry's SHA-256 over its content and the previous entry's hash (auditChain.ts).
  -- Entries written before this step have no hash; the chain starts after them.
  ALTER TABLE audit ADD COLUMN prev_hash TEXT;
  ALTER TABLE audit ADD COLUMN hash TEXT;

  -- Which file versions each live agent has read (tools/readLedger.ts), so an agent restored after
  -- a crash can still edit a file it read before it.
  CREATE TABLE read_ledger (
    pid INTEGER NOT NULL,
    path TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (pid, path)
  ) WITHOUT ROWID;

  -- The chain's head, so deleting the newest entries is noticed too.
  CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    count INTEGER NOT NULL
  );
`;
