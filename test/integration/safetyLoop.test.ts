import { proposalView, sessionDashboard } from '../../src/host/dashboardData';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import type { ApprovalClient, ApprovalRequest } from '../../src/kernel/ports/approvals';
import type { Script } from '../../src/llm/scriptFile';
import { SafetyStore } from '../../src/safety/store/safetyStore';

/** Approves everything and remembers what it was asked. */
class CountingApprovals implements ApprovalClient {
  asked: ApprovalRequest[] = [];
  async ask(request: ApprovalRequest) {
    this.asked.push(request);
    return { decision: 'approve' as const, remember: null };
  }
}

/** Five edits of the same file, each approved by the developer. */
function editsOf(file: string, n: number): Script {
  const turns: Script['turns'] = [{ text: 'Reading it first.', tool_calls: [{ name: 'read_file', input: { path: file } }] }];
  for (let i = 0; i < n; i++) {
    turns.push({ text: `Edit ${i + 1}.`, tool_calls: [{ name: 'edit_file', input: { path: file, old_text: `v${i}`, new_text: `v${i + 1}` } }] });
  }
  turns.push({ text: 'All edits made.' });
  return { turns };
}

describe('improvement loop: propose → L0 → L1 (scripted replays) → L2 → apply → automatic rollback', function () {
  this.timeout(60_000);

  it('proposes a rule the developer keeps approving, gates it, applies it as a version, and rolls it back when health drops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-loop-'));
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'config.txt'), 'version = v0\n');
    const script = join(dir, 'edits.json');
    writeFileSync(script, JSON.stringify(editsOf('config.txt', 5)));
    const approvals = new CountingApprovals();
    const session = KernelSession.open({
      dbPath: join(dir, 'aios.db'), workspace: ws, approvals, sandbox: false, controlPollMs: 0,
      safety: { heartbeat: { intervalMs: 0 }, loopIntervalMs: 0, loop: { rollbackDrop: 10, rollbackWindowMs: 60_000 } },
    });
    try {
      const first = session.kernel.spawn({ task: 'bump the version five times', model: `scripted:${script}` }).pid;
      await session.runtime.idle();
      await session.safety.settle();
      assert.equal(session.kernel.agents.get(first).state, 'done', session.kernel.agents.get(first).reason ?? '');
      assert.equal(approvals.asked.length, 5, 'each edit asked the developer');
      const db = new SafetyStore(session.store);
      assert.equal(db.evalTasks().length, 1, 'the finished task joined the recorded L1 suite');

      // A baseline health sample, so the rollback watch has a "before".
      const before = session.safety.heartbeat!.beat();

      await session.safety.loop.run();
      const [review] = session.safety.pendingReviews().map((r) => proposalView(r.proposal, r.gates));
      assert.ok(review, `no proposal awaits review: ${JSON.stringify(db.proposals())}`);
      assert.equal(review.kind, 'approval_rule');
      assert.match(review.summary, /always allow edit_file \(medium risk\) on the file config\.txt without asking/);
      assert.deepEqual(review.gates.map((g) => [g.level, g.passed]), [['L0', true], ['L1', true]]);
      assert.match(review.gates[1].summary, /1 scripted replay: mean [\d.]+ → [\d.]+/);

      const applied = session.safety.decide(review.id, 'approve');
      assert.equal(applied.status, 'applied');
      assert.equal(applied.version, 1);
      const version = db.activeConfig()!;
      assert.equal(version.healthBefore, before.score);
      assert.equal(session.policy.rules().filter((r) => r.tool === 'edit_file' && r.pattern === 'config.txt').length, 1);

      // The rule is in force: the same edit no longer asks.
      const again = join(dir, 'again.json');
      writeFileSync(again, JSON.stringify({ turns: [{ text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'config.txt' } }] }, { text: 'One more.', tool_calls: [{ name: 'edit_file', input: { path: 'config.txt', old_text: 'v5', new_text: 'v6' } }] }, { text: 'Done.' }] }));
      const asked = approvals.asked.length;
      session.kernel.spawn({ task: 'bump once more', model: `scripted:${again}` });
      await session.runtime.idle();
      assert.equal(approvals.asked.length, asked, 'allowed by the new rule without asking');

      // Health drops: the kernel records errors; the next heartbeat sees it and the loop rolls back.
      for (let i = 0; i < 12; i++) session.kernel.events.emit({ type: 'kernel.error', pid: null, where: 'test', message: `induced failure ${i}` });
      await session.safety.settle();
      const after = session.safety.heartbeat!.beat();
      assert.ok(before.score - after.score > 10, `health ${before.score} → ${after.score}`);
      await session.safety.settle();
      const versions = db.configVersions();
      assert.deepEqual(versions.map((v) => [v.version, v.status]), [[1, 'rolled_back'], [2, 'active']]);
      assert.match(versions[0].reason ?? '', /health fell from/);
      assert.deepEqual(versions[1].config.approvalRules, []);
      assert.equal(session.policy.rules().filter((r) => r.tool === 'edit_file').length, 0, 'the rule is gone');
      assert.equal(db.getProposal(review.id)!.status, 'rolled_back');
      const types = session.store.queryEvents({ limit: 400 }).map((e) => e.event.type);
      assert.ok(types.includes('config.applied') && types.includes('config.rolled_back') && types.includes('health.alert') === (after.score < 60));
      const audit = session.store.queryAudit(200).map((a) => a.action);
      for (const action of ['proposal.proposed', 'proposal.awaiting_review', 'config.apply', 'proposal.applied', 'config.rollback', 'proposal.rolled_back']) assert.ok(audit.includes(action), `${action} audited`);
      const dash = sessionDashboard(session);
      assert.equal(dash.config.version, 2);
      assert.equal(dash.proposals.find((p) => p.id === review.id)?.status, 'rolled_back');
    } finally {
      await session.close();
    }
  });

  it('rejects a proposal that breaks an invariant at L0 and keeps it out of review', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-loop-'));
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    const session = KernelSession.open({ dbPath: join(dir, 'aios.db'), workspace: ws, approvals: new CountingApprovals(), sandbox: false, controlPollMs: 0, safety: { heartbeat: false, loopIntervalMs: 0 } });
    try {
      const db = new SafetyStore(session.store);
      db.putProposal({
        id: 'bad-one', at: 0, key: 'time_slice', kind: 'time_slice', summary: 'slice to 100', rationale: 'test', change: { kind: 'time_slice', from: 4, to: 100 },
        evidence: [], status: 'proposed', decidedAt: null, decidedBy: null, version: null,
      });
      const p = await session.safety.loop.gate('bad-one');
      assert.equal(p.status, 'rejected_l0');
      assert.throws(() => session.safety.decide('bad-one', 'approve'), /not waiting for review/);
    } finally {
      await session.close();
    }
  });
});
