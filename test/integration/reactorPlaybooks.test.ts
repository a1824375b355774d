import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import { Kernel } from '../../src/kernel/kernel';
import type { ApprovalClient, ApprovalRequest } from '../../src/kernel/ports/approvals';
import { SafetyStore } from '../../src/safety/store/safetyStore';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { chownTree, ensureSandboxImage, requireDocker } from '../support/docker';
import { internals } from '../support/kernelInternals';

function fixture(turns: unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), 'aios-reactor-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const script = join(dir, 'script.json');
  writeFileSync(script, JSON.stringify({ turns }));
  return { ws, db: join(dir, 'aios.db'), model: `scripted:${script}` };
}

const approveAll = { ask: async () => ({ decision: 'approve' as const, remember: null }) };


/** A workspace whose agent runs one command that needs ~300 MiB: over the default 256 MiB limit, under the retry's 512 MiB (real engine). */
async function hungryFixture(context: Mocha.Context): Promise<ReturnType<typeof fixture>> {
  const docker = await requireDocker(context);
  await ensureSandboxImage(docker);
  const hungry = 'node -e "const a = []; for (let i = 0; i < 300; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log(\'fits now\')"';
  const f = fixture([{ text: 'Building.', tool_calls: [{ name: 'run_command', input: { command: hungry, timeout_ms: 60_000 } }] }, { text: 'Built.' }]);
  if (process.getuid?.() === 0) chownTree(f.ws, 1000, 1000);
  return f;
}
describe('reactor playbooks on a real kernel', function () {
  this.timeout(30_000);

  it('suspends an agent whose tool calls keep failing and tells the developer', async () => {
    const f = fixture([1, 2, 3, 4, 5].map((i) => ({ text: `Try ${i}.`, tool_calls: [{ name: 'read_file', input: { path: `missing-${i}.txt` } }] })));
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: approveAll, sandbox: false, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      const pid = session.kernel.spawn({ task: 'read files that do not exist', model: f.model }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      const agent = session.kernel.agents.get(pid);
      assert.equal(agent.state, 'suspended');
      assert.match(agent.reason ?? '', /suspended by the reactor \(tool_failures\.suspend\): repeated tool failures/);
      // the reactor hears the third failure after that step; the agent stops at the end of the next one at the latest
      assert.ok(agent.usage.steps >= 3 && agent.usage.steps <= 4, `${agent.usage.steps} steps`);
      const [firing] = new SafetyStore(session.store).firings(5);
      assert.equal(firing.playbook, 'tool_failures.suspend');
      assert.ok(['suspended', 'at_step_end'].includes(firing.outcome), firing.outcome);
    } finally {
      await session.close();
    }
  });

  it('records a host crash: the next kernel restores the live agents and the reactor says so', async () => {
    const f = fixture([{ text: 'Back and done.' }]);
    // A kernel that died mid-run: started, an agent running, never stopped.
    const store = SqliteStore.open(f.db);
    const dead = new Kernel({ store });
    internals(dead).journal.emit({ type: 'kernel.started', session: 'dead-session-0001', processId: 2 ** 22 + 12345 });
    const pid = dead.spawn({ task: 'work interrupted by a crash', model: f.model }).pid;
    internals(dead).journal.flush();
    store.close();

    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: approveAll, sandbox: false, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      await session.runtime.idle();
      await session.safety.settle();
      assert.equal(session.kernel.agents.get(pid).state, 'done', 'the restored agent ran to the end');
      const fired = session.store.queryEvents({ type: 'reactor.fired', limit: 5 }).map((e) => e.event);
      assert.equal(fired.length, 1);
      assert.ok(fired[0].type === 'reactor.fired' && fired[0].playbook === 'host_crash.restore' && fired[0].notify);
      assert.match(fired[0].message, /the previous kernel host \(session dead-ses\) stopped without shutting down; 1 live agent was restored/);
    } finally {
      await session.close();
    }
    // A clean stop is not a crash.
    const again = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: approveAll, sandbox: false, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      await again.safety.settle();
      assert.equal(again.store.queryEvents({ type: 'reactor.fired', limit: 5 }).length, 1);
    } finally {
      await again.close();
    }
  });

  it('makes sure an agent over its step budget is suspended, and records it', async () => {
    const f = fixture([1, 2, 3].map((i) => ({ text: `Step ${i}.`, tool_calls: [{ name: 'list_dir', input: { depth: i } }] })));
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: approveAll, sandbox: false, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      const pid = session.kernel.spawn({ task: 'list things', model: f.model, budgets: { steps: 2 } }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      assert.equal(session.kernel.agents.get(pid).state, 'suspended');
      const [firing] = new SafetyStore(session.store).firings(5);
      assert.equal(firing.playbook, 'budget.suspend');
      assert.equal(firing.outcome, 'already_suspended');
      const task = session.safety.evaluate().tasks[0];
      assert.equal(task.outcome, 'suspended');
      assert.deepEqual(task.components.filter((c) => c.penalty > 0).map((c) => [c.id, c.penalty]), [['outcome', 20], ['steps', 10]]);
    } finally {
      await session.close();
    }
  });
  it('asks the developer, saying it is a retry and why, then retries a command that ran out of memory once with more memory (real engine)', async function () {
    this.timeout(120_000);
    const f = await hungryFixture(this);
    const asked: ApprovalRequest[] = [];
    const recording: ApprovalClient = { ask: async (r) => { asked.push(r); return { decision: 'approve', remember: null }; } };
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: recording, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      const pid = session.kernel.spawn({ task: 'build something big', model: f.model }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      assert.equal(session.kernel.agents.get(pid).state, 'done');
      const execs = session.store.queryEvents({ type: 'sandbox.exec', pid, limit: 10 }).map((e) => e.event).reverse();
      assert.deepEqual(execs.map((e) => e.type === 'sandbox.exec' && [e.killed, e.memoryBytes]), [['oom', 256 * 1024 * 1024], [null, 512 * 1024 * 1024]]);
      const result = session.store.listPages(pid).map((p) => p.text).join('\n');
      assert.match(result, /fits now/);
      assert.match(result, /ran out of memory at 256 MiB; retried once with 512 MiB/);
      const retry = asked.find((r) => r.tool === 'retry_command');
      assert.ok(retry, `the retry was asked: ${asked.map((r) => r.tool).join(', ')}`);
      assert.equal(retry.risk, 'critical');
      assert.match(retry.subject.summary, /^RETRY: this command ran out of memory at 256 MiB; the retry would run it once more with 512 MiB\. Run it again\?$/);
      const fired = session.store.queryEvents({ type: 'reactor.fired', limit: 5 }).map((e) => e.event);
      assert.ok(fired.some((e) => e.type === 'reactor.fired' && e.playbook === 'sandbox_oom.retry'), JSON.stringify(fired));
    } finally {
      await session.close();
    }
  });
  it('does not run an out-of-memory command again when the developer denies the retry (real engine)', async function () {
    this.timeout(120_000);
    const f = await hungryFixture(this);
    const denyRetry: ApprovalClient = { ask: async (r) => (r.tool === 'retry_command' ? { decision: 'deny', reason: 'not again' } : { decision: 'approve', remember: null }) };
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: denyRetry, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      const pid = session.kernel.spawn({ task: 'build something big', model: f.model }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      const execs = session.store.queryEvents({ type: 'sandbox.exec', pid, limit: 10 }).map((e) => e.event);
      assert.deepEqual(execs.map((e) => e.type === 'sandbox.exec' && e.killed), ['oom'], 'run once, not again');
      const result = session.store.listPages(pid).map((p) => p.text).join('\n');
      assert.match(result, /ran out of memory at 256 MiB; not run again: the retry was not approved/);
    } finally {
      await session.close();
    }
  });
});
