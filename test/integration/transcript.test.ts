/**
 * Transcripts and talking to agents on a real kernel session (real SQLite file, real workspace
 * files, the scripted model): the live transcript equals the one rebuilt from the database by a
 * new session (one source of truth after a restart); messages enter the context at a step
 * boundary; a finished agent takes a new turn; a spent budget is reported, raised and resumed;
 * ask_developer waits without a model slot until answered.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import { TranscriptService } from '../../src/host/transcripts';
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest } from '../../src/kernel/ports/approvals';
import type { Script } from '../../src/llm/scriptFile';
import type { QuestionView, TranscriptEntry, TranscriptOp } from '../../src/protocol/transcript';
import { formatEntry, formatStrip } from '../../src/protocol/transcriptFormat';
import { storedTranscript } from '../../src/transcript/load';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { Kernel } from '../../src/kernel/kernel';
import { Conversation } from '../../src/conversation/conversation';

/** Answers approvals when told to; records what was asked. */
class Developer implements ApprovalClient {
  asked: ApprovalRequest[] = [];
  private waiting: Array<(a: ApprovalAnswer) => void> = [];
  private readonly arrivals: Array<() => void> = [];
  ask(request: ApprovalRequest): Promise<ApprovalAnswer> {
    this.asked.push(request);
    for (const a of this.arrivals.splice(0)) a();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async nextRequest(): Promise<void> {
    if (this.waiting.length) return;
    await new Promise<void>((r) => this.arrivals.push(r));
  }
  answer(a: ApprovalAnswer): void {
    this.waiting.shift()?.(a);
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'aios-tr-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'greet.js'), "return 'Helo, ' + name;\n");
  let n = 0;
  const script = (s: Script) => { const p = join(dir, `s${n++}.json`); writeFileSync(p, JSON.stringify(s)); return `scripted:${p}`; };
  return { ws, db: join(dir, 'aios.db'), script };
}

/** Waits until `check` is true, re-checking on each kernel event; fails after the deadline. */
async function until(session: KernelSession, what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const sub = session.kernel.subscribe('*', () => { sub.dispose(); resolve(); });
      setTimeout(() => { sub.dispose(); resolve(); }, 50);
    });
  }
}

const coder: Script = { turns: [
  { text: 'Reading the greeting.', tool_calls: [{ name: 'read_file', input: { path: 'greet.js' } }], usage: { input_tokens: 1000, output_tokens: 40, cache_read_input_tokens: 300, cache_creation_input_tokens: 50 } },
  { text: 'Fixing \u001b[2Kthe typo.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.js', old_text: 'Helo', new_text: 'Hello' } }], usage: { input_tokens: 1200, output_tokens: 60 } },
  { text: 'Calling a tool that does not exist.', tool_calls: [{ name: 'no_such_tool', input: {} }], usage: { input_tokens: 1300, output_tokens: 20 } },
  { text: 'Done: the greeting says Hello.', usage: { input_tokens: 1400, output_tokens: 30 } },
  { text: 'Second turn: I read your message.', usage: { input_tokens: 1500, output_tokens: 25 } },
] };

/** Entries without the live-only difference (streaming flags are off once a step committed). */
function normal(entries: TranscriptEntry[]): unknown[] {
  return entries.map((e) => JSON.parse(JSON.stringify(e)) as unknown);
}

describe('transcripts from the kernel\'s events and pages (real SQLite, scripted model)', function () {
  this.timeout(20_000);
  const sessions: KernelSession[] = [];
  afterEach(async () => { for (const s of sessions.splice(0)) await s.close(); });

  it('streams a live transcript that equals the one rebuilt from the database after a restart', async () => {
    const w = setup();
    const dev = new Developer();
    const live: TranscriptOp[] = [];
    let service: TranscriptService | null = null;
    const session = KernelSession.open({
      dbPath: w.db, workspace: w.ws, approvals: dev, sandbox: false, controlPollMs: 0,
      onText: (pid, d) => service?.stream(pid, d),
      onToolResult: (pid, id, content, isError) => service?.toolResult(pid, id, content, isError),
    });
    sessions.push(session);
    service = new TranscriptService({ kernel: session.kernel, store: session.store, approval: () => undefined, intervalMs: 5, channel: { send: (_pid, ops) => live.push(...ops), question: () => {} } });
    const pid = session.kernel.spawn({ task: 'fix the greeting', model: w.script(coder), budgets: { steps: 10 } }).pid;
    const opened = service.openTranscript(pid);
    assert.equal(opened.entries[0].kind, 'task');

    // The edit waits for the developer: the card says so before anyone answers.
    await dev.nextRequest();
    await until(session, 'the waiting card', () => live.some((o) => o.op === 'upsert' && o.entry.kind === 'tool' && o.entry.state === 'waiting'));
    dev.answer({ decision: 'approve', remember: null });
    await session.runtime.idle();
    await session.kernel.idle();
    service.flush();

    // Rebuild the live view from the ops the extension received.
    const view = new Map<string, TranscriptEntry>();
    const order: string[] = [];
    for (const o of live) {
      if (o.op === 'upsert') { if (!view.has(o.entry.id)) order.push(o.entry.id); view.set(o.entry.id, o.entry); }
      if (o.op === 'append') { const m = view.get(o.id); if (m?.kind === 'model') m.text += o.text; }
    }
    const liveEntries = [opened.entries[0], ...order.filter((id) => id !== 'task').map((id) => view.get(id)!)];
    const kinds = liveEntries.map((e) => e.kind);
    assert.deepEqual(kinds.filter((k) => k === 'tool').length, 2, kinds.join(','));
    const edit = liveEntries.find((e): e is Extract<TranscriptEntry, { kind: 'tool' }> => e.kind === 'tool' && e.tool === 'edit_file')!;
    assert.equal(edit.state, 'approved_by_you');
    assert.equal(edit.summary, 'greet.js');
    assert.deepEqual(edit.result?.kind === 'applied' && edit.result.files, ['greet.js']);
    const read = liveEntries.find((e): e is Extract<TranscriptEntry, { kind: 'tool' }> => e.kind === 'tool' && e.tool === 'read_file')!;
    assert.equal(read.state, 'done');
    assert.equal(read.result?.kind, 'file');
    // A call with an unknown tool leaves a visible trace with the reason.
    const rejected = liveEntries.find((e) => e.kind === 'rejected');
    assert.ok(rejected?.kind === 'rejected' && /no_such_tool/.test(rejected.tool + rejected.error), JSON.stringify(rejected));
    const result = liveEntries.at(-1)!;
    assert.ok(result.kind === 'result' && result.text === 'Done: the greeting says Hello.' && result.scripted, JSON.stringify(result));
    assert.equal(readFileSync(join(w.ws, 'greet.js'), 'utf8'), "return 'Hello, ' + name;\n");

    // The strip's figures are the process table's.
    const strip = live.filter((o) => o.op === 'strip').at(-1)!;
    const agent = session.kernel.agents.get(pid);
    assert.ok(strip.op === 'strip');
    assert.deepEqual(strip.strip.tokens, { input: agent.usage.inputTokens, output: agent.usage.outputTokens, cacheRead: 300, cacheWrite: 50 });
    assert.equal(strip.strip.steps.used, 4);
    assert.equal(strip.strip.steps.limit, 10);

    // A new session on the same file (the host restarted) builds the same transcript from storage.
    await session.close();
    sessions.pop();
    const store = SqliteStore.open(w.db, { readonly: true });
    try {
      const rebuilt = storedTranscript(store, pid).view();
      assert.deepEqual(normal(rebuilt.entries), normal(liveEntries));
      const text = [...formatStrip(rebuilt.strip), ...rebuilt.entries.flatMap((e) => formatEntry(e))].join('\n');
      assert.match(text, /\(scripted\)/);
      // A model's ANSI escape is shown escaped, never passed to the terminal.
      assert.ok(!text.includes('\u001b'));
      assert.match(text, /Fixing \\e\[2Kthe typo/);
    } finally {
      store.close();
    }
  });

  it('delivers a message to a live agent at its next step boundary, and a new turn to a finished one', async () => {
    const w = setup();
    const dev = new Developer();
    const session = KernelSession.open({ dbPath: w.db, workspace: w.ws, approvals: dev, sandbox: false, controlPollMs: 0 });
    sessions.push(session);
    const pid = session.kernel.spawn({ task: 'fix the greeting', model: w.script(coder) }).pid;
    await dev.nextRequest(); // mid-step: waiting for the edit's approval
    const sent = session.conversation.send(pid, 'please keep the comma');
    assert.equal(sent.outcome, 'queued');
    const messagePages = () => session.kernel.contexts.pages(pid).filter((p) => p.role === 'user' && p.blocks?.some((b) => b.type === 'text' && b.text.includes('please keep the comma')));
    assert.equal(messagePages().length, 0, 'not inside the step: a tool call and its result stay together');
    dev.answer({ decision: 'approve', remember: null });
    await until(session, 'the message page', () => messagePages().length === 1);
    const pages = session.kernel.contexts.pages(pid);
    const at = pages.indexOf(messagePages()[0]);
    assert.equal(pages[at - 1].kind, 'tool_result', 'delivered after the step\'s tool results');
    await session.runtime.idle();
    assert.equal(session.kernel.agents.get(pid).state, 'done');

    // A finished agent: the message starts a new turn of the same conversation.
    const turn = session.conversation.send(pid, 'now say it again');
    assert.equal(turn.outcome, 'new_turn');
    await session.runtime.idle();
    const agent = session.kernel.agents.get(pid);
    assert.equal(agent.state, 'done');
    assert.equal(agent.result, 'Second turn: I read your message.');
    await session.kernel.idle();
    const entries = storedTranscript(session.store, pid).view().entries;
    const messages = entries.filter((e) => e.kind === 'message');
    assert.deepEqual(messages.map((m) => m.kind === 'message' && [m.text, m.delivered, m.newTurn]), [['please keep the comma', true, false], ['now say it again', true, true]]);
    assert.ok(!entries.some((e) => e.kind === 'status' && e.state === 'ready'), 'the new turn is the message, not a second line');
    assert.throws(() => session.conversation.send(pid, '   '), /empty/);
  });

  it('says which budget is spent instead of starting a new turn, and continues once it is raised', async () => {
    const w = setup();
    const session = KernelSession.open({ dbPath: w.db, workspace: w.ws, approvals: new Developer(), sandbox: false, controlPollMs: 0 });
    sessions.push(session);
    const model = w.script({ turns: [{ text: 'One.', usage: { input_tokens: 10, output_tokens: 5 } }, { text: 'Two.', usage: { input_tokens: 10, output_tokens: 5 } }] });
    const pid = session.kernel.spawn({ task: 'count', model, budgets: { steps: 1 } }).pid;
    await session.runtime.idle();
    assert.equal(session.kernel.agents.get(pid).state, 'done');
    const refused = session.conversation.send(pid, 'again');
    assert.deepEqual(refused, { outcome: 'budget', violation: { budget: 'steps', used: 1, limit: 1 } });
    assert.equal(session.kernel.agents.get(pid).state, 'done', 'nothing was sent');
    session.kernel.setBudget(pid, 'steps', 2);
    assert.equal(session.conversation.send(pid, 'again').outcome, 'new_turn');
    await session.runtime.idle();
    assert.equal(session.kernel.agents.get(pid).result, 'Two.');
    await session.kernel.idle();
    assert.ok(storedTranscript(session.store, pid).view().entries.some((e) => e.kind === 'status' && /steps budget raised from 1 to 2/.test(e.text)));
  });

  it('Suspend on a long call says "suspending after this step" at once; aborting the call suspends it now', async () => {
    const w = setup();
    const session = KernelSession.open({ dbPath: w.db, workspace: w.ws, approvals: new Developer(), sandbox: false, controlPollMs: 0 });
    sessions.push(session);
    const service = new TranscriptService({ kernel: session.kernel, store: session.store, approval: () => undefined, channel: { send: () => {}, question: () => {} } });
    const pid = session.kernel.spawn({ task: 'think', model: w.script({ turns: [{ text: 'Thinking for a minute.', latency_ms: 60_000 }] }) }).pid;
    await until(session, 'the call in flight', () => session.kernel.agents.get(pid).state === 'running');
    service.openTranscript(pid);
    assert.equal(session.kernel.suspend(pid), 'step_end');
    const strip = service.openTranscript(pid).strip;
    assert.equal(strip.suspending, true, 'the strip says so before the step ends');
    assert.equal(strip.state, 'running');
    assert.equal(session.kernel.abortInFlight(pid, 'the developer aborted the call in flight'), true);
    await until(session, 'the suspension', () => session.kernel.agents.get(pid).state === 'suspended', 2000);
    assert.equal(session.kernel.agents.get(pid).usage.steps, 0, 'nothing of the aborted call was kept');
    assert.equal(service.openTranscript(pid).strip.suspending, false);
    service.dispose();
  });

  it('a message queued when the kernel died is delivered by the next kernel, once', () => {
    const w = setup();
    const first = SqliteStore.open(w.db);
    const pid = new Kernel({ store: first }).spawn({ task: 'work' }).pid;
    // The previous kernel took the message mid-step and died before the step ended.
    first.appendEvent({ type: 'message.queued', pid, messageId: 'm-1', text: 'use the helper', newTurn: false }, Date.now());
    first.close();
    const store = SqliteStore.open(w.db);
    try {
      const kernel = new Kernel({ store });
      kernel.restore();
      const conversation = new Conversation(kernel, () => {});
      assert.equal(conversation.restore(), 1);
      assert.equal(conversation.restore(), 0, 'delivered once');
      kernel.events.flush();
      const texts = kernel.contexts.pages(pid).flatMap((p) => p.blocks ?? []).filter((b) => b.type === 'text').map((b) => (b.type === 'text' ? b.text : ''));
      assert.equal(texts.filter((t) => t.includes('use the helper')).length, 1);
      const entries = storedTranscript(store, pid).view().entries;
      assert.ok(entries.some((e) => e.kind === 'message' && e.text === 'use the helper' && e.delivered));
      conversation.dispose();
    } finally {
      store.close();
    }
  });

  it('ask_developer waits without a model slot until the developer answers', async () => {
    const w = setup();
    const questions: QuestionView[] = [];
    const session = KernelSession.open({ dbPath: w.db, workspace: w.ws, approvals: new Developer(), sandbox: false, controlPollMs: 0, scheduler: { maxConcurrent: 1 } });
    sessions.push(session);
    const service = new TranscriptService({ kernel: session.kernel, store: session.store, approval: () => undefined, channel: { send: () => {}, question: (q) => questions.push(q) } });
    const asker = session.kernel.spawn({ task: 'ask', model: w.script({ turns: [
      { text: 'Which name?', tool_calls: [{ name: 'ask_developer', input: { question: 'Greet Ada or Bob?' } }] },
      { text: 'Greeting as told.' },
    ] }) }).pid;
    const other = session.kernel.spawn({ task: 'other', model: w.script({ turns: [{ text: 'I ran while the other waited.' }] }) }).pid;
    await until(session, 'the question', () => questions.length === 1);
    assert.equal(questions[0].text, 'Greet Ada or Bob?');
    // With one model slot, the other agent finishes while the asker waits.
    await until(session, 'the other agent', () => session.kernel.agents.get(other).state === 'done');
    assert.equal(session.kernel.agents.get(asker).state, 'waiting');
    assert.equal(session.questions.answer(questions[0].questionId, 'Ada'), true);
    await session.runtime.idle();
    assert.equal(session.kernel.agents.get(asker).result, 'Greeting as told.');
    const page = session.kernel.contexts.pages(asker).find((p) => p.kind === 'tool_result');
    assert.match(JSON.stringify(page?.blocks), /The developer answered: Ada/);
    await session.kernel.idle();
    const q = storedTranscript(session.store, asker).view().entries.find((e) => e.kind === 'question');
    assert.ok(q?.kind === 'question' && q.answer === 'Ada');
    service.dispose();
  });
});
