/**
 * Agent memory in three layers (the seed SDK's working / episodic / long_term):
 * - working: what the agent holds now. For a model agent that is its context window (the pager);
 *   for code, `AgentMemory.store(key, value)` keeps a value in process, charged to the agent's
 *   memory quota together with its resident context.
 * - episodic: what happened in this run, derived from the kernel's events (plus notes stored
 *   with layer `episodic`).
 * - long_term: facts in SQLite, searched with FTS5 and ranked by BM25, per agent or shared by
 *   the workspace; they survive restarts. An agent's own memories may take as many bytes as its
 *   memory quota; the workspace's shared ones as many as the global memory limit.
 * The store port is defined here; storage/memoryStore.ts implements it on SQLite.
 */
import type { Kernel } from '../kernel/kernel';
import { KernelError } from '../kernel/errors';
import { MemoryQuotaError, memoryBytes, textOf, type Episode, type LongTermMemoryStore, type MemoryHit, type MemoryLayer, type MemoryRecord } from './memoryPort';
import { episodeOf } from './agentMemoryEpisodes';
import { tokenList } from '../text/terms';
import type { Pid } from '../kernel/types';
import { formatBytes } from '../text/bytes';

/** A hit of `AgentMemory.search`, from any layer. */
export interface LayeredHit {
  layer: MemoryLayer;
  /** the key (working, long-term with a key), memory id as `#12`, or episode seq as `@34` */
  ref: string;
  text: string;
  /** fraction of the query's words found (0–1); within long_term, BM25 decides the order */
  score: number;
  /** the long-term record, when the hit is one */
  memory?: MemoryRecord;
}

/** Options of a store. */
export interface StoreOptions {
  layer?: MemoryLayer;
  tags?: string[];
  /** long-term only: shared with every agent of the workspace */
  shared?: boolean;
}

/** Bytes an agent's memories use, for the Memory view. */
export interface MemoryUsage {
  working: number;
  longTerm: number;
  /** the agent's memory quota (shared by resident context and working memory; the allowance for long-term) */
  quota: number;
}

/** What the memory service is built from. */
export interface AgentMemoriesOptions {
  kernel: Kernel;
  store: LongTermMemoryStore;
  /** the workspace: shared memories are shared within it */
  scope: string;
  /** quota for an agent without a memory account (an ended one, or code with no agent) */
  fallbackQuotaBytes?: number;
}

interface WorkingEntry {
  value: unknown;
  text: string;
  bytes: number;
}

const MAX_EPISODE_EVENTS = 500;

/**
 * The memory service of one workspace: working memory per agent, episodes from events, and
 * long-term memories, all within the memory manager's quotas. `for(pid)` gives the seed SDK's
 * object for one agent.
 */
export class AgentMemories {
  readonly scope: string;
  private readonly working = new Map<Pid, Map<string, WorkingEntry>>();
  private readonly notes = new Map<Pid, Episode[]>();

  constructor(private readonly options: AgentMemoriesOptions) {
    this.scope = options.scope;
  }

  get store(): LongTermMemoryStore {
    return this.options.store;
  }

  /** The seed SDK's `MemoryModule(agent_id)`: store / retrieve / search for one agent. */
  for(pid: Pid): AgentMemory {
    return new AgentMemory(this, pid);
  }

  /** Stores a fact in long-term memory (the `remember` tool); the same fact again only refreshes it. */
  remember(pid: Pid | null, fact: string, options: { tags?: string[]; shared?: boolean; key?: string; value?: unknown } = {}): { memory: MemoryRecord; existed: boolean } {
    const text = fact.trim();
    if (!text) throw new KernelError('invalid_argument', 'the fact is empty: say what to remember');
    const owner = options.shared || pid === null ? null : pid;
    const tags = [...new Set((options.tags ?? []).map((t) => t.trim()).filter(Boolean))];
    const { kernel, store } = this.options;
    const now = kernel.clock.now();
    const previous = options.key !== undefined ? store.get(this.scope, owner, options.key) : store.findText(this.scope, owner, text);
    const bytes = memoryBytes(text, options.value, tags);
    this.checkLongTerm(pid, owner, bytes - (previous?.bytes ?? 0));
    const memory = store.put({ scope: this.scope, owner, key: options.key ?? previous?.key ?? null, text, value: options.value, tags: unionTags(previous?.tags, tags), at: now });
    kernel.events.emit({ type: 'memory.stored', pid, memory: memory.id, shared: owner === null, bytes: memory.bytes });
    return { memory, existed: previous !== undefined };
  }

  /** Long-term memories of the agent and the shared ones, best first (BM25). */
  recall(pid: Pid | null, query: string, topK = 5): MemoryHit[] {
    return this.options.store.search({ scope: this.scope, owner: pid, text: query, limit: topK });
  }

  /** What happened to the agent in this run, oldest first: derived from its events, plus stored notes. */
  episodes(pid: Pid, limit = 100): Episode[] {
    const events = this.options.kernel.queryEvents({ pid, limit: Math.min(MAX_EPISODE_EVENTS, Math.max(limit, 1)) });
    const derived = events.map(episodeOf).filter((e): e is Episode => e !== null);
    const all = [...derived, ...(this.notes.get(pid) ?? [])].sort((a, b) => a.at - b.at || a.seq - b.seq);
    return all.slice(-limit);
  }

  /** Bytes of the agent's working and long-term memory, and its quota. */
  usage(pid: Pid): MemoryUsage {
    return { working: this.workingBytes(pid), longTerm: this.options.store.bytes(this.scope, pid), quota: this.quotaOf(pid) };
  }

  /** Bytes of the workspace's shared memories and their allowance (the global memory limit). */
  sharedUsage(): { bytes: number; limit: number } {
    return { bytes: this.options.store.bytes(this.scope, null), limit: this.options.kernel.quotas.limit };
  }

  /** Drops an agent's working memory and notes (when it ends); long-term memories stay. */
  forgetRun(pid: Pid): void {
    this.working.delete(pid);
    this.notes.delete(pid);
  }

  // --- used by AgentMemory ----------------------------------------------------------------------

  /** @internal */
  putWorking(pid: Pid, key: string, value: unknown): void {
    const text = textOf(value);
    const bytes = (key.length + text.length) * 2;
    const map = this.working.get(pid) ?? new Map<string, WorkingEntry>();
    const delta = bytes - (map.get(key)?.bytes ?? 0);
    if (delta > 0) {
      const { kernel } = this.options;
      const quota = this.quotaOf(pid);
      const context = this.contextBytes(pid);
      const held = this.workingBytes(pid);
      if (context + held + delta > quota) {
        throw new MemoryQuotaError(`agent ${pid}'s memory quota is ${formatBytes(quota)}: its context holds ${formatBytes(context)} and its working memory ${formatBytes(held)}; ` +
          `storing '${key}' (${formatBytes(bytes)}) would exceed it. Delete working entries, move them to long_term, or raise the agent's quota.`);
      }
      const stats = kernel.quotas.stats();
      const allWorking = [...this.working.keys()].reduce((n, p) => n + this.workingBytes(p), 0);
      if (stats.used + allWorking + delta > stats.globalLimit) {
        throw new MemoryQuotaError(`the global memory limit of ${formatBytes(stats.globalLimit)} is reached (${formatBytes(stats.used + allWorking)} in use); ` +
          `storing '${key}' (${formatBytes(bytes)}) for agent ${pid} would exceed it. Free memory (end or suspend agents) or raise the global limit.`);
      }
    }
    map.set(key, { value, text, bytes });
    this.working.set(pid, map);
  }

  /** @internal */
  getWorking(pid: Pid, key: string): unknown {
    return this.working.get(pid)?.get(key)?.value;
  }

  /** @internal */
  deleteWorking(pid: Pid, key: string): boolean {
    return this.working.get(pid)?.delete(key) ?? false;
  }

  /** @internal */
  workingEntries(pid: Pid): Array<[string, WorkingEntry]> {
    return [...(this.working.get(pid) ?? new Map<string, WorkingEntry>())];
  }

  /** @internal */
  addNote(pid: Pid, key: string, value: unknown): void {
    const list = this.notes.get(pid) ?? [];
    list.push({ seq: -(list.length + 1), at: this.options.kernel.clock.now(), kind: 'note', text: `${key}: ${textOf(value)}` });
    this.notes.set(pid, list);
  }

  private workingBytes(pid: Pid): number {
    let n = 0;
    for (const e of this.working.get(pid)?.values() ?? []) n += e.bytes;
    return n;
  }

  private contextBytes(pid: Pid): number {
    const { kernel } = this.options;
    return kernel.contexts.has(pid) ? kernel.contexts.metrics(pid).residentBytes : 0;
  }

  private quotaOf(pid: Pid | null): number {
    const fallback = this.options.fallbackQuotaBytes ?? 64 * 1024 * 1024;
    if (pid === null) return fallback;
    try {
      return this.options.kernel.quotas.usage(pid).quota;
    } catch {
      return fallback;
    }
  }

  /** Own long-term memories fit the agent's quota; shared ones the global limit. */
  private checkLongTerm(pid: Pid | null, owner: Pid | null, delta: number): void {
    if (delta <= 0) return;
    const used = this.options.store.bytes(this.scope, owner);
    if (owner === null) {
      const limit = this.options.kernel.quotas.limit;
      if (used + delta > limit) {
        throw new MemoryQuotaError(`the workspace's shared memories use ${formatBytes(used)} of ${formatBytes(limit)} (the global memory limit); ` +
          `this one needs ${formatBytes(delta)} more. Forget old shared memories or raise the global limit.`);
      }
      return;
    }
    const quota = this.quotaOf(pid);
    if (used + delta > quota) {
      throw new MemoryQuotaError(`agent ${owner}'s long-term memories use ${formatBytes(used)} of its ${formatBytes(quota)} memory quota; ` +
        `this one needs ${formatBytes(delta)} more. Remember less (or shared), forget old memories, or raise the agent's quota.`);
    }
  }
}

/**
 * One agent's memory with the seed SDK's methods: `store(key, value, {layer})`,
 * `retrieve(key)`, `search(query, topK)`.
 */
export class AgentMemory {
  constructor(private readonly memories: AgentMemories, readonly pid: Pid) {}

  /** Stores a value under a key: working (default, in process), episodic (a note of this run) or long_term (SQLite). */
  store(key: string, value: unknown, options: StoreOptions = {}): void {
    if (!key) throw new KernelError('invalid_argument', 'a memory key must not be empty');
    switch (options.layer ?? 'working') {
      case 'working':
        this.memories.putWorking(this.pid, key, value);
        return;
      case 'episodic':
        this.memories.addNote(this.pid, key, value);
        return;
      case 'long_term':
        this.memories.remember(this.pid, textOf(value), { key, value, tags: options.tags, shared: options.shared });
    }
  }

  /** The value under a key: working memory first, then the agent's long-term, then the shared one. */
  retrieve(key: string): unknown {
    const working = this.memories.getWorking(this.pid, key);
    if (working !== undefined) return working;
    const store = this.memories.store;
    const own = store.get(this.memories.scope, this.pid, key) ?? store.get(this.memories.scope, null, key);
    return own?.value;
  }

  /** Removes a key from working memory and the agent's long-term memory. */
  forget(key: string): boolean {
    const store = this.memories.store;
    const own = store.get(this.memories.scope, this.pid, key);
    const removed = own ? store.delete(own.id) : false;
    return this.memories.deleteWorking(this.pid, key) || removed;
  }

  /**
   * Searches every layer; hits are ordered by the fraction of the query's words they contain,
   * then working before long-term before episodic, then (within long-term) by BM25.
   */
  search(query: string, topK = 10): LayeredHit[] {
    const words = [...new Set(tokenList(query))];
    if (words.length === 0 || topK <= 0) return [];
    const overlap = (text: string) => {
      const have = new Set(tokenList(text));
      return words.filter((w) => have.has(w)).length / words.length;
    };
    const hits: Array<LayeredHit & { order: number }> = [];
    for (const [key, e] of this.memories.workingEntries(this.pid)) {
      const score = overlap(`${key} ${e.text}`);
      if (score > 0) hits.push({ layer: 'working', ref: key, text: e.text, score, order: 0 });
    }
    this.memories.recall(this.pid, query, topK).forEach((h, i) => {
      hits.push({ layer: 'long_term', ref: h.memory.key ?? `#${h.memory.id}`, text: h.memory.text, score: overlap(`${h.memory.text} ${h.memory.tags.join(' ')}`), memory: h.memory, order: 1 + i / 1000 });
    });
    for (const e of this.memories.episodes(this.pid, MAX_EPISODE_EVENTS)) {
      const score = overlap(e.text);
      if (score > 0) hits.push({ layer: 'episodic', ref: `@${e.seq}`, text: e.text, score, order: 2 });
    }
    hits.sort((a, b) => b.score - a.score || a.order - b.order);
    return hits.slice(0, topK).map(({ order: _order, ...h }) => h);
  }

  /** Bytes used and the quota. */
  usage(): MemoryUsage {
    return this.memories.usage(this.pid);
  }
}

function unionTags(a: string[] | undefined, b: string[]): string[] {
  return [...new Set([...(a ?? []), ...b])];
}
