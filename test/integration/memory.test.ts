import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentMemories } from '../../src/memories/agentMemory';
import { MemoryQuotaError } from '../../src/memories/memoryPort';
import { Kernel } from '../../src/kernel/kernel';
import type { ApprovalAnswer, ApprovalClient } from '../../src/kernel/ports/approvals';
import type { ScriptTurn } from '../../src/llm/scriptFile';
import { KernelSession } from '../../src/session/kernelSession';
import { SqliteMemoryStore } from '../../src/storage/agentMemoryStore';
import { SqliteStore } from '../../src/storage/sqliteStore';

const denyAll: ApprovalClient = { ask: async (): Promise<ApprovalAnswer> => ({ decision: 'deny', reason: null }) };

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'aios-mem-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  let n = 0;
  return {
    ws,
    db: join(dir, 'aios.db'),
    script: (turns: ScriptTurn[]) => {
      const p = join(dir, `s${n++}.json`);
      writeFileSync(p, JSON.stringify({ turns }));
      return `scripted:${p}`;
    },
  };
}

/** A kernel and a memory service on a real SQLite file, without the step loop. */
function openMemories(db: string, scope: string, quota?: number) {
  const store = SqliteStore.open(db);
  const kernel = new Kernel({ store, memory: quota ? { defaultQuotaBytes: quota } : undefined });
  const memories = new AgentMemories({ kernel, store: new SqliteMemoryStore(store.connection), scope });
  return { store, kernel, memories };
}

describe('agent memory (real SQLite, FTS5 with BM25)', function () {
  this.timeout(20_000);

  it('agents remember facts with the tool; the memories survive a restart and are recalled by a new agent', async () => {
    const f = fixture();
    const first = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: denyAll, sandbox: false });
    const a = first.kernel.spawn({
      task: 'learn the project',
      model: f.script([
        { tool_calls: [
          { name: 'remember', input: { fact: 'The scheduler ages waiting agents by one priority point per second.', tags: ['scheduler'], shared: true } },
          { name: 'remember', input: { fact: 'My own note: the flaky test is test/unit/scheduler.test.ts, retry it once.', tags: ['tests'] } },
        ] },
        { text: 'noted' },
      ]),
    });
    await first.runtime.idle();
    assert.equal(first.kernel.agents.get(a.pid).state, 'done');
    const pages = first.store.listPages(a.pid).map((p) => p.text).join('\n');
    assert.match(pages, /remembered as memory #\d+ \(shared: every agent in this workspace can recall it\)/);
    assert.match(pages, /remembered as memory #\d+ \(yours: only you can recall it\)/);
    await first.close();

    // a fresh process: the database is reopened, a new agent searches with recall
    const second = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: denyAll, sandbox: false });
    const b = second.kernel.spawn({ task: 'how does aging work?', model: f.script([{ tool_calls: [{ name: 'recall', input: { query: 'scheduler aging' } }] }, { text: 'found it' }]) });
    await second.runtime.idle();
    const seen = second.store.listPages(b.pid).map((p) => p.text).join('\n');
    assert.match(seen, /Swapped-out context: no page matches\./);
    assert.match(seen, /Long-term memories \(yours and shared in this workspace\):\n {2}memory #\d+ \[shared\] \(tags: scheduler\): The scheduler ages waiting agents/);
    assert.doesNotMatch(seen, /flaky test/, "another agent's own memory is not visible");
    // the first agent (restored pid) still finds its own memory
    assert.equal(second.memories.recall(a.pid, 'flaky test', 5)[0]?.memory.text, 'My own note: the flaky test is test/unit/scheduler.test.ts, retry it once.');
    await second.close();
  });

  it('ranks by relevance (BM25): memories with all words first, the most specific first, unrelated ones not at all', () => {
    const f = fixture();
    const { store, memories } = openMemories(f.db, f.ws);
    const facts = [
      'The pager evicts pages by age and importance.',
      'Scheduler aging: a waiting agent gains one priority point per second; aging keeps low-priority agents from starving.',
      'The scheduler runs at most four model calls at once.',
      'SQLite runs in WAL mode.',
      '调度器使用带老化的优先级堆。',
    ];
    for (const fact of facts) memories.remember(null, fact);
    const hits = memories.recall(null, 'scheduler aging', 5).map((h) => h.memory.text);
    assert.equal(hits[0], facts[1], 'the memory with both words, twice, ranks first');
    assert.ok(hits.includes(facts[2]), 'a memory with one of the words still comes (filled in after)');
    assert.ok(hits.indexOf(facts[2]) > 0);
    assert.ok(!hits.includes(facts[3]));
    assert.ok(!hits.includes(facts[0]));
    // stemming: "evicting" finds "evicts"; Chinese bigrams find a word inside a sentence
    assert.equal(memories.recall(null, 'evicting pages', 3)[0]?.memory.text, facts[0]);
    assert.equal(memories.recall(null, '调度器', 3)[0]?.memory.text, facts[4]);
    assert.equal(memories.recall(null, '优先级', 3)[0]?.memory.text, facts[4]);
    // query syntax is text, never FTS5 operators
    assert.doesNotThrow(() => memories.recall(null, 'NEAR( "scheduler" AND -aging *', 3));
    store.close();
  });

  it('keeps own memories per agent and shares workspace memories; scopes do not mix', () => {
    const f = fixture();
    const { store, kernel, memories } = openMemories(f.db, '/ws/one');
    const a = kernel.spawn({ task: 'a' }).pid;
    const b = kernel.spawn({ task: 'b' }).pid;
    memories.remember(a, 'alpha secret: the staging database is on port 5433');
    memories.remember(b, 'beta note: the staging database password rotates weekly');
    memories.remember(a, 'team rule: the staging database is read-only on Fridays', { shared: true });
    const seenBy = (pid: number) => memories.recall(pid, 'staging database', 10).map((h) => h.memory.text).sort();
    assert.deepEqual(seenBy(a), ['alpha secret: the staging database is on port 5433', 'team rule: the staging database is read-only on Fridays']);
    assert.deepEqual(seenBy(b), ['beta note: the staging database password rotates weekly', 'team rule: the staging database is read-only on Fridays']);
    const other = new AgentMemories({ kernel, store: memories.store, scope: '/ws/two' });
    assert.deepEqual(other.recall(a, 'staging database', 10), []);
    // the same fact again is refreshed, not duplicated
    const again = memories.remember(a, 'alpha secret: the staging database is on port 5433', { tags: ['db'] });
    assert.equal(again.existed, true);
    assert.equal(memories.store.count('/ws/one'), 3);
    assert.deepEqual(again.memory.tags, ['db']);
    store.close();
  });

  it("stays within the memory manager's quotas with a clear error", () => {
    const f = fixture();
    const { store, kernel, memories } = openMemories(f.db, f.ws);
    const pid = kernel.spawn({ task: 'small', memoryQuota: 4096 }).pid;
    memories.remember(pid, 'x'.repeat(1000));
    assert.throws(() => memories.remember(pid, 'y'.repeat(1200)), (err: unknown) => {
      assert.ok(err instanceof MemoryQuotaError);
      assert.match(err.message, /agent \d+'s long-term memories use 2 KiB of its 4 KiB memory quota; this one needs 2\.3 KiB more\. Remember less \(or shared\), forget old memories, or raise the agent's quota\./);
      return true;
    });
    // working memory shares the quota with the agent's resident context
    const sdk = memories.for(pid);
    assert.throws(() => sdk.store('scratch', 'z'.repeat(4000)), /agent \d+'s memory quota is 4 KiB: its context holds .* and its working memory 0 B; storing 'scratch'/);
    sdk.store('small', 'fits');
    assert.equal(sdk.retrieve('small'), 'fits');
    store.close();
  });

  it("offers the seed SDK's store / retrieve / search(query, topK) across layers, long-term surviving a reopen", () => {
    const f = fixture();
    const one = openMemories(f.db, f.ws);
    const pid = one.kernel.spawn({ task: 'sdk' }).pid;
    const mem = one.memories.for(pid);
    mem.store('current_file', 'src/kernel/scheduler.ts');
    mem.store('decision', { choice: 'use a heap for the run queue', why: 'O(log n) dispatch' }, { layer: 'long_term', tags: ['scheduler'] });
    mem.store('observation', 'the run queue was a sorted array', { layer: 'episodic' });
    assert.equal(mem.retrieve('current_file'), 'src/kernel/scheduler.ts');
    assert.deepEqual(mem.retrieve('decision'), { choice: 'use a heap for the run queue', why: 'O(log n) dispatch' });
    const hits = mem.search('run queue heap', 10);
    assert.equal(hits[0].layer, 'long_term', JSON.stringify(hits));
    assert.ok(hits.some((h) => h.layer === 'episodic' && /sorted array/.test(h.text)));
    // a new value under the same key replaces the old one
    mem.store('decision', 'use a binary heap', { layer: 'long_term' });
    assert.equal(mem.retrieve('decision'), 'use a binary heap');
    one.store.close();

    const two = openMemories(f.db, f.ws);
    const again = two.memories.for(pid);
    assert.equal(again.retrieve('decision'), 'use a binary heap', 'long-term memory survived the reopen');
    assert.equal(again.retrieve('current_file'), undefined, 'working memory is per process');
    assert.equal(again.search('binary heap', 3)[0]?.text, 'use a binary heap');
    assert.equal(again.forget('decision'), true);
    assert.equal(again.retrieve('decision'), undefined);
    two.store.close();
  });

  it('derives episodic memory from the events of the run', async () => {
    const f = fixture();
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: denyAll, sandbox: false });
    const a = session.kernel.spawn({
      task: 'story',
      model: f.script([
        { text: 'Looking around.', tool_calls: [{ name: 'list_dir', input: {} }] },
        { tool_calls: [{ name: 'remember', input: { fact: 'the workspace is empty' } }] },
        { text: 'Nothing here.' },
      ]),
    });
    await session.runtime.idle();
    const story = session.memories.episodes(a.pid).map((e) => e.text);
    assert.deepEqual(story, [
      'started as coder (coder-1)',
      'said: Looking around.',
      'list_dir succeeded',
      'remembered memory #1',
      'remember succeeded',
      'said: Nothing here.',
      'became done',
    ]);
    assert.ok(session.memories.for(a.pid).search('list_dir', 5).some((h) => h.layer === 'episodic'));
    await session.close();
  });
});
