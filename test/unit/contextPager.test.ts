import assert from 'node:assert/strict';
import { Kernel } from '../../src/kernel/kernel';
import type { LlmMessage } from '../../src/kernel/ports/llm';
import { FakeClock, InMemoryStore } from '../support/inMemoryStore';
import { internals, seedApi } from '../support/kernelInternals';

/** A kernel with one agent whose context budget is `tokens` (estimator: 1 token per 4 chars). */
function setup(tokens = 1000, high = 0.9, low = 0.5) {
  const store = new InMemoryStore();
  const kernel = new Kernel({ store, clock: new FakeClock() });
  const a = kernel.spawn({ task: 'TASK: refactor the parser', system: 'SYSTEM PROMPT', context: { tokens, high, low } });
  return { store, kernel, pager: internals(kernel).pager, seed: seedApi(kernel), pid: a.pid };
}

const words = (n: number, tag: string) => `${tag} ` + 'x'.repeat(n * 4 - tag.length - 1); // ≈ n tokens

/** Checks the Messages API's structural rules: starts with user, roles alternate, each tool_result answers a tool_use in the previous message. */
function assertValidConversation(messages: LlmMessage[]): void {
  assert.equal(messages[0].role, 'user');
  for (let i = 1; i < messages.length; i++) assert.notEqual(messages[i].role, messages[i - 1].role, `messages ${i - 1} and ${i} have the same role`);
  for (let i = 0; i < messages.length; i++) {
    for (const b of messages[i].content) {
      if (b.type !== 'tool_result') continue;
      const prev = messages[i - 1];
      assert.ok(prev?.content.some((c) => c.type === 'tool_use' && c.id === b.toolUseId), `tool_result ${b.toolUseId} does not answer a call in the previous message`);
    }
  }
}

describe('context pager', () => {
  it('evicts in one batch from the high watermark down to the low one, oldest first', () => {
    const { pager, pid, store } = setup(1000, 0.9, 0.5);
    const pages = [];
    for (let i = 0; i < 8; i++) pages.push(pager.addMessage(pid, i % 2 ? 'assistant' : 'user', words(100, `m${i}`)));
    assert.equal(pager.metrics(pid).swappedPages, 0, '8×100 + pinned stays under 900');
    pager.addMessage(pid, 'user', words(100, 'm8'));
    const m = pager.metrics(pid);
    assert.ok(m.residentTokens <= 500, `resident ${m.residentTokens} should be at most the low watermark`);
    assert.equal(m.evictionBatches, 1);
    const evicted = store.events.map((e) => e.event).filter((e) => e.type === 'pager.evicted');
    assert.equal(evicted.length, 1);
    assert.deepEqual(evicted[0].type === 'pager.evicted' && evicted[0].pageIds, pages.slice(0, 5).map((p) => p.id));
  });

  it('never evicts pinned pages (system, task)', () => {
    const { pager, pid } = setup(300, 0.9, 0.5);
    for (let i = 0; i < 20; i++) pager.addMessage(pid, i % 2 ? 'assistant' : 'user', words(50, `m${i}`));
    const pinned = pager.pages(pid).filter((p) => p.pinned);
    assert.equal(pinned.length, 2);
    assert.ok(pinned.every((p) => p.resident));
    const prompt = pager.render(pid);
    assert.equal(prompt.system, 'SYSTEM PROMPT');
    assert.match(JSON.stringify(prompt.messages[0]), /TASK: refactor the parser/);
  });

  it('prefers low-importance pages as victims', () => {
    const { pager, pid } = setup(1000, 0.9, 0.6);
    const important = pager.add(pid, { kind: 'summary', role: 'user', blocks: [{ type: 'text', text: words(200, 'summary') }], importance: 0.9 });
    const file = pager.add(pid, { kind: 'file', role: 'user', blocks: [{ type: 'text', text: words(200, 'file') }], importance: 0.2 });
    pager.addMessage(pid, 'assistant', words(200, 'a'));
    pager.addMessage(pid, 'user', words(350, 'b'));
    assert.equal(pager.pages(pid).find((p) => p.id === file.id)?.resident, false, 'the unimportant file page goes first');
    assert.equal(pager.pages(pid).find((p) => p.id === important.id)?.resident, true);
  });

  it('stores swapped pages verbatim, leaves a stub naming them, and pages them back in by id', () => {
    const { pager, pid, store } = setup(400, 0.9, 0.5);
    const secret = pager.addMessage(pid, 'user', 'The deploy key rotation happens on Tuesdays ' + words(100, 'pad'));
    for (let i = 0; i < 4; i++) pager.addMessage(pid, i % 2 ? 'user' : 'assistant', words(80, `m${i}`));
    const page = pager.pages(pid).find((p) => p.id === secret.id)!;
    assert.equal(page.resident, false);
    assert.equal(page.blocks, null, 'content leaves memory once stored');
    assert.match(store.getPage(secret.id)!.content, /deploy key rotation happens on Tuesdays/);
    const prompt = pager.render(pid);
    const text = JSON.stringify(prompt.messages);
    assert.doesNotMatch(text, /rotation happens on Tuesdays xxxx/);
    assert.match(text, new RegExp(`#${secret.id} user message: The deploy key rotation`));
    assert.match(text, /Call recall with \{\\"page\\": ID\}/);
    const back = pager.pageIn(pid, secret.id);
    assert.equal(back.fault, true);
    assert.match(JSON.stringify(back.blocks), /happens on Tuesdays/);
    assert.equal(pager.metrics(pid).pageFaults, 1);
    assert.deepEqual(pager.search(pid, 'Tuesdays rotation', 5).map((h) => h.id), [secret.id]);
    assert.throws(() => pager.pageIn(pid, 99999), /has no page 99999/);
  });

  it('renders a valid conversation when tool calls and results are split by eviction', () => {
    const { pager, pid } = setup(600, 0.9, 0.5);
    for (let i = 0; i < 12; i++) {
      const id = `call_${i}`;
      pager.add(pid, { kind: 'message', role: 'assistant', blocks: [{ type: 'text', text: `step ${i}` }, { type: 'tool_use', id, name: 'read_file', input: { path: `f${i}.ts` } }] });
      pager.add(pid, { kind: 'tool_result', role: 'user', blocks: [{ type: 'tool_result', toolUseId: id, content: words(60 + (i % 3) * 20, `r${i}`), isError: false }] });
      const prompt = pager.render(pid);
      assertValidConversation(prompt.messages);
      assert.ok(prompt.tokens <= 600, `prompt of ${prompt.tokens} tokens exceeds the budget at step ${i}`);
    }
    // a tool result swapped while its call stays resident remains a tool_result (stub content)
    const pages = pager.pages(pid);
    const resultPage = pages.find((p) => p.kind === 'tool_result' && !p.resident);
    assert.ok(resultPage);
  });

  it('keeps the prompt prefix stable between steps so caching can hit, and measures reuse', () => {
    const { pager, pid } = setup(100_000);
    pager.addMessage(pid, 'assistant', words(500, 'a1'));
    pager.addMessage(pid, 'user', words(500, 'u1'));
    const first = pager.render(pid);
    pager.addMessage(pid, 'assistant', words(50, 'a2'));
    pager.addMessage(pid, 'user', words(50, 'u2'));
    const second = pager.render(pid);
    assert.deepEqual(second.keys.slice(0, first.keys.length), first.keys);
    assert.ok(pager.metrics(pid).prefixReuse > 0.85, `prefix reuse ${pager.metrics(pid).prefixReuse}`);
    // breakpoints: where the previous prompt ended (read now) and the end of this one (written now)
    assert.deepEqual(second.cache, { system: true, messages: [first.messages.length - 1, second.messages.length - 1] });
  });

  it('uses real token counts from the API when known', () => {
    const { pager, pid } = setup();
    const p = pager.addMessage(pid, 'assistant', 'short');
    const before = pager.metrics(pid).residentTokens;
    pager.setExactTokens(pid, p.id, 42);
    assert.equal(pager.metrics(pid).residentTokens, before - 2 + 42);
  });

  it('saves, restores and switches execution state, and snapshots a context to storage', () => {
    const { pager, seed, pid, kernel } = setup();
    const other = kernel.spawn({ task: 'other' }).pid;
    seed.save(pid, { line: 42 });
    seed.save(other, { line: 7 });
    assert.deepEqual(seed.switch(pid, other, { line: 43 }), { line: 7 });
    assert.deepEqual(seed.restore(pid), { line: 43 });
    for (let i = 0; i < 50; i++) pager.addMessage(pid, i % 2 ? 'assistant' : 'user', `message ${i}`);
    seed.snapshot(pid, 'before-refactor');
    pager.addMessage(pid, 'user', 'after the snapshot');
    assert.equal(seed.loadSnapshot(pid, 'before-refactor'), true);
    assert.equal(pager.pages(pid).length, 52);
    assert.deepEqual(seed.restore(pid), { line: 43 });
    assert.doesNotMatch(JSON.stringify(pager.render(pid).messages), /after the snapshot/);
    assert.equal(seed.loadSnapshot(pid, 'nope'), false);
  });

  it('loads the same snapshot again unchanged after the loaded context was used, and a new snapshot when it was replaced', () => {
    const { pager, seed, pid } = setup(100_000);
    for (let i = 0; i < 10; i++) pager.addMessage(pid, 'user', `message ${i}`);
    seed.save(pid, { step: 1, files: ['a.ts'] });
    seed.snapshot(pid);
    assert.equal(seed.loadSnapshot(pid), true);
    // use the loaded context: new pages, a swap-out, a changed saved state (the parsed snapshot must not change with it)
    pager.addMessage(pid, 'user', 'after the first load');
    pager.swapOut(pid, 0);
    (seed.restore(pid) as { files: string[] }).files.push('b.ts');
    assert.equal(seed.loadSnapshot(pid), true);
    assert.equal(pager.pages(pid).length, 12);
    assert.ok(pager.pages(pid).every((p) => p.resident && p.blocks), 'every page is resident again, with its content');
    assert.deepEqual(seed.restore(pid), { step: 1, files: ['a.ts'] });
    assert.doesNotMatch(JSON.stringify(pager.render(pid).messages), /after the first load/);
    // a new snapshot under the same name replaces what the next load sees
    pager.addMessage(pid, 'user', 'in the second snapshot');
    seed.snapshot(pid);
    pager.addMessage(pid, 'user', 'after the second snapshot');
    assert.equal(seed.loadSnapshot(pid), true);
    assert.match(JSON.stringify(pager.render(pid).messages), /in the second snapshot/);
    assert.doesNotMatch(JSON.stringify(pager.render(pid).messages), /after the second snapshot/);
  });

  it('writes only new pages at each flush', () => {
    const { pager, pid, kernel, store } = setup();
    pager.addMessage(pid, 'assistant', 'one');
    assert.equal(kernel.events.atomically(() => pager.flush(pid)), 1);
    assert.equal(kernel.events.atomically(() => pager.flush(pid)), 0);
    pager.addMessage(pid, 'user', 'two');
    assert.equal(kernel.events.atomically(() => pager.flush(pid)), 1);
    assert.equal(store.listPages(pid).length, 4);
  });
});
