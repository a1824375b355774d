/**
 * A small in-memory KernelStore for unit tests of the kernel's logic. Integration tests use the
 * real SqliteStore. Transactions roll back by restoring a copy, which is enough for tests.
 */
import type { KernelEvent, StoredEvent } from '../../src/kernel/events';
import { eventPid } from '../../src/kernel/events';
import type { StandingRule } from '../../src/kernel/ports/policy';
import type { EventQuery, KernelStore, PageHit, PageRow, SnapshotRow } from '../../src/kernel/ports/store';
import type { AgentRecord, AuditEntry, Pid, TaskRecord, TaskStatus } from '../../src/kernel/types';

export class InMemoryStore implements KernelStore {
  agents = new Map<Pid, AgentRecord>();
  events: StoredEvent[] = [];
  pages = new Map<number, PageRow>();
  snapshots = new Map<string, SnapshotRow>();
  checkpoints: Array<{ pid: Pid; step: number; at: number; data: string }> = [];
  tasks = new Map<string, TaskRecord>();
  rules = new Map<string, StandingRule>();
  audit: AuditEntry[] = [];
  transactions = 0;
  private depth = 0;

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    const saved = this.copy();
    this.depth++;
    try {
      const r = fn();
      this.transactions++;
      return r;
    } catch (err) {
      Object.assign(this, saved);
      throw err;
    } finally {
      this.depth--;
    }
  }

  private copy() {
    return {
      agents: new Map(this.agents), events: [...this.events], pages: new Map(this.pages), snapshots: new Map(this.snapshots),
      checkpoints: [...this.checkpoints], tasks: new Map(this.tasks), rules: new Map(this.rules), audit: [...this.audit],
    };
  }

  putAgent(agent: AgentRecord): void { this.agents.set(agent.pid, structuredClone(agent)); }
  getAgent(pid: Pid) { const a = this.agents.get(pid); return a && structuredClone(a); }
  listAgents() { return [...this.agents.values()].sort((a, b) => a.pid - b.pid).map((a) => structuredClone(a)); }
  maxPid() { return Math.max(0, ...this.agents.keys()); }

  appendEvent(event: KernelEvent, at: number): number {
    const seq = this.events.length + 1;
    this.events.push({ seq, at, event: structuredClone(event) });
    return seq;
  }
  queryEvents(q: EventQuery): StoredEvent[] {
    const out = this.events.filter((e) =>
      (q.type === undefined || (q.type.endsWith('.') ? e.event.type.startsWith(q.type) : e.event.type === q.type)) &&
      (q.pid === undefined || eventPid(e.event) === q.pid) &&
      (q.afterSeq === undefined || e.seq > q.afterSeq));
    return out.reverse().slice(0, q.limit ?? 100);
  }

  putPages(pages: readonly PageRow[]): void { for (const p of pages) this.pages.set(p.id, { ...p }); }
  getPage(id: number) { const p = this.pages.get(id); return p && { ...p }; }
  listPages(pid: Pid) { return [...this.pages.values()].filter((p) => p.pid === pid).sort((a, b) => a.seq - b.seq); }
  searchPages(pid: Pid | null, query: string, limit: number): PageHit[] {
    const words = query.toLowerCase().split(/\W+/).filter(Boolean);
    return [...this.pages.values()]
      .filter((p) => !p.resident && (pid === null || p.pid === pid) && words.some((w) => p.text.toLowerCase().includes(w)))
      .slice(0, limit)
      .map((p) => ({ id: p.id, pid: p.pid, kind: p.kind, snippet: p.text.slice(0, 80), rank: 0 }));
  }
  deletePages(pid: Pid) { for (const [id, p] of this.pages) if (p.pid === pid) this.pages.delete(id); }
  maxPageId() { return Math.max(0, ...this.pages.keys()); }

  putSnapshot(s: SnapshotRow) { this.snapshots.set(`${s.pid}/${s.name}`, { ...s }); }
  getSnapshot(pid: Pid, name: string) { return this.snapshots.get(`${pid}/${name}`); }

  putCheckpoint(pid: Pid, step: number, at: number, data: string) { this.checkpoints.push({ pid, step, at, data }); }
  latestCheckpoint(pid: Pid) { return this.checkpoints.filter((c) => c.pid === pid).at(-1); }

  putTask(t: TaskRecord) { this.tasks.set(t.id, { ...t }); }
  getTask(id: string) { return this.tasks.get(id); }
  listTasks(status?: TaskStatus) { return [...this.tasks.values()].filter((t) => !status || t.status === status); }

  putRule(r: StandingRule) { this.rules.set(r.id, { ...r }); }
  deleteRule(id: string) { this.rules.delete(id); }
  listRules() { return [...this.rules.values()]; }

  appendAudit(e: AuditEntry) { this.audit.push(structuredClone(e)); }
  queryAudit(limit: number) { return this.audit.slice(-limit).reverse(); }
  /** no hash chain in memory: every entry counts as verified */
  auditState() { return { ok: true, entries: this.audit.length, brokenAt: null, problem: null }; }

  close() {}
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
}
