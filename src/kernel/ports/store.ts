/**
 * Durable state, split by consumer: each part of the kernel is given only the store it uses, so a
 * fake implements only what its test needs. `KernelStore` is all of them on one connection.
 */
import type { KernelEvent, StoredEvent } from '../events';
import type { AgentRecord, AuditEntry, PageKind, Pid, TaskRecord, TaskStatus } from '../types';
import type { StandingRule } from './policy';

/** One context page as stored. `content` is the page body serialized as JSON (see ContextPager). */
export interface PageRow {
  id: number;
  pid: Pid;
  /** order of the page in the agent's context */
  seq: number;
  kind: PageKind;
  /** JSON text of the page body */
  content: string;
  /** plain text used for full-text search */
  text: string;
  tokens: number;
  importance: number;
  pinned: boolean;
  resident: boolean;
  lastAccess: number;
  createdAt: number;
}

/** A full-text hit over swapped pages. */
export interface PageHit {
  id: number;
  pid: Pid;
  kind: PageKind;
  snippet: string;
  /** BM25 rank, lower is better (SQLite convention) */
  rank: number;
}

/** Filter for reading events. */
export interface EventQuery {
  /** exact type, or a prefix ending in '.' (e.g. `agent.`) */
  type?: string;
  pid?: Pid;
  /** only events with seq greater than this */
  afterSeq?: number;
  /** newest first when set; default 100 */
  limit?: number;
}

/** A named saved context of an agent (save/restore/snapshot in the seed API). */
export interface SnapshotRow {
  pid: Pid;
  name: string;
  at: number;
  /** JSON text */
  data: string;
}

/** Runs mutations atomically: a state change and its events land together or not at all. */
export interface Transactional {
  transaction<T>(fn: () => T): T;
}

/** The process table's records. */
export interface AgentStore {
  putAgent(agent: AgentRecord): void;
  getAgent(pid: Pid): AgentRecord | undefined;
  listAgents(): AgentRecord[];
  /** highest pid ever stored, 0 for an empty database */
  maxPid(): number;
}

/** The journal's append-only event log. */
export interface EventLog {
  /** appends an event; returns its sequence number */
  appendEvent(event: KernelEvent, at: number): number;
  /** newest first, at most `limit` */
  queryEvents(query: EventQuery): StoredEvent[];
}

/** The context pager's pages (swap space) and their full-text index. */
export interface PageStore {
  putPages(pages: readonly PageRow[]): void;
  getPage(id: number): PageRow | undefined;
  listPages(pid: Pid): PageRow[];
  /** full-text search over swapped-out pages of one agent (or all agents when pid is null) */
  searchPages(pid: Pid | null, query: string, limit: number): PageHit[];
  deletePages(pid: Pid): void;
  /** highest page id ever stored, 0 for none */
  maxPageId(): number;
}

/** Named saved contexts (the seed-compatible snapshot calls, `kernel/context/seedCompat.ts`). */
export interface SnapshotStore {
  putSnapshot(snapshot: SnapshotRow): void;
  getSnapshot(pid: Pid, name: string): SnapshotRow | undefined;
}

/** One checkpoint per committed step (what a restored agent resumes from). */
export interface CheckpointStore {
  putCheckpoint(pid: Pid, step: number, at: number, data: string): void;
  latestCheckpoint(pid: Pid): { step: number; at: number; data: string } | undefined;
}

/** Task records (one per spawned agent, and the planner's subtasks). */
export interface TaskStore {
  putTask(task: TaskRecord): void;
  getTask(id: string): TaskRecord | undefined;
  listTasks(status?: TaskStatus): TaskRecord[];
}

/** The developer's standing rules (the approval policy). */
export interface RuleStore {
  putRule(rule: StandingRule): void;
  deleteRule(id: string): void;
  listRules(): StandingRule[];
}

/** Whether the audit trail's hash chain verifies (`aios audit verify`). */
export interface AuditState {
  ok: boolean;
  /** chained entries that verify (before the first broken one) */
  entries: number;
  /** the first broken entry (null when intact, or when the head is what is broken) */
  brokenAt: number | null;
  /** what is wrong, in words; null when intact */
  problem: string | null;
}

/** The audit trail of every decision. */
export interface AuditLog {
  appendAudit(entry: AuditEntry): void;
  queryAudit(limit: number): AuditEntry[];
  /** the hash chain, verified now (walks every entry) */
  auditState(): AuditState;
}

/**
 * All durable state on one connection. Synchronous (better-sqlite3); every mutation inside
 * `transaction` commits atomically. Parts of the kernel take the narrower stores above.
 */
export interface KernelStore
  extends Transactional, AgentStore, EventLog, PageStore, SnapshotStore, CheckpointStore, TaskStore, RuleStore, AuditLog {
  close(): void;
}
