/**
 * The audit trail as a hash chain: each entry stores SHA-256 over its own content and the hash of
 * the entry before it, and the chain's head (newest seq, hash, count) is kept apart. Editing an
 * entry breaks its hash, deleting one breaks the next entry's link, deleting the newest ones
 * breaks the head. Someone who can rewrite the whole file can also recompute every hash: this
 * makes tampering evident, it does not prevent it.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

/** The hash of the chain before its first entry. */
export const GENESIS = '0'.repeat(64);

/** An audit row as stored (detail is JSON text). */
export interface AuditRow {
  seq: number;
  at: number;
  pid: number | null;
  action: string;
  actor: string;
  subject: string;
  detail: string;
  prev_hash: string | null;
  hash: string | null;
}

/** SHA-256 over an entry's stored fields and the previous hash. */
export function entryHash(prev: string, e: Pick<AuditRow, 'at' | 'pid' | 'action' | 'actor' | 'subject' | 'detail'>): string {
  return createHash('sha256').update(JSON.stringify([prev, e.at, e.pid, e.action, e.actor, e.subject, e.detail])).digest('hex');
}

/** Appends entries chained to the head (statements prepared once); call inside a write transaction. */
export class AuditAppender {
  private readonly head: Database.Statement<[], { hash: string; count: number }>;
  private readonly insert: Database.Statement<[number, number | null, string, string, string, string, string, string]>;
  private readonly setHead: Database.Statement<[number, string, number]>;

  constructor(db: Database.Database) {
    this.head = db.prepare('SELECT hash, count FROM audit_head WHERE id = 1');
    this.insert = db.prepare('INSERT INTO audit (at, pid, action, actor, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.setHead = db.prepare('INSERT OR REPLACE INTO audit_head (id, seq, hash, count) VALUES (1, ?, ?, ?)');
  }

  append(e: Pick<AuditRow, 'at' | 'pid' | 'action' | 'actor' | 'subject' | 'detail'>): void {
    const head = this.head.get();
    const prev = head?.hash ?? GENESIS;
    const hash = entryHash(prev, e);
    const seq = Number(this.insert.run(e.at, e.pid, e.action, e.actor, e.subject, e.detail, prev, hash).lastInsertRowid);
    this.setHead.run(seq, hash, (head?.count ?? 0) + 1);
  }
}

/** The chain's state as the dashboard shows it (the protocol's AuditView has the same shape). */

/** What `verifyAudit` found. */
export type AuditVerdict =
  | { ok: true; entries: number; unchained: number }
  | { ok: false; entries: number; seq: number | null; problem: string };

/** Walks the chain from the first entry; stops at the first broken one. */
export function verifyAudit(db: Database.Database): AuditVerdict {
  const rows = db.prepare('SELECT seq, at, pid, action, actor, subject, detail, prev_hash, hash FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>;
  let prev = GENESIS;
  let prevSeq: number | null = null;
  let chained = 0;
  let unchained = 0;
  for (const r of rows) {
    if (r.hash === null) {
      // entries from before the chain existed (schema 3) may only come first
      if (chained > 0) return { ok: false, entries: chained, seq: r.seq, problem: `entry ${r.seq} has no hash but follows chained entries: it was inserted afterwards` };
      unchained++;
      continue;
    }
    if (r.prev_hash !== prev) {
      const where = prevSeq === null ? 'the start of the chain' : `entry ${prevSeq}`;
      return { ok: false, entries: chained, seq: r.seq, problem: `entry ${r.seq} does not link to ${where}: an entry between them was deleted or changed` };
    }
    if (entryHash(prev, r) !== r.hash) {
      return { ok: false, entries: chained, seq: r.seq, problem: `entry ${r.seq} (${r.action} by ${r.actor}) does not match its hash: it was changed after it was written` };
    }
    prev = r.hash;
    prevSeq = r.seq;
    chained++;
  }
  const head = db.prepare('SELECT seq, hash, count FROM audit_head WHERE id = 1').get() as { seq: number; hash: string; count: number } | undefined;
  if (!head) {
    if (chained === 0) return { ok: true, entries: 0, unchained };
    return { ok: false, entries: chained, seq: null, problem: 'the chain head is missing: it was deleted' };
  }
  if (head.seq !== prevSeq || head.hash !== prev || head.count !== chained) {
    const lost = head.count - chained;
    return {
      ok: false, entries: chained, seq: head.seq,
      problem: lost > 0 ? `the newest ${lost} entr${lost === 1 ? 'y is' : 'ies are'} missing (up to entry ${head.seq}): deleted after they were written` : `the chain head (entry ${head.seq}) does not match the entries: the trail was changed`,
    };
  }
  return { ok: true, entries: chained, unchained };
}
