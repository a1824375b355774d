import assert from 'node:assert/strict';
import type { ToolSpec } from '../../src/kernel/ports/tools';
import { baseConfig, changeKey, DEFAULT_CAPS, withChange, type Proposal, type ProposalChange } from '../../src/safety/config';
import { proposalView } from '../../src/host/dashboardData';
import { l0Gate, reviewText } from '../../src/safety/gates';
import { proposeChanges, type ProposerSource } from '../../src/safety/proposer';

function proposal(change: ProposalChange, overrides: Partial<Proposal> = {}): Proposal {
  return { id: 'p1', at: 0, key: changeKey(change), kind: change.kind, summary: 's', rationale: 'r', change, evidence: [], status: 'proposed', decidedAt: null, decidedBy: null, version: null, ...overrides };
}

const tools = {
  get: (name: string): ToolSpec | undefined => ({
    edit_file: { name, description: '', inputSchema: {}, risk: 'medium' as const, capabilities: ['fs.write' as const] },
    deploy: { name, description: '', inputSchema: {}, risk: 'critical' as const, capabilities: ['exec' as const] },
  } as Record<string, ToolSpec>)[name],
};

describe('L0 gate', () => {
  const current = baseConfig(4);

  it('passes a well-formed change within the caps', () => {
    const g = l0Gate(proposal({ kind: 'context_budget', role: 'coder', from: null, to: 150_000 }), current, DEFAULT_CAPS, 1, tools);
    assert.equal(g.passed, true, g.summary);
    assert.deepEqual(g.checks.map((c) => c.passed), [true, true, true]);
  });

  it('never loosens critical approvals, whatever risk the record claims', () => {
    const g = l0Gate(proposal({ kind: 'approval_rule', rule: { tool: 'deploy', risk: 'low', target: { kind: 'command', command: 'deploy prod' } } }), current, DEFAULT_CAPS, 1, tools);
    assert.equal(g.passed, false);
    assert.match(g.summary, /deploy is critical risk: it must always ask/);
    const g2 = l0Gate(proposal({ kind: 'approval_rule', rule: { tool: 'x', risk: 'critical', target: { kind: 'path', path: 'a' } } }), current, DEFAULT_CAPS, 1);
    assert.equal(g2.passed, false);
  });

  it('refuses rules above the risk the loop may allow (high)', () => {
    const g = l0Gate(proposal({ kind: 'approval_rule', rule: { tool: 'run_command', risk: 'high', target: { kind: 'command', command: 'npm test' } } }), current, DEFAULT_CAPS, 1);
    assert.equal(g.passed, false);
    assert.match(g.summary, /above the medium/);
  });

  it('keeps budgets within the global caps', () => {
    assert.match(l0Gate(proposal({ kind: 'context_budget', role: 'coder', from: null, to: 500_000 }), current, DEFAULT_CAPS, 1).summary, /outside 4000–400000 tokens/);
    assert.match(l0Gate(proposal({ kind: 'time_slice', from: 4, to: 64 }), current, DEFAULT_CAPS, 1).summary, /outside 1–32 steps/);
  });

  it('rejects malformed and stale changes', () => {
    assert.match(l0Gate(proposal({ kind: 'time_slice', from: 8, to: 4 }), current, DEFAULT_CAPS, 1).summary, /stale: the slice is 4 steps now/);
    assert.match(l0Gate(proposal({ kind: 'context_budget', role: 'coder', from: null, to: 1.5 }), current, DEFAULT_CAPS, 1).summary, /not a positive whole number/);
    assert.match(l0Gate(proposal({ kind: 'approval_rule', rule: { tool: 'edit_file', risk: 'medium', target: { kind: 'path', path: '../etc/passwd' } } }), current, DEFAULT_CAPS, 1).summary, /not inside the workspace/);
    assert.match(l0Gate(proposal({ kind: 'time_slice', from: 4, to: 2 }, { key: 'other' }), current, DEFAULT_CAPS, 1).summary, /does not match the change/);
  });

  it('shows the developer a readable review and a data shape for the extension', () => {
    const p = proposal({ kind: 'time_slice', from: 4, to: 2 }, { summary: 'shorten the slice', rationale: 'long waits', evidence: [{ metric: 'mean wait', value: 8000, threshold: 5000, sample: 30 }], status: 'awaiting_review' });
    const g = l0Gate(p, current, DEFAULT_CAPS, 1);
    const text = reviewText(p, [g]);
    assert.match(text, /shorten the slice\n {2}why: long waits\n {2}evidence: mean wait = 8000 \(threshold 5000, from 30 records\)\n {2}L0 passed/);
    const view = proposalView(p, [g]);
    assert.equal(view.canDecide, true);
    assert.equal(view.gates[0].level, 'L0');
  });
});

describe('proposer', () => {
  const source = (over: Partial<ProposerSource> = {}): ProposerSource => ({
    pagingByRole: () => [],
    developerApprovals: () => [],
    schedulerSince: () => ({ dispatches: 0, meanWaitMs: 0, preempts: 0 }),
    ...over,
  });

  it('grows the context budget of a role whose agents page-fault often', () => {
    const drafts = proposeChanges(source({ pagingByRole: () => [{ role: 'coder', agents: 2, faults: 8, evictions: 20, contextTokens: 100_000 }, { role: 'tester', agents: 2, faults: 2, evictions: 4, contextTokens: 100_000 }] }), baseConfig(4), DEFAULT_CAPS, 0);
    assert.equal(drafts.length, 1);
    assert.deepEqual(drafts[0].change, { kind: 'context_budget', role: 'coder', from: null, to: 150_000 });
    assert.deepEqual(drafts[0].evidence[0], { metric: "page faults per 'coder' agent", value: 4, threshold: 3, sample: 2 });
  });

  it('suggests a rule after five approvals of the same low- or medium-risk action and no denial', () => {
    const target = { kind: 'path' as const, path: 'src/a.ts' };
    const rows = [
      { tool: 'edit_file', risk: 'medium', target, allowed: 5, denied: 0 },
      { tool: 'edit_file', risk: 'medium', target: { kind: 'path' as const, path: 'b.ts' }, allowed: 9, denied: 1 },
      { tool: 'run_command', risk: 'high', target: { kind: 'command' as const, command: 'npm test' }, allowed: 20, denied: 0 },
      { tool: 'write_file', risk: 'medium', target, allowed: 4, denied: 0 },
    ];
    const drafts = proposeChanges(source({ developerApprovals: () => rows }), baseConfig(4), DEFAULT_CAPS, 0);
    assert.deepEqual(drafts.map((d) => d.change), [{ kind: 'approval_rule', rule: { tool: 'edit_file', risk: 'medium', target } }]);
    const applied = withChange(baseConfig(4), drafts[0].change);
    assert.deepEqual(proposeChanges(source({ developerApprovals: () => rows }), applied, DEFAULT_CAPS, 0), [], 'not proposed again once in force');
  });

  it('shortens the slice when agents wait long, lengthens it when they are preempted without waiting', () => {
    const long = proposeChanges(source({ schedulerSince: () => ({ dispatches: 30, meanWaitMs: 8000, preempts: 3 }) }), baseConfig(4), DEFAULT_CAPS, 0);
    assert.deepEqual(long[0].change, { kind: 'time_slice', from: 4, to: 2 });
    const churn = proposeChanges(source({ schedulerSince: () => ({ dispatches: 30, meanWaitMs: 50, preempts: 20 }) }), baseConfig(4), DEFAULT_CAPS, 0);
    assert.deepEqual(churn[0].change, { kind: 'time_slice', from: 4, to: 8 });
    assert.deepEqual(proposeChanges(source({ schedulerSince: () => ({ dispatches: 5, meanWaitMs: 8000, preempts: 3 }) }), baseConfig(4), DEFAULT_CAPS, 0), [], 'too few dispatches to judge');
  });
});
