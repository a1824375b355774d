import assert from 'node:assert/strict';
import { IndexedHeap } from '../../src/kernel/heap';
import { Kernel } from '../../src/kernel/kernel';
import { ByteQuotas } from '../../src/kernel/byteQuotas';
import { FakeClock, InMemoryStore } from '../support/inMemoryStore';
import { internals } from '../support/kernelInternals';

describe('byte quotas', () => {
  it('allocates within the agent quota and the global limit, with reasons when refused', () => {
    const mm = new ByteQuotas(1000);
    mm.register(1, 600);
    mm.register(2, 600);
    assert.deepEqual(mm.allocate(1, 500), { ok: true });
    assert.deepEqual(mm.allocate(1, 200), { ok: false, reason: 'agent 1 would use 700 bytes, over its quota of 600' });
    assert.deepEqual(mm.allocate(2, 501), { ok: false, reason: 'global memory limit of 1000 bytes reached (500 in use)' });
    assert.deepEqual(mm.allocate(9, 1), { ok: false, reason: 'agent 9 has no memory account' });
    mm.release(1, 300);
    assert.equal(mm.usage(1).used, 200);
    assert.equal(mm.releaseAll(1), 200);
    assert.equal(mm.stats().used, 0);
    assert.equal(mm.stats().refusals, 2);
  });

  it('evicts least recently used agents until the target is free', () => {
    const mm = new ByteQuotas(1000);
    for (const pid of [1, 2, 3]) mm.register(pid, 1000);
    mm.allocate(1, 300); mm.allocate(2, 300); mm.allocate(3, 300);
    mm.allocate(1, 10); // 1 is now the most recently used
    assert.deepEqual(mm.evictLru(400), [2, 3]);
    assert.equal(mm.stats().free, 690);
    assert.deepEqual(mm.top(1).map((a) => a.pid), [1]);
  });

  it('under pressure the kernel suspends the LRU agent and swaps its pages out', () => {
    const store = new InMemoryStore();
    const kernel = new Kernel({ store, clock: new FakeClock(), memory: { globalLimitBytes: 20_000, defaultQuotaBytes: 15_000 } });
    const a = kernel.spawn({ task: 'a' });
    kernel.contexts.addMessage(a.pid, 'user', 'x'.repeat(4000)); // 8 KB
    assert.equal(internals(kernel).syncMemory(a.pid), true);
    const b = kernel.spawn({ task: 'b' });
    kernel.contexts.addMessage(b.pid, 'user', 'y'.repeat(6500)); // 13 KB: over the global limit with a's 8 KB
    assert.equal(internals(kernel).syncMemory(b.pid), true);
    assert.equal(kernel.agents.get(a.pid).state, 'suspended');
    assert.match(kernel.agents.get(a.pid).reason ?? '', /memory pressure/);
    assert.equal(kernel.contexts.metrics(a.pid).swappedPages, 1);
    kernel.events.flush(); // events outside a transaction are written with the next write
    assert.ok(store.events.some((e) => e.event.type === 'memory.evicted' && e.event.pid === a.pid));
  });
});

describe('indexed heap', () => {
  it('pops in order and supports removal and update of any item', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ heapIndex: -1, k: (i * 7919) % 200 }));
    const heap = new IndexedHeap<{ heapIndex: number; k: number }>((a, b) => a.k < b.k);
    for (const it of items) heap.push(it);
    heap.remove(items[10]);
    items[20].k = -1;
    heap.update(items[20]);
    const out: number[] = [];
    for (let x = heap.pop(); x; x = heap.pop()) out.push(x.k);
    assert.equal(out.length, 199);
    assert.equal(out[0], -1);
    for (let i = 1; i < out.length; i++) assert.ok(out[i - 1] <= out[i]);
  });
});
