import assert from 'node:assert/strict';
import { healthFacts, unionLength } from '../../src/safety/evaluation';
import { asksForChange, grade, percentile, scoreWork, systemHealth, type HealthFacts, type WorkFacts } from '../../src/safety/evaluator';

function facts(overrides: Partial<WorkFacts> = {}): WorkFacts {
  return {
    outcome: 'done', steps: 0, tokens: 0, dollars: 0, budgetSteps: null, budgetTokens: null, budgetDollars: null,
    toolCalls: 0, toolErrors: 0, approvalsDenied: 0, asksForChange: false, changes: 0, kernelErrors: 0, malformed: 0, loops: 0, waits: [], runMs: 0, ...overrides,
  };
}

const penalties = (s: ReturnType<typeof scoreWork>) => Object.fromEntries(s.components.map((c) => [c.id, c.penalty]));

describe('evaluator formulas (hand-computed)', () => {
  it('maps scores to grades at the documented boundaries', () => {
    assert.deepEqual([100, 95, 94.9, 85, 84.9, 70, 69.9, 55, 54.9, 40, 39.9, 0].map(grade), ['S', 'S', 'A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F']);
  });

  it('gives a clean finished task 100 (S)', () => {
    const s = scoreWork(facts({ steps: 3, tokens: 5000, toolCalls: 2, runMs: 1000, waits: [5, 800] }));
    assert.equal(s.score, 100);
    assert.equal(s.grade, 'S');
  });

  it('adds up budget use, cost, a denial, errors and queue wait: 100 − 25.5 = 74.5 (B)', () => {
    const s = scoreWork(facts({
      steps: 8, budgetSteps: 10, // 0.8 of budget: 10 × (0.8 − 0.5) / 0.5 = 6
      tokens: 60_000, budgetTokens: 100_000, // 0.6: 10 × 0.1 / 0.5 = 2
      dollars: 0.75, budgetDollars: 1, // 0.75: 10 × 0.25 / 0.5 = 5
      approvalsDenied: 1, // 5
      malformed: 1, toolErrors: 1, toolCalls: 4, // 3 + 2 = 5
      waits: [500, 3000], runMs: 6000, // excess wait 0 + 2000; 10 × 2000 / 8000 = 2.5
    }));
    assert.deepEqual(penalties(s), { outcome: 0, change: 0, steps: 6, tokens: 2, cost: 5, denials: 5, errors: 5, loops: 0, time: 2.5 });
    assert.equal(s.score, 74.5);
    assert.equal(s.grade, 'B');
  });

  it('caps each component: a suspended task with three loops loses 20 + 30 = 50 (D)', () => {
    const s = scoreWork(facts({ outcome: 'suspended', loops: 3 }));
    assert.equal(penalties(s).loops, 30);
    assert.equal(s.score, 50);
    assert.equal(s.grade, 'D');
  });

  it('caps errors at 20 and never goes below 0', () => {
    const s = scoreWork(facts({ outcome: 'failed', kernelErrors: 1, malformed: 2, toolErrors: 3, approvalsDenied: 4, loops: 2, steps: 12, budgetSteps: 10 }));
    assert.deepEqual(penalties(s), { outcome: 61, change: 0, steps: 10, tokens: 0, cost: 0, denials: 15, errors: 20, loops: 30, time: 0 });
    assert.equal(s.score, 0);
    assert.equal(s.grade, 'F');
  });

  it('judges cost against the $1 reference when there is no dollar budget: $0.90 costs 8 points (A)', () => {
    const s = scoreWork(facts({ dollars: 0.9 }));
    assert.equal(penalties(s).cost, 8);
    assert.equal(s.score, 92);
    assert.equal(s.grade, 'A');
  });

  it('charges outcomes as documented: a killed agent that did nothing is an F, not a B', () => {
    const score = (outcome: WorkFacts['outcome']) => scoreWork(facts({ outcome }));
    const outcomes = ['done', 'running', 'suspended', 'cancelled', 'killed', 'failed'] as const;
    assert.deepEqual(outcomes.map((o) => score(o).score), [100, 100, 80, 54, 39, 39]);
    assert.deepEqual(outcomes.map((o) => score(o).grade), ['S', 'S', 'B', 'D', 'F', 'F']);
  });

  it('gives no top grade to a task whose change was denied or never made', () => {
    // "write unit tests": the tester ran the existing tests and wrote nothing
    const never = scoreWork(facts({ asksForChange: true, changes: 0, steps: 2, toolCalls: 1, runMs: 900 }));
    assert.equal(never.score, 65);
    assert.equal(never.grade, 'C');
    assert.equal(never.components.find((c) => c.id === 'change')?.label, 'change asked for was never made');
    // "add a changelog": the developer denied the only edit
    const denied = scoreWork(facts({ asksForChange: true, changes: 0, approvalsDenied: 1, toolCalls: 1 }));
    assert.equal(denied.score, 60);
    assert.equal(denied.components.find((c) => c.id === 'change')?.label, 'change asked for was denied, none applied');
    // the change was made (one of two edits denied): only the denial costs
    assert.equal(scoreWork(facts({ asksForChange: true, changes: 1, approvalsDenied: 1 })).score, 95);
    // a review asks for no change; a task still running has not missed it yet
    assert.equal(scoreWork(facts({ asksForChange: false })).score, 100);
    assert.equal(scoreWork(facts({ asksForChange: true, outcome: 'running' })).score, 100);
  });

  it('reads a change request in English and Chinese task text', () => {
    for (const t of ['Fix the greeting typo in src/greet.js', 'Add a changelog to the README', 'write unit tests for stats', '为登录模块编写单元测试', '修复登录错误']) assert.equal(asksForChange(t), true, t);
    for (const t of ['Do a code review of src/stats.js', 'Think about the project for a long time', 'find out why the build is slow', '分析系统性能', 'prefix handling review']) assert.equal(asksForChange(t), false, t);
  });
});

describe('system health (hand-computed)', () => {
  const base: HealthFacts = { spanMs: 600_000, steps: 0, toolCalls: 0, toolErrors: 0, kernelErrors: 0, malformed: 0, rateLimitedMs: 0, waits: [], sandboxRuns: 0, sandboxFailures: 0, storageMs: [], crashes: 0 };

  it('is 100 with no activity and says so', () => {
    const h = systemHealth(base);
    assert.equal(h.score, 100);
    assert.match(h.components[0].label, /no activity/);
  });

  it('sums errors 12, rate limits 8, queue wait 3.4, sandbox 12 and storage 7.1 into 57.5', () => {
    const h = systemHealth({
      ...base,
      steps: 30, toolCalls: 10, toolErrors: 2, kernelErrors: 1, malformed: 1, // 4 / 40 = 10 %: 30 × 0.1 / 0.25 = 12
      rateLimitedMs: 60_000, // 10 % of 10 min: 20 × 0.1 / 0.25 = 8
      waits: [2000, 4000, 12_000], // mean 6000: 20 × 5000 / 29000 = 3.45 → 3.4
      sandboxRuns: 10, sandboxFailures: 2, // 20 %: 15 × 0.2 / 0.25 = 12
      storageMs: [3, 4, 50, 7], // p95 = 50: 15 × 45 / 95 = 7.1
    });
    assert.deepEqual(h.components.map((c) => c.penalty), [12, 8, 3.4, 12, 7.1, 0]);
    assert.equal(h.score, 57.5);
  });

  it('loses 15 points per kernel host crash, at most 30: two crashes are not a 100', () => {
    const one = systemHealth({ ...base, crashes: 1 });
    assert.equal(one.score, 85);
    assert.deepEqual(one.components.at(-1), { id: 'crashes', label: 'kernel host crashes', value: 1, unit: 'crash', penalty: 15, max: 30 });
    assert.equal(systemHealth({ ...base, crashes: 2 }).score, 70);
    assert.equal(systemHealth({ ...base, crashes: 5 }).score, 70);
  });

  it('measures paused time as the union of overlapping pauses inside the window', () => {
    assert.equal(unionLength([[0, 10], [5, 15], [20, 30]], 0, 25), 20);
    assert.equal(unionLength([[-5, 3]], 0, 10), 3);
    const f = healthFacts({ steps: 1, toolCalls: 0, toolErrors: 0, kernelErrors: 0, malformed: 0, waits: [], pauses: [[100, 200]], sandboxRuns: 0, sandboxFailures: 0, storageMs: [], crashes: 0, firstAt: 50 }, 0, 1050);
    assert.equal(f.spanMs, 1000, 'the span starts at the first record');
    assert.equal(f.rateLimitedMs, 100);
  });

  it('uses nearest-rank percentiles', () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.equal(percentile([], 95), 0);
  });
});
