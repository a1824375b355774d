/**
 * The router's decisions in SQLite (table from migration step 2): what was asked, which tier
 * decided with what confidence, which agent took it and how that agent ended. The improvement
 * loop reads it to find keywords that mislead and thresholds that ask too often.
 */
import type Database from 'better-sqlite3';
import type { RoutingLog, RoutingRecord, StoredRouting } from '../router/routerService';
import type { Pid } from '../kernel/types';

interface RoutingDbRow {
  id: number;
  at: number;
  task: string;
  role: string;
  tier: string;
  confidence: number;
  reason: string;
  candidates: string;
  source: string;
  pid: number | null;
  outcome: string | null;
}

/** `RoutingLog` on the kernel's SQLite connection. */
export class SqliteRoutingLog implements RoutingLog {
  private readonly sql;

  constructor(db: Database.Database) {
    this.sql = {
      insert: db.prepare<[number, string, string, string, number, string, string, string]>(
        'INSERT INTO routing_decisions (at, task, role, tier, confidence, reason, candidates, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      link: db.prepare<[number, number]>('UPDATE routing_decisions SET pid = ? WHERE id = ?'),
      outcome: db.prepare<[string, number, number]>('UPDATE routing_decisions SET outcome = ?, outcome_at = ? WHERE pid = ? AND outcome IS NULL'),
      recent: db.prepare<[number], RoutingDbRow>(
        'SELECT id, at, task, role, tier, confidence, reason, candidates, source, pid, outcome FROM routing_decisions ORDER BY id DESC LIMIT ?'),
    };
  }

  record(entry: RoutingRecord): number {
    return Number(this.sql.insert.run(entry.at, entry.task, entry.role, entry.tier, entry.confidence, entry.reason, JSON.stringify(entry.candidates), entry.source).lastInsertRowid);
  }

  linkAgent(id: number, pid: Pid): void {
    this.sql.link.run(pid, id);
  }

  recordOutcome(pid: Pid, outcome: string, at: number): void {
    this.sql.outcome.run(outcome, at, pid);
  }

  recent(limit: number): StoredRouting[] {
    if (limit <= 0) return [];
    return this.sql.recent.all(limit).map((r) => ({
      id: r.id, at: r.at, task: r.task, role: r.role, tier: r.tier as StoredRouting['tier'], confidence: r.confidence, reason: r.reason,
      candidates: JSON.parse(r.candidates) as StoredRouting['candidates'], source: r.source as StoredRouting['source'], pid: r.pid, outcome: r.outcome,
    }));
  }
}
