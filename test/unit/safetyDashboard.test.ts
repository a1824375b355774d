import assert from 'node:assert/strict';
import { emptyUsage, unlimitedBudgets, type AgentRecord } from '../../src/kernel/types';
import { approvals, timeline, usageSeries } from '../../src/host/dashboardData';
import { scoreAgents, withStepsInFlight } from '../../src/safety/evaluation';
import type { StateRecordRow } from '../../src/safety/records';

function agent(pid: number): AgentRecord {
  return {
    pid, name: `a${pid}`, role: 'coder', priority: 50, state: 'done', waitReason: null, reason: null, parent: null, createdAt: 0, updatedAt: 0,
    task: 't', model: 'scripted:x', budgets: unlimitedBudgets(), usage: emptyUsage(), capabilities: [], context: { tokens: 1000, high: 0.9, low: 0.7 }, result: null,
  };
}

describe('dashboard data', () => {
  it('accumulates tokens and dollars per agent per bucket, keeping the top agents and summing the rest', () => {
    const points = [
      { at: 0, pid: 1, tokens: 100, dollars: 0.1 },
      { at: 50, pid: 2, tokens: 300, dollars: 0.2 },
      { at: 60, pid: 3, tokens: 10, dollars: 0 },
      { at: 100, pid: 1, tokens: 100, dollars: 0.1 },
    ];
    const u = usageSeries(points, [agent(1), agent(2), agent(3)], 100, { maxSeries: 2, buckets: 2 });
    // the chart starts at 0 at the first record
    assert.deepEqual(u.times, [0, 50, 100]);
    assert.deepEqual(u.series.map((s) => [s.pid, s.label, s.tokens, s.dollars]), [
      [2, '2 a2', [0, 300, 300], [0, 0.2, 0.2]],
      [1, '1 a1', [0, 100, 200], [0, 0.1, 0.2]],
      [null, '1 other agent', [0, 0, 10], [0, 0, 0]],
    ]);
    // the last point of every series is the agent's total
    assert.equal(u.series.reduce((s, x) => s + x.tokens[2], 0), 510);
  });

  it("counts a step in flight (an agent waiting for approval) as the kernel does: rows and chart end at the Agents view's totals", () => {
    // records: one finished step of 1,000 tokens; the kernel already charged a second model call (5,155 in all)
    const waiting: AgentRecord = { ...agent(1), state: 'waiting', waitReason: 'approval', usage: { ...emptyUsage(), inputTokens: 5_000, outputTokens: 155, dollars: 0.02, steps: 2 } };
    const records = new Map([[1, { steps: 1, tokens: 1_000, inputTokens: 950, cacheReadTokens: 0, dollars: 0.01, runMs: 100, toolCalls: 1, toolErrors: 0, denied: 0, changes: 0, kernelErrors: 0, malformed: 0, loops: 0, waits: [] }]]);
    const [row] = scoreAgents(records, [waiting]);
    assert.deepEqual([row.steps, row.tokens, row.dollars], [2, 5_155, 0.02]);
    // …and so does its running task (the finished one before it keeps its own figures)
    const task = (id: string, outcome: 'done' | 'running') => ({ task: { taskId: id, pid: 1, agent: 'a1', role: 'coder', description: 'x', startedAt: 0, endedAt: null, outcome, budgetTokens: null, budgetDollars: null, budgetSteps: null }, ...records.get(1)!, steps: 0, tokens: 0, dollars: 0 });
    const tasks = withStepsInFlight([{ ...task('t1', 'done'), steps: 1, tokens: 1_000, dollars: 0.01 }, task('t2', 'running')], records, [waiting]);
    assert.deepEqual(tasks.map((t) => [t.task.taskId, t.steps, t.tokens]), [['t1', 1, 1_000], ['t2', 1, 4_155]]);
    const u = usageSeries([{ at: 0, pid: 1, tokens: 1_000, dollars: 0.01 }], [waiting], 100, { maxSeries: 8, buckets: 2 });
    assert.deepEqual(u.series[0].tokens, [0, 1_000, 5_155]);
    assert.deepEqual(u.series[0].dollars, [0, 0.01, 0.02]);
    // its first step in flight, nothing recorded yet: the agent still has its line
    const first = usageSeries([{ at: 0, pid: 2, tokens: 300, dollars: 0 }], [agent(2), { ...waiting, usage: { ...waiting.usage, steps: 1, inputTokens: 1_000, outputTokens: 40, dollars: 0 } }], 100, { maxSeries: 8, buckets: 2 });
    assert.deepEqual(first.series.map((x) => [x.pid, x.tokens.at(-1)]), [[1, 1_040], [2, 300]]);
  });

  it('turns lifecycle changes into lanes (running, approval, tool, suspended) and clips rate limits to the window', () => {
    const st = (seq: number, at: number, pid: number, from: string, to: string, waitReason: string | null = null): StateRecordRow => ({ seq, at, pid, from, to, waitReason });
    const before = [st(1, 500, 2, 'ready', 'suspended')];
    const during = [
      st(2, 1000, 1, 'ready', 'running'),
      st(3, 1200, 1, 'running', 'waiting', 'approval'),
      st(4, 1500, 1, 'waiting', 'running'),
      st(5, 1600, 1, 'running', 'waiting', 'tool'),
      st(6, 1700, 1, 'waiting', 'running'),
      st(7, 1800, 1, 'running', 'done'),
    ];
    const t = timeline({ statesBetween: () => ({ before, during }), windowCounts: () => ({ pauses: [[900, 1100], [1900, 2500]] }) as never }, [agent(1), agent(2)], 2000, { windowMs: 1000, maxLanes: 10 });
    assert.equal(t.from, 1000, 'agent 2 was suspended before the window, so the window is kept');
    assert.deepEqual(t.lanes.map((l) => [l.pid, l.segments.map((s) => [s.kind, s.from, s.to])]), [
      [1, [['running', 1000, 1200], ['approval', 1200, 1500], ['running', 1500, 1600], ['tool', 1600, 1700], ['running', 1700, 1800]]],
      [2, [['suspended', 1000, 2000]]],
    ]);
    assert.deepEqual(t.rateLimits, [{ from: 1000, to: 1100 }, { from: 1900, to: 2000 }]);
  });

  it('counts approvals by who decided; waiting only what an agent still waits for', () => {
    const undecided = (pid: number) => ({ seq: pid, at: pid, pid, taskId: null, requestId: `r${pid}`, tool: 'edit_file', risk: 'medium', summary: 'edit a', decidedAt: null, decision: null, actor: null, rule: null });
    const a = approvals([
      { actor: 'policy', decision: 'allow', count: 7 }, { actor: 'developer', decision: 'allow', count: 5 }, { actor: 'developer', decision: 'deny', count: 1 },
      { actor: 'timeout', decision: 'deny', count: 2 }, { actor: 'pending', decision: 'pending', count: 2 },
    ], [undecided(1), undecided(2)], new Set([2]));
    // two undecided records, but agent 1's request died with its kernel host: one waits
    assert.deepEqual({ ...a, recent: [] }, { allowedByPolicy: 7, deniedByPolicy: 0, allowedByDeveloper: 5, deniedByDeveloper: 1, timedOut: 2, pending: 1, recent: [] });
    assert.deepEqual(a.recent.map((r) => [r.pid, r.actor]), [[1, 'unanswered'], [2, 'pending']]);
  });

  it('after a restart, only the newest request of a waiting agent waits; the one its old host never got answered does not', () => {
    const row = (seq: number, requestId: string) => ({ seq, at: seq, pid: 4, taskId: null, requestId, tool: 'edit_file', risk: 'medium', summary: 'edit a', decidedAt: null, decision: null, actor: null, rule: null });
    const a = approvals([], [row(10, 'before-reload'), row(20, 'asked-again')], new Set([4]), new Map([[4, 'tester-4']]));
    assert.equal(a.pending, 1);
    assert.deepEqual(a.recent.map((r) => r.agent), ['tester-4', 'tester-4'], 'the row names the agent as the views do');
    assert.deepEqual(a.recent.map((r) => [r.summary && r.at, r.actor]), [[10, 'unanswered'], [20, 'pending']]);
  });
});
