import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import type { ApprovalAnswer, ApprovalClient } from '../../src/kernel/ports/approvals';
import type { Script } from '../../src/llm/scriptFile';
import { dashboardData, sessionDashboard } from '../../src/host/dashboardData';
import { SafetyStore } from '../../src/safety/store/safetyStore';

/** Answers every approval the same way. */
function answering(answer: ApprovalAnswer): ApprovalClient {
  return { ask: async () => answer };
}

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'aios-safety-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'greet.ts'), 'export const greeting = "helo";\n');
  let n = 0;
  return {
    ws, db: join(dir, 'aios.db'),
    model: (s: Script) => { const p = join(dir, `script${n++}.json`); writeFileSync(p, JSON.stringify(s)); return `scripted:${p}`; },
  };
}

const EDIT: Script = {
  turns: [
    { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }], usage: { input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 400 } },
    { text: 'Fixing.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.ts', old_text: '"helo"', new_text: '"hello"' } }], usage: { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 900 } },
    { text: 'Done.', usage: { input_tokens: 1300, output_tokens: 20, cache_read_input_tokens: 1100 } },
  ],
};

const LOOP: Script = {
  turns: Array.from({ length: 6 }, () => ({ text: 'Reading again.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }], usage: { input_tokens: 500, output_tokens: 10 } })),
};

describe('safety collector and evaluator on a real session (scripted model, real SQLite)', function () {
  this.timeout(30_000);

  it('records tasks, steps, tool calls, approvals and errors that match the kernel, and scores them', async () => {
    const f = fixture();
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: answering({ decision: 'deny', reason: 'not now' }), sandbox: false, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      const good = session.kernel.spawn({ task: 'fix the greeting', model: f.model(EDIT), budgets: { steps: 10 } }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      const ev = session.safety.evaluate();
      const agent = session.kernel.agents.get(good);
      const row = ev.agents.find((a) => a.pid === good)!;
      assert.equal(row.steps, agent.usage.steps);
      assert.equal(row.tokens, agent.usage.inputTokens + agent.usage.outputTokens);
      assert.equal(row.dollars, agent.usage.dollars);
      const task = ev.tasks.find((t) => t.taskId === `task-${good}`)!;
      assert.equal(task.outcome, 'done');
      // asked to fix, its only edit denied: no change made (35) + one denial (5); steps 3 of 10 (free), no errors → 60
      assert.deepEqual(task.components.filter((c) => c.penalty > 0).map((c) => [c.id, c.penalty]), [['change', 35], ['denials', 5]]);
      assert.equal(task.score, 60);
      assert.equal(task.grade, 'C');
      const db = new SafetyStore(session.store);
      assert.deepEqual(db.taskAggregate(`task-${good}`), db.taskAggregates().find((t) => t.task.taskId === `task-${good}`), 'the one-task lookup sums what the full pass sums');
      const counts = db.approvalCounts();
      assert.ok(counts.some((c) => c.actor === 'developer' && c.decision === 'deny' && c.count === 1), JSON.stringify(counts));
      const data = dashboardData({ safety: db, kernel: session.store }, session.kernel.clock.now());
      assert.equal(data.cache.cacheReadTokens, 400 + 900 + 1100);
      assert.equal(data.cache.inputTokens, agent.usage.inputTokens);
      assert.equal(data.approvals.deniedByDeveloper, 1);
      assert.equal(data.scripted, true);
    } finally {
      await session.close();
    }
  });

  it('catches a looping scripted agent: the runtime detects it, the reactor suspends and tells, the score shows it', async () => {
    const f = fixture();
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: answering({ decision: 'approve', remember: null }), sandbox: false, controlPollMs: 0, safety: { heartbeat: false } });
    try {
      const pid = session.kernel.spawn({ task: 'read forever', model: f.model(LOOP) }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      assert.equal(session.kernel.agents.get(pid).state, 'suspended');
      const fired = session.store.queryEvents({ type: 'reactor.fired', limit: 10 }).map((e) => e.event);
      assert.equal(fired.length, 1, JSON.stringify(fired));
      assert.ok(fired[0].type === 'reactor.fired' && fired[0].playbook === 'loop.suspend' && fired[0].notify && fired[0].pid === pid);
      const db = new SafetyStore(session.store);
      assert.equal(db.firings(5)[0].playbook, 'loop.suspend');
      const task = session.safety.evaluate().tasks.find((t) => t.pid === pid)!;
      assert.equal(task.outcome, 'suspended');
      // suspended (20) + one loop (15) = 65 → C
      assert.equal(task.score, 65);
      assert.equal(task.grade, 'C');
      const data = sessionDashboard(session);
      assert.equal(data.reactor[0].playbook, 'loop.suspend');
    } finally {
      await session.close();
    }
  });
});
