/**
 * Reading the event log newest first, by exact type, type prefix, pid and seq. One prepared
 * statement per filter shape, so each gets the plan that suits it.
 */
import type Database from 'better-sqlite3';
import type { EventQuery } from '../kernel/ports/store';

/** A raw events row: [seq, at, payload JSON]. */
export type EventDbRow = [seq: number, at: number, payload: string];

/** Events returned when the query sets no limit. */
export const DEFAULT_EVENT_LIMIT = 100;

/**
 * A prefix filter scans this many of the newest events (or 64 × the limit) by seq before
 * falling back to the type index: a common prefix (`agent.`) is answered from the window
 * without sorting; a rare one sorts only its few matches.
 */
const PREFIX_WINDOW = 4096;

type Stmt = Database.Statement<unknown[], EventDbRow>;

/** Prepared event queries of one connection. */
export class EventQueries {
  private readonly all: Stmt;
  private readonly byPid: Stmt;
  private readonly byType: Stmt;
  private readonly byTypeAndPid: Stmt;
  private readonly byPrefixRecent: Stmt;
  private readonly byPrefix: Stmt;
  private readonly byPrefixAndPid: Stmt;

  constructor(db: Database.Database) {
    const prepare = (where: string): Stmt =>
      db.prepare<unknown[], EventDbRow>(`SELECT seq, at, payload FROM events WHERE ${where} seq > ? ORDER BY seq DESC LIMIT ?`).raw(true);
    this.all = prepare('');
    // An exact type walks the (type, seq) index backwards; a pid the (pid, seq) index.
    this.byPid = prepare('pid = ? AND');
    this.byType = prepare('type = ? AND');
    this.byTypeAndPid = prepare('type = ? AND pid = ? AND');
    // `agent.` matches every type in [`agent.`, `agent/`): '/' is the character after '.'.
    // Over the type index this range comes out of seq order and must be sorted.
    this.byPrefix = prepare('type >= ? AND type < ? AND');
    this.byPrefixAndPid = prepare('type >= ? AND type < ? AND pid = ? AND');
    // The newest events by seq (primary key, already in order), filtered; stops at the limit.
    this.byPrefixRecent = db
      .prepare<unknown[], EventDbRow>(
        `SELECT seq, at, payload FROM (SELECT seq, at, type, payload FROM events WHERE seq > ? ORDER BY seq DESC LIMIT ?)
         WHERE type >= ? AND type < ? ORDER BY seq DESC LIMIT ?`,
      )
      .raw(true);
  }

  /** Rows matching `query`, newest first. */
  run(query: EventQuery): EventDbRow[] {
    const after = query.afterSeq ?? 0;
    const limit = query.limit ?? DEFAULT_EVENT_LIMIT;
    if (limit <= 0) return [];
    const pid = query.pid ?? null;
    const type = query.type ?? '';
    if (type === '') return pid === null ? this.all.all(after, limit) : this.byPid.all(pid, after, limit);
    if (!type.endsWith('.')) return pid === null ? this.byType.all(type, after, limit) : this.byTypeAndPid.all(type, pid, after, limit);
    const end = type.slice(0, -1) + '/';
    if (pid !== null) return this.byPrefixAndPid.all(type, end, pid, after, limit);
    const recent = this.byPrefixRecent.all(after, Math.max(PREFIX_WINDOW, limit * 64), type, end, limit);
    // Fewer than the limit in the window: older matches may exist beyond it.
    return recent.length >= limit ? recent : this.byPrefix.all(type, end, after, limit);
  }
}
