// The host's pieces behind the protocol: coalescing, the approval bridge, wire conversions, logs.
import assert from 'node:assert/strict';
import type { StoredEvent } from '../../src/kernel/events';
import type { ApprovalRequest } from '../../src/kernel/ports/approvals';
import { emptyUsage, unlimitedBudgets, type AgentRecord, type Disposable } from '../../src/kernel/types';
import { ApprovalBridge, toApprovalView } from '../../src/host/approvalBridge';
import { ChangeNotifier, type ChangeBatch } from '../../src/host/changeNotifier';
import { toEventView } from '../../src/host/eventSummary';
import { redactSecrets } from '../../src/host/hostLog';
import { explainNativeModuleError } from '../../src/host/nativeModule';
import { isScripted, toAgentView } from '../../src/host/snapshot';
import type { ApprovalCloseReason } from '../../src/protocol/hostMethods';

/** Timers run by hand. */
class ManualTimers {
  private queue: { fn: () => void; live: boolean }[] = [];
  after = (_ms: number, fn: () => void): Disposable => {
    const t = { fn, live: true };
    this.queue.push(t);
    return { dispose: () => void (t.live = false) };
  };
  runAll(): void {
    const q = this.queue;
    this.queue = [];
    for (const t of q) if (t.live) t.fn();
  }
  get pending(): number {
    return this.queue.filter((t) => t.live).length;
  }
}

const stored = (seq: number, pid = 1): StoredEvent => ({ seq, at: 1000 + seq, event: { type: 'agent.reniced', pid, from: 50, to: 40 } });

function request(id: string, pid = 3): ApprovalRequest {
  return {
    id, pid, agentName: `coder-${pid}`, tool: 'edit_file', risk: 'medium', createdAt: 5, ruleCovers: 'edit_file on exactly greet.ts',
    subject: { kind: 'edit', summary: 'edit a.txt (+1 -1)', files: [{ path: 'a.txt', status: 'modified', diff: '@@', before: 'a\n', after: 'b\n' }] },
  };
}

describe('protocol parts: ChangeNotifier', () => {
  it('sends one batch per interval however many events arrive, counting what it leaves out', () => {
    const timers = new ManualTimers();
    const sent: ChangeBatch[] = [];
    const n = new ChangeNotifier({ send: (b) => sent.push(b), maxEvents: 3, timers });
    for (let i = 1; i <= 1000; i++) n.event(stored(i));
    assert.equal(timers.pending, 1);
    timers.runAll();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.events.length, 3);
    assert.equal(sent[0]!.dropped, 997);
    assert.equal(sent[0]!.version, 1000);
    timers.runAll();
    assert.equal(sent.length, 1, 'nothing new: nothing sent');
    n.touch();
    timers.runAll();
    assert.deepEqual(sent[1], { version: 1001, events: [], dropped: 0 });
    n.dispose();
    n.touch();
    assert.equal(timers.pending, 0);
  });
});

describe('protocol parts: ApprovalBridge', () => {
  function bridge(stopped = false) {
    const shown: string[] = [];
    const closed: [string, ApprovalCloseReason][] = [];
    let changes = 0;
    const b = new ApprovalBridge(
      { requested: async (v) => void shown.push(v.id), closed: (id, reason) => void closed.push([id, reason]) },
      () => stopped,
      () => changes++,
      () => {},
    );
    return { b, shown, closed, changes: () => changes };
  }

  it('waits for the answer; answers once; lists only what is pending', async () => {
    const { b, shown, closed } = bridge();
    const answer = b.ask(request('3-1'), new AbortController().signal);
    const other = b.ask(request('4-1', 4), new AbortController().signal);
    assert.deepEqual(shown, ['3-1', '4-1']);
    assert.deepEqual(b.list().map((v) => v.id), ['3-1', '4-1']);
    assert.equal(b.answer('4-1', { decision: 'deny', reason: 'no' }), true);
    assert.deepEqual(await other, { decision: 'deny', reason: 'no' });
    assert.equal(b.answer('4-1', { decision: 'deny', reason: null }), false);
    b.answer('3-1', { decision: 'approve', remember: 'agent', files: ['a.txt'] });
    assert.deepEqual(await answer, { decision: 'approve', remember: 'agent', files: ['a.txt'] });
    assert.deepEqual(b.list(), []);
    assert.deepEqual(closed, [['4-1', 'answered'], ['3-1', 'answered']]);
  });

  it('turns an abort into deny and tells the extension whether it timed out or the agent stopped', async () => {
    for (const [stopped, reason] of [[false, 'timeout'], [true, 'agent_stopped']] as const) {
      const { b, closed } = bridge(stopped);
      const c = new AbortController();
      const answer = b.ask(request('3-1'), c.signal);
      c.abort();
      assert.equal((await answer).decision, 'deny');
      assert.deepEqual(closed, [['3-1', reason]]);
      assert.deepEqual(b.list(), []);
    }
  });

  it('puts requests on the wire as JSON; critical ones cannot be remembered', () => {
    const tool = toApprovalView({ ...request('1-1'), risk: 'critical', subject: { kind: 'tool', summary: 's', input: { a: 1, skip: undefined, when: new Date(0) } } });
    assert.equal(tool.rememberable, false);
    assert.deepEqual(tool.subject, { kind: 'tool', summary: 's', input: { a: 1, when: '1970-01-01T00:00:00.000Z' } });
  });
});

describe('protocol parts: wire conversions and logs', () => {
  it('sends unlimited budgets as null and marks scripted models', () => {
    const record: AgentRecord = {
      pid: 1, name: 'a', role: 'coder', priority: 50, state: 'ready', waitReason: null, reason: null, parent: null, createdAt: 1, updatedAt: 2,
      task: 't', model: 'scripted:x.json', budgets: { ...unlimitedBudgets(), tokens: 1000 }, usage: emptyUsage(), capabilities: ['fs.read'],
      context: { tokens: 1, high: 0.9, low: 0.7 }, result: null,
    };
    const view = toAgentView(record);
    assert.deepEqual(view.budgets, { tokens: 1000, dollars: null, steps: null });
    assert.equal(view.scripted, true);
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(view))), JSON.stringify(view));
    assert.equal(isScripted('scripted'), true);
    assert.equal(isScripted('claude-sonnet-4-5'), false);
  });

  it('summarizes every event in one line', () => {
    assert.equal(toEventView(stored(7, 3)).summary, 'agent 3: priority 50 → 40');
    const e = toEventView({ seq: 1, at: 1, event: { type: 'agent.output', pid: 2, text: 'line one\nline two', scripted: true } });
    assert.equal(e.summary, 'agent 2 [scripted]: line one line two');
    assert.equal(e.pid, 2);
  });

  it('redacts API keys and auth headers', () => {
    assert.equal(redactSecrets('key sk-ant-api03-abc_DEF-123 used'), 'key sk-ant-…(redacted) used');
    assert.equal(redactSecrets('{"x-api-key": "abc123"}'), '{"x-api-key": "…(redacted)"}');
    assert.equal(redactSecrets('Authorization: Bearer tok.en'), 'Authorization: Bearer …(redacted)');
  });

  it('explains a native module built for another ABI', () => {
    const err = new Error("The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 132. Please try re-compiling");
    const explained = explainNativeModuleError(err, { ...process.versions, modules: '132', electron: '34.5.1' } as NodeJS.ProcessVersions);
    assert.match(explained.message, /built for ABI 115, but the host runs on Electron 34\.5\.1, Node v[\d.]+ \(ABI 132\)/);
    assert.match(explained.message, /aios\.nodePath/);
    assert.match(explained.message, /@electron\/rebuild/);
    const other = new Error('disk full');
    assert.equal(explainNativeModuleError(other), other);
  });
});
