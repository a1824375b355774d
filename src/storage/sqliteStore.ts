/**
 * The kernel's durable state in one SQLite file (better-sqlite3, WAL). Synchronous by design:
 * a step's state change, events and audit commit in one `transaction` or not at all.
 */
import type Database from 'better-sqlite3';
import { eventPid, type KernelEvent, type StoredEvent } from '../kernel/events';
import type { StandingRule } from '../kernel/ports/policy';
import type { AuditState, EventQuery, KernelStore, PageHit, PageRow, SnapshotRow } from '../kernel/ports/store';
import type { AgentRecord, AuditEntry, Pid, TaskRecord, TaskStatus } from '../kernel/types';
import { AuditAppender, verifyAudit } from './auditChain';
import { StorageError, toStorageError } from './errors';
import { allWords, anyWord, ftsWords } from './ftsQuery';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type OpenOptions } from './openDatabase';
import { agentFromRow, agentParams, auditFromRow, pageFromRow, pageParams } from './rows';
import { prepareStatements, type Statements } from './statements';

/** `KernelStore` on a SQLite file (or `:memory:`). */
export class SqliteStore implements KernelStore {
  /**
   * Opens (creating if needed), checks and migrates the database at `path`. Throws
   * SchemaTooNewError, CorruptDatabaseError (the file is left untouched), DatabaseLockedError
   * or StorageError, each naming the file and what to do.
   */
  static open(path: string, options: OpenOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(path, options), path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  }

  private readonly sql: Statements;
  private audit: AuditAppender | undefined;
  /**
   * BEGIN IMMEDIATE takes the write lock up front, so waiting for another writer happens there
   * (bounded by the busy timeout) and not half-way through the body. Read-only: plain BEGIN.
   */
  private readonly runInTransaction: (fn: () => unknown) => unknown;

  private constructor(
    private readonly db: Database.Database,
    /** the database file, as given to `open` */
    readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.sql = this.guard(() => prepareStatements(db));
    const tx = db.transaction((fn: () => unknown) => fn());
    this.runInTransaction = db.readonly ? (fn) => tx.deferred(fn) : (fn) => tx.immediate(fn);
  }

  /**
   * Runs `fn` in one transaction: everything it writes commits together, or nothing if it
   * throws. A nested call runs inside the outer transaction (no savepoint), so its writes
   * commit or roll back with the outer one.
   */
  /** The connection, for the storage modules that keep their own tables in this file (memory, safety). */
  get connection(): Database.Database {
    return this.db;
  }

  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.guard(() => this.runInTransaction(fn) as T);
  }

  putAgent(agent: AgentRecord): void {
    this.guard(() => this.sql.putAgent.run(agentParams(agent)));
  }

  getAgent(pid: Pid): AgentRecord | undefined {
    const row = this.guard(() => this.sql.getAgent.get(pid));
    return row && agentFromRow(row);
  }

  /** All agents, by pid. */
  listAgents(): AgentRecord[] {
    return this.guard(() => this.sql.listAgents.all()).map(agentFromRow);
  }

  maxPid(): number {
    return this.guard(() => this.sql.maxPid.get() ?? 0);
  }

  appendEvent(event: KernelEvent, at: number): number {
    return this.guard(() => Number(this.sql.appendEvent.run(at, event.type, eventPid(event), JSON.stringify(event)).lastInsertRowid));
  }

  queryEvents(query: EventQuery): StoredEvent[] {
    const rows = this.guard(() => this.sql.queryEvents.run(query));
    return rows.map((r) => ({ seq: r[0], at: r[1], event: JSON.parse(r[2]) as KernelEvent }));
  }

  putPages(pages: readonly PageRow[]): void {
    if (pages.length === 0) return;
    this.transaction(() => {
      for (const page of pages) this.owned(page.pid, 'pages', () => this.sql.putPage.run(pageParams(page)));
    });
  }

  getPage(id: number): PageRow | undefined {
    const row = this.guard(() => this.sql.getPage.get(id));
    return row && pageFromRow(row);
  }

  /** The agent's pages in context order. */
  listPages(pid: Pid): PageRow[] {
    return this.guard(() => this.sql.listPages.all(pid)).map(pageFromRow);
  }

  /**
   * Best matches first (BM25). Pages containing every word are preferred; only when none does,
   * pages with any of the words are returned, so a question-like query still finds something.
   * Words are searched literally (quotes, `AND`, `-`, `*` are text, not syntax). The snippet
   * marks matches with `**`.
   */
  searchPages(pid: Pid | null, query: string, limit: number): PageHit[] {
    const words = ftsWords(query);
    if (words.length === 0 || limit <= 0) return [];
    return this.guard(() => {
      const hits = this.sql.searchPages.all({ match: allWords(words), pid, limit });
      if (hits.length > 0 || words.length === 1) return hits;
      return this.sql.searchPages.all({ match: anyWord(words), pid, limit });
    });
  }

  deletePages(pid: Pid): void {
    this.guard(() => this.sql.deletePages.run(pid));
  }

  maxPageId(): number {
    return this.guard(() => this.sql.maxPageId.get() ?? 0);
  }

  putSnapshot(snapshot: SnapshotRow): void {
    this.owned(snapshot.pid, 'snapshots', () => this.sql.putSnapshot.run(snapshot.pid, snapshot.name, snapshot.at, snapshot.data));
  }

  getSnapshot(pid: Pid, name: string): SnapshotRow | undefined {
    return this.guard(() => this.sql.getSnapshot.get(pid, name));
  }

  /** Checkpoints are kept per step; writing the same step again replaces it. */
  putCheckpoint(pid: Pid, step: number, at: number, data: string): void {
    this.owned(pid, 'checkpoints', () => this.sql.putCheckpoint.run(pid, step, at, data));
  }

  latestCheckpoint(pid: Pid): { step: number; at: number; data: string } | undefined {
    return this.guard(() => this.sql.latestCheckpoint.get(pid));
  }

  putTask(task: TaskRecord): void {
    this.guard(() => this.sql.putTask.run(task.id, task.pid, task.description, task.status, task.createdAt, task.updatedAt, task.result));
  }

  getTask(id: string): TaskRecord | undefined {
    return this.guard(() => this.sql.getTask.get(id));
  }

  /** Tasks (of one status, or all) by creation time. */
  listTasks(status?: TaskStatus): TaskRecord[] {
    return this.guard(() => (status === undefined ? this.sql.listTasks.all() : this.sql.listTasksByStatus.all(status)));
  }

  putRule(rule: StandingRule): void {
    this.guard(() => this.sql.putRule.run(rule.id, rule.tool, rule.pattern, rule.scope, rule.pid, rule.session, rule.expiresAt, rule.createdAt));
  }

  deleteRule(id: string): void {
    this.guard(() => this.sql.deleteRule.run(id));
  }

  /** Rules by creation time. */
  listRules(): StandingRule[] {
    return this.guard(() => this.sql.listRules.all());
  }

  /** Appends to the audit hash chain (auditChain.ts), in the caller's transaction or its own. */
  appendAudit(entry: AuditEntry): void {
    const row = { at: entry.at, pid: entry.pid, action: entry.action, actor: entry.actor, subject: entry.subject, detail: JSON.stringify(entry.detail) };
    this.transaction(() => this.guard(() => (this.audit ??= new AuditAppender(this.db)).append(row)));
  }

  /** The latest `limit` entries, newest first. */
  queryAudit(limit: number): AuditEntry[] {
    if (limit <= 0) return []; // SQLite reads a negative LIMIT as "no limit"
    return this.guard(() => this.sql.queryAudit.all(limit)).map(auditFromRow);
  }

  /** The audit hash chain, verified now (walks every entry). */
  auditState(): AuditState {
    const v = this.guard(() => verifyAudit(this.db));
    return v.ok ? { ok: true, entries: v.entries, brokenAt: null, problem: null } : { ok: false, entries: v.entries, brokenAt: v.seq, problem: v.problem };
  }

  /** Closes the file; later calls do nothing. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs a database call, turning SQLite failures into errors that name the file and what to do. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!this.db.open) throw new StorageError(this.path, `Database ${this.path} is closed: the store was used after close()`, { cause: err });
      throw toStorageError(err, this.path, this.busyTimeoutMs);
    }
  }

  /** Like guard, for rows that belong to an agent: a missing agent row gets a plain message. */
  private owned<T>(pid: Pid, what: string, fn: () => T): T {
    try {
      return this.guard(fn);
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw err;
      throw new StorageError(this.path, `Database ${this.path} has no agent ${pid}: store the agent (putAgent) before its ${what}`, { cause: err });
    }
  }
}
