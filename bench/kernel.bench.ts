/**
 * Kernel benchmarks: context pager, memory manager, limits, scheduler (names and meanings from
 * the seed AIOS harness where one exists). In-memory cases run on a null store so they measure
 * the kernel alone; snapshot, swap and page-in cases use a real SQLite file (WAL).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ContextPager } from '../src/kernel/context/contextPager';
import { SeedContextApi } from '../src/kernel/context/seedCompat';
import { internals, seedApi } from '../test/support/kernelInternals';
import { EventBus } from '../src/kernel/eventBus';
import { IndexedHeap } from '../src/kernel/heap';
import { Journal } from '../src/kernel/journal';
import { Kernel } from '../src/kernel/kernel';
import { checkLimits } from '../src/kernel/limits';
import { ByteQuotas } from '../src/kernel/byteQuotas';
import { evictBefore, type Page } from '../src/kernel/context/page';
import type { KernelStore } from '../src/kernel/ports/store';
import { systemClock } from '../src/kernel/ports/clock';
import { SqliteStore } from '../src/storage/sqliteStore';
import { measure, summarize, type BenchCase } from './harness';
import { nullStore } from './nullStore';

const BUDGET = { tokens: 1e12, high: 0.9, low: 0.7 };

function journalOn(store: KernelStore): Journal {
  return new Journal(store, new EventBus(() => {}, () => {}), systemClock);
}

/** A pager on its own, over `store` (the in-memory cases measure the pager alone). */
function pagerOn(store: KernelStore): ContextPager {
  return new ContextPager(journalOn(store), store, systemClock);
}

/** A kernel on a temp SQLite file with one agent (pid 1) whose context is unbounded. */
function sqliteAgent(): { store: SqliteStore; pager: ContextPager; seed: SeedContextApi } {
  const store = SqliteStore.open(join(mkdtempSync(join(tmpdir(), 'aios-bench-')), 'bench.db'));
  const kernel = new Kernel({ store });
  kernel.spawn({ task: 'bench', context: BUDGET });
  return { store, pager: internals(kernel).pager, seed: seedApi(kernel) };
}

function fiftyMessages(pager: ContextPager): void {
  for (let i = 0; i < 50; i++) pager.addMessage(1, i % 2 ? 'assistant' : 'user', `message ${i}: Fix the bug in scheduler.py, line ${i}`);
}

export const cases: BenchCase[] = [
  {
    name: 'context.create_100',
    run: () => {
      const store = nullStore();
      return measure('context.create_100', () => {
        const pager = pagerOn(store);
        for (let pid = 1; pid <= 100; pid++) pager.create(pid, BUDGET);
      }, { batch: 10 });
    },
  },
  {
    name: 'context.switch',
    run: () => {
      const store = nullStore();
      const pager = pagerOn(store);
      pager.create(1, BUDGET);
      pager.create(2, BUDGET);
      const seed = new SeedContextApi(pager, store, systemClock);
      const state = { line: 42 };
      return measure('context.switch', (i) => { seed.switch(i & 1 ? 1 : 2, i & 1 ? 2 : 1, state); }, { batch: 10_000 });
    },
  },
  {
    name: 'context.add_message',
    run: () => {
      const store = nullStore();
      let pager = pagerOn(store);
      let pid = 1;
      pager.create(pid, BUDGET);
      return measure('context.add_message', (i) => {
        if (i % 10_000 === 0) { pager = pagerOn(store); pager.create(++pid, BUDGET); } // a fresh context every 10K pages: more than any real window holds
        pager.addMessage(pid, 'user', 'Fix the bug in scheduler.py');
      }, { batch: 10_000 });
    },
  },
  {
    name: 'context.snapshot_50',
    run: () => {
      const { store, pager, seed } = sqliteAgent();
      fiftyMessages(pager);
      const r = measure('context.snapshot_50', () => seed.snapshot(1), { batch: 100 });
      store.close();
      return r;
    },
  },
  {
    name: 'context.load_snapshot',
    run: () => {
      const { store, pager, seed } = sqliteAgent();
      fiftyMessages(pager);
      seed.snapshot(1);
      const r = measure('context.load_snapshot', () => { seed.loadSnapshot(1); }, { batch: 100 });
      store.close();
      return r;
    },
  },
  {
    name: 'limits.check',
    run: () => {
      const kernel = new Kernel({ store: nullStore() });
      const agent = kernel.spawn({ task: 't', budgets: { tokens: 1e9, dollars: 100, steps: 1e6, bytes: 1e9 } });
      let n = 0;
      const r = measure('limits.check', (i) => { if (checkLimits(agent, i & 1023) === null) n++; }, { batch: 100_000 });
      if (n === 0) throw new Error('limits.check: every check failed');
      return r;
    },
  },
  {
    name: 'memory.allocate',
    run: () => {
      const mm = new ByteQuotas(Number.MAX_SAFE_INTEGER);
      mm.register(1, Number.MAX_SAFE_INTEGER);
      return measure('memory.allocate', () => { mm.allocate(1, 64); }, { batch: 100_000 });
    },
  },
  {
    name: 'memory.release',
    run: () => {
      const mm = new ByteQuotas(Number.MAX_SAFE_INTEGER);
      mm.register(1, Number.MAX_SAFE_INTEGER);
      mm.allocate(1, 1e15);
      return measure('memory.release', () => { mm.release(1, 64); }, { batch: 100_000 });
    },
  },
  {
    name: 'memory.evict_lru_80',
    run: () => measure('memory.evict_lru_80', () => {
      const mm = new ByteQuotas(80 * 1024 * 1024);
      for (let pid = 1; pid <= 80; pid++) {
        mm.register(pid, 2 * 1024 * 1024);
        mm.allocate(pid, 1024 * 1024);
      }
      mm.evictLru(40 * 1024 * 1024);
    }, { batch: 10 }),
  },
  {
    name: 'pager.evict_5000',
    run: () => {
      // The choice: pop the best victim from the heap of 5,000 resident pages (and put it back).
      const heap = new IndexedHeap<Page>(evictBefore);
      for (let i = 0; i < 5000; i++) heap.push({ heapIndex: -1, id: i, seq: i, importance: [0.3, 0.5, 0.4, 0.8][i % 4], lastAccess: (i * 7919) % 5000 } as Page);
      let tick = 5000;
      const choice = measure('pager.evict_5000', () => {
        const v = heap.pop()!;
        v.lastAccess = ++tick;
        heap.push(v);
      }, { batch: 1, durationMs: 500 });
      // The whole swap-out of one victim with 5,000 pages resident, written to SQLite.
      const { store, pager } = sqliteAgent();
      for (let i = 0; i < 5000; i++) pager.addMessage(1, i % 2 ? 'assistant' : 'user', `message ${i} ${'x'.repeat(200)}`);
      const samples: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const before = pager.metrics(1).residentTokens;
        const t0 = performance.now();
        pager.swapOut(1, before - 1);
        samples.push(performance.now() - t0);
        pager.addMessage(1, 'user', `refill ${i} ${'x'.repeat(200)}`);
      }
      store.close();
      const whole = summarize('swap', samples, 1);
      return { ...choice, swap_out_p50_us: whole.p50_us, swap_out_p99_us: whole.p99_us };
    },
  },
  {
    name: 'pager.page_in',
    run: () => {
      const { store, pager } = sqliteAgent();
      const page = pager.addMessage(1, 'user', 'y'.repeat(16_000)); // ≈ 4K tokens
      pager.addMessage(1, 'assistant', 'ok');
      pager.swapOut(1, 0);
      const r = measure('pager.page_in', () => {
        if (!pager.pageIn(1, page.id).fault) throw new Error('page_in: expected a fault');
      }, { batch: 10 });
      store.close();
      return r;
    },
  },
  {
    // The kernel's write path for events that are not tied to a state change: queued and
    // committed together with the next write (the storage.* cases commit every call alone).
    name: 'journal.event_emit',
    run: () => {
      const { store } = sqliteAgent();
      const journal = journalOn(store);
      const r = measure('journal.event_emit', (i) => {
        journal.emit({ type: 'tool.call', pid: 1, tool: 'read_file', callId: `c${i}`, risk: 'low' });
        if (i % 100 === 99) journal.flush();
      }, { batch: 100 });
      store.close();
      return { ...r, committed_every: 100 };
    },
  },
  {
    name: 'scheduler.pick_10000',
    run: () => {
      const kernel = new Kernel({ store: nullStore(), scheduler: { maxConcurrent: 1 } });
      for (let i = 0; i < 10_000; i++) kernel.spawn({ task: `t${i}`, priority: i % 100 });
      // Timed: choosing and dispatching the next agent. Untimed: putting it back after its step.
      const samples: number[] = [];
      for (let i = 0; i < 50_000; i++) {
        const t0 = performance.now();
        const d = kernel.steps.next();
        samples.push(performance.now() - t0);
        if (d.kind !== 'run') throw new Error(`pick: ${d.kind}`);
        kernel.steps.end(kernel.steps.begin(d.pid, 0), { kind: 'continue' });
      }
      return summarize('scheduler.pick_10000', samples.slice(5000), 1, { store: 'null' });
    },
  },
];
