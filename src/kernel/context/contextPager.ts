import { InvalidArgumentError, KernelError } from '../errors';
import { IndexedHeap } from '../heap';
import type { Journal } from '../journal';
import { blocksText, charEstimator, DEFAULT_IMPORTANCE, evictBefore, findPage, fromRow, fromTuple, previewOf, toolResultIds, toRow, toTuple, type Page, type PageTuple } from './page';
import type { Clock } from '../ports/clock';
import type { LlmBlock, TokenEstimator } from '../ports/llm';
import type { PageHit, PageStore } from '../ports/store';
import { renderPages, type Prompt } from './promptRender';
import type { ContextBudget, PageKind, Pid } from '../types';

/** What a caller gives to add a page. */
export interface NewPage {
  kind: PageKind;
  role?: 'user' | 'assistant';
  blocks: LlmBlock[];
  importance?: number;
  pinned?: boolean;
  /** exact token count when known (e.g. output tokens from the API) */
  tokens?: number;
}

/** Counters of one agent's context, for the views, the evaluator and the benchmarks. */
export interface PagerMetrics {
  residentTokens: number;
  residentBytes: number;
  residentPages: number;
  swappedPages: number;
  /** recalls of a swapped page */
  pageFaults: number;
  swapOuts: number;
  evictionBatches: number;
  /** prompt tokens / budget at the last render */
  utilisation: number;
  /** fraction of the last prompt identical to the previous prompt's prefix */
  prefixReuse: number;
}

/** One agent's context in memory. Kept small: contexts are created often. */
class AgentContext {
  /** in seq order, which is also id order (ids only grow) */
  pages: Page[] = [];
  evictable: IndexedHeap<Page> | null = null;
  residentTokens = 0;
  residentBytes = 0;
  swapped = 0;
  faults = 0;
  swapOuts = 0;
  batches = 0;
  utilisation = 0;
  prefixReuse = 0;
  prevKeys: string[] | null = null;
  /** pages to write at the next flush */
  dirty: Page[] = [];
  constructor(readonly pid: Pid, public budget: ContextBudget) {}
}

// Module bindings read once: under tsx/CommonJS each access to an imported binding is a getter call.
const IMPORTANCE = DEFAULT_IMPORTANCE;
const resultIds = toolResultIds;
const Heap = IndexedHeap;
const pageOf = fromTuple;

/**
 * Virtual memory for context windows. Each agent has pages within a token budget; over the high
 * watermark the pager evicts, in one batch, down to the low watermark, choosing victims from a
 * heap (O(log n) each). Swapped pages are written verbatim to storage (searchable with FTS5)
 * and leave a short stub in the prompt; pinned pages are never evicted.
 */
export class ContextPager {
  private readonly contexts = new Map<Pid, AgentContext>();
  private nextPageId: number;
  private tick = 0;

  constructor(
    private readonly journal: Journal,
    private readonly store: PageStore,
    private readonly clock: Clock,
    private readonly estimator: TokenEstimator = charEstimator,
  ) {
    this.nextPageId = store.maxPageId() + 1;
  }

  has(pid: Pid): boolean {
    return this.contexts.has(pid);
  }

  /** Creates an empty context for an agent. */
  create(pid: Pid, budget: ContextBudget): void {
    if (this.contexts.has(pid)) throw new KernelError('context_exists', `agent ${pid} already has a context`);
    this.contexts.set(pid, new AgentContext(pid, budget));
  }

  /** Drops an agent's context from memory (its pages stay in storage). */
  destroy(pid: Pid): void {
    this.contexts.delete(pid);
  }

  setBudget(pid: Pid, budget: ContextBudget): void {
    this.ctx(pid).budget = budget;
    this.evictIfNeeded(pid);
  }

  /** Appends a page; evicts if the context went over its high watermark. */
  add(pid: Pid, page: NewPage): Page {
    const ctx = this.ctx(pid);
    const text = page.blocks.length === 1 && page.blocks[0].type === 'text' ? page.blocks[0].text : blocksText(page.blocks);
    const importance = page.importance ?? IMPORTANCE[page.kind];
    if (!(importance >= 0 && importance <= 1)) throw new InvalidArgumentError(`page importance must be between 0 and 1 (got ${importance})`);
    const pinned = page.pinned ?? (page.kind === 'system' || page.kind === 'task');
    return this.append(ctx, page.kind, page.role ?? 'user', page.blocks, text, importance, pinned, page.tokens);
  }

  /** Appends a plain text message (the hot path of a conversation: no intermediate NewPage). */
  addMessage(pid: Pid, role: 'user' | 'assistant', text: string): Page {
    return this.append(this.ctx(pid), 'message', role, [{ type: 'text', text }], text, IMPORTANCE.message, false, undefined);
  }

  private append(
    ctx: AgentContext, kind: PageKind, role: 'user' | 'assistant', blocks: LlmBlock[], text: string,
    importance: number, pinned: boolean, exactTokens: number | undefined,
  ): Page {
    const p: Page = {
      id: this.nextPageId++,
      heapIndex: -1,
      pid: ctx.pid,
      seq: ctx.pages.length,
      kind,
      role,
      blocks,
      tokens: exactTokens ?? this.estimator.estimate(text),
      exact: exactTokens !== undefined,
      importance,
      pinned,
      resident: true,
      lastAccess: ++this.tick,
      createdAt: 0, // stamped when first written (one clock read per step, not per page)
      bytes: text.length * 2,
      dirty: true,
      callIds: kind === 'tool_result' ? resultIds(blocks) : null,
      preview: null,
    };
    ctx.pages.push(p);
    ctx.dirty.push(p);
    if (!pinned) (ctx.evictable ??= new Heap(evictBefore)).push(p);
    ctx.residentTokens += p.tokens;
    ctx.residentBytes += p.bytes;
    if (ctx.residentTokens > ctx.budget.tokens * ctx.budget.high) this.evictIfNeeded(ctx.pid);
    return p;
  }

  /** Real usage from the API replaces the estimate of a page. */
  setExactTokens(pid: Pid, pageId: number, tokens: number): void {
    const ctx = this.ctx(pid);
    const p = findPage(ctx.pages, pageId);
    if (!p) return;
    if (p.resident) ctx.residentTokens += tokens - p.tokens;
    p.tokens = tokens;
    p.exact = true;
    if (!p.dirty) {
      p.dirty = true;
      ctx.dirty.push(p);
    }
  }

  /** Evicts down to the low watermark if over the high one; returns the pages swapped out. */
  evictIfNeeded(pid: Pid): Page[] {
    const ctx = this.ctx(pid);
    const { tokens, high, low } = ctx.budget;
    if (ctx.residentTokens <= tokens * high) return [];
    return this.swapOut(pid, tokens * low);
  }

  /**
   * Swaps out pages, best victims first, until resident tokens are at most `targetTokens`
   * (or nothing evictable is left). The batch is written to storage with one event.
   */
  swapOut(pid: Pid, targetTokens: number): Page[] {
    const ctx = this.ctx(pid);
    const heap = ctx.evictable;
    if (!heap) return [];
    const victims: Page[] = [];
    let freed = 0;
    while (ctx.residentTokens - freed > targetTokens && heap.size > 0) {
      const v = heap.pop()!;
      victims.push(v);
      freed += v.tokens;
    }
    if (victims.length === 0) return victims;
    this.journal.atomically(() => {
      const rows = [];
      const now = this.clock.now();
      for (const v of victims) {
        if (v.createdAt === 0) v.createdAt = now;
        v.resident = false;
        rows.push(toRow(v, v.blocks!));
        v.preview = previewOf(rows[rows.length - 1].text);
      }
      this.store.putPages(rows);
      for (const v of victims) {
        ctx.residentTokens -= v.tokens;
        ctx.residentBytes -= v.bytes;
        v.blocks = null;
        v.bytes = 0;
        v.dirty = false;
      }
      ctx.swapped += victims.length;
      ctx.swapOuts += victims.length;
      ctx.batches++;
      this.journal.emit({ type: 'pager.evicted', pid, pageIds: victims.map((v) => v.id), tokens: freed, residentTokens: ctx.residentTokens });
    });
    return victims;
  }

  /**
   * Reads a page by id, from memory or (a page fault) from storage, and marks it used. The page
   * stays where it is in the context: callers (the recall tool) append its content as a new
   * result, which keeps the prompt prefix, and so the prompt cache, intact.
   */
  pageIn(pid: Pid, pageId: number): { page: Page; blocks: LlmBlock[]; fault: boolean } {
    const ctx = this.ctx(pid);
    const page = findPage(ctx.pages, pageId);
    if (!page) throw new KernelError('no_such_page', `agent ${pid} has no page ${pageId}: the stub in your context names the ids you can recall`);
    page.lastAccess = ++this.tick;
    if (page.resident && page.blocks) {
      ctx.evictable?.update(page);
      return { page, blocks: page.blocks, fault: false };
    }
    const row = this.store.getPage(pageId);
    if (!row) throw new KernelError('page_lost', `page ${pageId} of agent ${pid} is not in storage`);
    ctx.faults++;
    const blocks = (JSON.parse(row.content) as { blocks: LlmBlock[] }).blocks;
    this.journal.emit({ type: 'pager.page_in', pid, pageId, tokens: page.tokens, fault: true });
    return { page, blocks, fault: true };
  }

  /** Full-text search over the agent's swapped pages (BM25). */
  search(pid: Pid, query: string, limit = 5): PageHit[] {
    this.ctx(pid);
    return this.store.searchPages(pid, query, limit);
  }

  /** Builds the prompt: pinned and resident pages in order, stubs for swapped runs, cache breakpoints. */
  render(pid: Pid): Prompt {
    const ctx = this.ctx(pid);
    this.evictIfNeeded(pid);
    let out = renderPages(ctx.pages, this.estimator);
    const { tokens: budget, high, low } = ctx.budget;
    if (out.tokens > budget * high) {
      // stubs take room too: evict enough resident pages to bring the whole prompt to the low mark
      this.swapOut(pid, ctx.residentTokens - (out.tokens - budget * low));
      out = renderPages(ctx.pages, this.estimator);
    }
    const { system, rendered, tokens } = out;
    const keys = rendered.map((m) => m.key);
    const prev = ctx.prevKeys;
    let common = 0;
    if (prev) while (common < prev.length && common < keys.length && prev[common] === keys[common]) common++;
    let reusedTokens = 0;
    for (let i = 0; i < common; i++) reusedTokens += rendered[i].tokens;
    const messageTokens = rendered.reduce((n, m) => n + m.tokens, 0);
    ctx.prefixReuse = prev && messageTokens > 0 ? reusedTokens / messageTokens : 0;
    ctx.utilisation = tokens / ctx.budget.tokens;
    ctx.prevKeys = keys;
    // Breakpoints: the end of what the previous prompt shared with this one (read from cache now),
    // and the end of this prompt (written now, read next step).
    const marks: number[] = [];
    if (common > 0) marks.push(common - 1);
    if (rendered.length > 0 && rendered.length - 1 !== common - 1) marks.push(rendered.length - 1);
    return {
      system,
      messages: rendered.map((m) => ({ role: m.role, content: m.content })),
      cache: { system: true, messages: marks },
      tokens,
      keys,
    };
  }

  /** Writes new and changed pages to storage (call inside the step's transaction). */
  flush(pid: Pid): number {
    const ctx = this.ctx(pid);
    if (ctx.dirty.length === 0) return 0;
    const rows = [];
    const now = this.clock.now();
    for (const p of ctx.dirty) {
      if (p.createdAt === 0) p.createdAt = now;
      // a page swapped out since was written by swapOut already
      if (p.dirty && p.blocks) rows.push(toRow(p, p.blocks));
      p.dirty = false;
    }
    ctx.dirty = [];
    if (rows.length) this.store.putPages(rows);
    return rows.length;
  }

  metrics(pid: Pid): PagerMetrics {
    const ctx = this.ctx(pid);
    return {
      residentTokens: ctx.residentTokens,
      residentBytes: ctx.residentBytes,
      residentPages: ctx.pages.length - ctx.swapped,
      swappedPages: ctx.swapped,
      pageFaults: ctx.faults,
      swapOuts: ctx.swapOuts,
      evictionBatches: ctx.batches,
      utilisation: ctx.utilisation,
      prefixReuse: ctx.prefixReuse,
    };
  }

  /** The agent's pages in order (metadata; swapped pages have no content in memory). */
  pages(pid: Pid): readonly Page[] {
    return this.ctx(pid).pages;
  }

  /** The agent's whole context as plain data (what a snapshot stores). */
  exportContext(pid: Pid): { budget: ContextBudget; pages: PageTuple[] } {
    const ctx = this.ctx(pid);
    return { budget: ctx.budget, pages: ctx.pages.map(toTuple) };
  }

  /** Replaces the agent's context with `pages` (from `exportContext`, possibly of an earlier time). */
  importContext(pid: Pid, budget: ContextBudget, tuples: readonly PageTuple[]): void {
    const pages = new Array<Page>(tuples.length);
    for (let i = 0; i < tuples.length; i++) pages[i] = pageOf(pid, tuples[i]);
    this.install(new AgentContext(pid, { ...budget }), pages);
  }

  /** Rebuilds an agent's context from its stored pages (after a restart or a crash). */
  load(pid: Pid, budget: ContextBudget): void {
    const ctx = new AgentContext(pid, budget);
    this.install(ctx, this.store.listPages(pid).map(fromRow));
  }

  private install(ctx: AgentContext, pages: Page[]): void {
    pages.sort((a, b) => a.seq - b.seq);
    ctx.pages = pages;
    const evictable: Page[] = [];
    for (const p of pages) {
      if (p.resident) {
        ctx.residentTokens += p.tokens;
        ctx.residentBytes += p.bytes;
        if (!p.pinned) evictable.push(p);
      } else {
        ctx.swapped++;
      }
      if (p.lastAccess > this.tick) this.tick = p.lastAccess;
      if (p.id >= this.nextPageId) this.nextPageId = p.id + 1;
    }
    ctx.evictable = new Heap(evictBefore);
    ctx.evictable.pushAll(evictable);
    this.contexts.set(ctx.pid, ctx);
  }

  private ctx(pid: Pid): AgentContext {
    const c = this.contexts.get(pid);
    if (!c) throw new KernelError('no_context', `agent ${pid} has no context in this kernel`);
    return c;
  }
}
