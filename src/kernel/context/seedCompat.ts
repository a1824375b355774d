import type { ContextPager } from './contextPager';
import type { ParsedSnapshot, PageTuple } from './page';
import type { Clock } from '../ports/clock';
import type { SnapshotStore } from '../ports/store';
import type { ContextBudget, Pid } from '../types';

/**
 * The seed AIOS context API, `save / restore / switch / snapshot / loadSnapshot`, kept in one
 * compatibility module for code and benchmarks written against the seed. The product does not
 * use it: preemption happens at step boundaries with nothing to switch, and crash recovery
 * reloads an agent's committed pages (`ContextPager.load`).
 */
export class SeedContextApi {
  private readonly saved = new Map<Pid, unknown>();
  /**
   * The last snapshot each agent loaded, parsed. A load still reads the stored text (another
   * writer may have replaced it) but skips JSON.parse when the text is unchanged: parsing was
   * ~75 % of a load. Page blocks are shared between loads; they are never mutated in place.
   */
  private readonly parsedSnapshots = new Map<Pid, Map<string, ParsedSnapshot>>();

  constructor(
    private readonly pager: ContextPager,
    private readonly snapshots: SnapshotStore,
    private readonly clock: Clock,
  ) {}

  /** Keeps an agent's execution state (anything JSON-serialisable) with its context. */
  save(pid: Pid, state: unknown): void {
    this.saved.set(pid, state);
  }

  /** The state last saved for the agent. */
  restore(pid: Pid): unknown {
    return this.saved.get(pid);
  }

  /** Preemption: saves `from`'s state and returns `to`'s. */
  switch(from: Pid, to: Pid, state?: unknown): unknown {
    if (state !== undefined) this.saved.set(from, state);
    return this.saved.get(to);
  }

  /** Writes the agent's whole context (pages and saved state) to storage under `name`. */
  snapshot(pid: Pid, name = 'latest'): void {
    const { budget, pages } = this.pager.exportContext(pid);
    const data = JSON.stringify({ budget, saved: this.saved.get(pid) ?? null, pages });
    this.snapshots.putSnapshot({ pid, name, at: this.clock.now(), data });
  }

  /** Replaces the agent's context with a snapshot; false when there is none. */
  loadSnapshot(pid: Pid, name = 'latest'): boolean {
    const snap = this.snapshots.getSnapshot(pid, name);
    if (!snap) return false;
    let byName = this.parsedSnapshots.get(pid);
    let parsed = byName?.get(name);
    if (parsed?.data !== snap.data) {
      const data = JSON.parse(snap.data) as { budget: ContextBudget; saved: unknown; pages: PageTuple[] };
      parsed = { data: snap.data, budget: data.budget, savedJson: data.saved == null ? null : JSON.stringify(data.saved), pages: data.pages };
      if (!byName) this.parsedSnapshots.set(pid, (byName = new Map<string, ParsedSnapshot>()));
      byName.set(name, parsed);
    }
    this.pager.importContext(pid, parsed.budget, parsed.pages);
    if (parsed.savedJson === null) this.saved.delete(pid);
    else this.saved.set(pid, JSON.parse(parsed.savedJson));
    return true;
  }
}
