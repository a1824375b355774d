import assert from 'node:assert/strict';
import { healthFacts, unionLength } from '../../src/safety/evaluation';
import { grade, percentile, scoreWork, systemHealth, type HealthFacts, type WorkFacts } from '../../src/safety/evaluator';

function facts(overrides: Partial<WorkFacts> = {}): WorkFacts {
  return {
    outcome: 'done', steps: 0, tokens: 0, dollars: 0, budgetSteps: null, budgetTokens: null, budgetDollars: null,
    toolCalls: 0, toolErrors: 0, approvalsDenied: 0, kernelErrors: 0, malformed: 0, loops: 0, waits: [], runMs: 0, ...overrides,
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
    assert.deepEqual(penalties(s), { outcome: 0, steps: 6, tokens: 2, cost: 5, denials: 5, errors: 5, loops: 0, time: 2.5 });
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
    assert.deepEqual(penalties(s), { outcome: 40, steps: 10, tokens: 0, cost: 0, denials: 15, errors: 20, loops: 30, time: 0 });
    assert.equal(s.score, 0);
    assert.equal(s.grade, 'F');
  });

  it('judges cost against the $1 reference when there is no dollar budget: $0.90 costs 8 points (A)', () => {
    const s = scoreWork(facts({ dollars: 0.9 }));
    assert.equal(penalties(s).cost, 8);
    assert.equal(s.score, 92);
    assert.equal(s.grade, 'A');
  });

  it('charges outcomes as documented', () => {
    const score = (outcome: WorkFacts['outcome']) => scoreWork(facts({ outcome })).score;
    assert.deepEqual(['done', 'running', 'suspended', 'cancelled', 'killed', 'failed'].map((o) => score(o as WorkFacts['outcome'])), [100, 100, 80, 75, 70, 60]);
  });
});

describe('system health (hand-computed)', () => {
  const base: HealthFacts = { spanMs: 600_000, steps: 0, toolCalls: 0, toolErrors: 0, kernelErrors: 0, malformed: 0, rateLimitedMs: 0, waits: [], sandboxRuns: 0, sandboxFailures: 0, storageMs: [] };

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
    assert.deepEqual(h.components.map((c) => c.penalty), [12, 8, 3.4, 12, 7.1]);
    assert.equal(h.score, 57.5);
  });

  it('measures paused time as the union of overlapping pauses inside the window', () => {
    assert.equal(unionLength([[0, 10], [5, 15], [20, 30]], 0, 25), 20);
    assert.equal(unionLength([[-5, 3]], 0, 10), 3);
    const f = healthFacts({ steps: 1, toolCalls: 0, toolErrors: 0, kernelErrors: 0, malformed: 0, waits: [], pauses: [[100, 200]], sandboxRuns: 0, sandboxFailures: 0, storageMs: [], firstAt: 50 }, 0, 1050);
    assert.equal(f.spanMs, 1000, 'the span starts at the first record');
    assert.equal(f.rateLimitedMs, 100);
  });

  it('uses nearest-rank percentiles', () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.equal(percentile([], 95), 0);
  });
});
