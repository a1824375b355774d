import assert from 'node:assert/strict';
import { Kernel } from '../../src/kernel/kernel';
import type { SchedulerConfig } from '../../src/kernel/scheduler';
import type { Pid } from '../../src/kernel/types';
import { FakeClock, InMemoryStore } from '../support/inMemoryStore';
import { internals } from '../support/kernelInternals';

/** Ends a step of `pid` as the step loop does: the model call used `used` tokens of `estimate`. */
function endStep(kernel: Kernel, pid: Pid, used: number, estimate: number): void {
  const step = kernel.steps.begin(pid, estimate);
  kernel.steps.modelReturned(step, used);
  kernel.steps.end(step, { kind: 'continue' });
}

function setup(config: Partial<SchedulerConfig> = {}) {
  const store = new InMemoryStore();
  const clock = new FakeClock();
  const kernel = new Kernel({ store, clock, scheduler: { maxConcurrent: 1, ...config } });
  return { store, clock, kernel };
}

/** Runs one step of whatever the scheduler picks; returns the pid or null. */
function step(kernel: Kernel, tokens = 100): Pid | null {
  const d = internals(kernel).scheduler.next(() => tokens);
  if (d.kind !== 'run') return null;
  internals(kernel).table.addUsage(d.pid, { inputTokens: tokens, steps: 1 });
  endStep(kernel, d.pid, tokens, tokens);
  return d.pid;
}

describe('scheduler', () => {
  it('runs the most urgent agent first (lower number = more urgent)', () => {
    const { kernel } = setup();
    const low = kernel.spawn({ task: 'low', priority: 80 });
    const high = kernel.spawn({ task: 'high', priority: 5 });
    const mid = kernel.spawn({ task: 'mid', priority: 40 });
    assert.deepEqual(kernel.scheduling.queue(), [high.pid, mid.pid, low.pid]);
  });

  it('ages waiting agents so a low-priority agent is not starved', () => {
    const { kernel, clock } = setup({ agingPerSecond: 1 });
    const old = kernel.spawn({ task: 'patient', priority: 60 });
    clock.advance(55_000);
    const fresh = kernel.spawn({ task: 'urgent', priority: 10 });
    assert.equal(step(kernel), old.pid, 'after 55 s of waiting, 60 has aged to an effective 5: ahead of a fresh 10');
    assert.equal(kernel.agents.get(fresh.pid).state, 'ready');
  });

  it('keeps the running agent while nothing more urgent is ready', () => {
    const { kernel, store } = setup({ agingPerSecond: 0 });
    const a = kernel.spawn({ task: 'a', priority: 30 });
    kernel.spawn({ task: 'b', priority: 60 });
    assert.deepEqual([step(kernel), step(kernel), step(kernel)], [a.pid, a.pid, a.pid]);
    kernel.events.flush(); // events outside a transaction are written with the next write
    assert.equal(store.events.filter((e) => e.event.type === 'scheduler.preempt').length, 0);
  });

  it('preempts a running agent when a more urgent one waits, emitting scheduler.preempt', () => {
    const { kernel, store } = setup({ agingPerSecond: 0 });
    const a = kernel.spawn({ task: 'a', priority: 30 });
    const d = internals(kernel).scheduler.next(() => 1);
    assert.equal(d.kind === 'run' && d.pid, a.pid);
    const b = kernel.spawn({ task: 'b', priority: 10 });
    endStep(kernel, a.pid, 1, 1); // a's step ends while b (more urgent) is ready
    kernel.events.flush(); // events outside a transaction are written with the next write
    const pre = store.events.map((e) => e.event).filter((e) => e.type === 'scheduler.preempt');
    assert.deepEqual(pre, [{ type: 'scheduler.preempt', pid: a.pid, by: b.pid, reason: 'priority' }]);
    assert.equal(step(kernel), b.pid);
  });

  it('round robin gives each agent a slice of N steps, then moves it to the back', () => {
    const { kernel } = setup({ policy: 'round_robin', sliceSteps: 2 });
    const a = kernel.spawn({ task: 'a' });
    const b = kernel.spawn({ task: 'b' });
    const c = kernel.spawn({ task: 'c' });
    const order = Array.from({ length: 8 }, () => step(kernel));
    assert.deepEqual(order, [a.pid, a.pid, b.pid, b.pid, c.pid, c.pid, a.pid, a.pid]);
  });

  it('round robin can count the slice in tokens', () => {
    const { kernel } = setup({ policy: 'round_robin', sliceSteps: 1000, sliceTokens: 250 });
    const a = kernel.spawn({ task: 'a' });
    const b = kernel.spawn({ task: 'b' });
    const order = Array.from({ length: 6 }, () => step(kernel, 100));
    assert.deepEqual(order, [a.pid, a.pid, a.pid, b.pid, b.pid, b.pid]);
  });

  it('fair share runs the agent that has used the fewest tokens', () => {
    const { kernel } = setup({ policy: 'fair_share' });
    const a = kernel.spawn({ task: 'a' });
    const b = kernel.spawn({ task: 'b' });
    internals(kernel).table.addUsage(a.pid, { inputTokens: 5000 });
    // a's usage grew while queued: re-queue to refresh its key
    kernel.suspend(a.pid); kernel.resume(a.pid);
    const order = Array.from({ length: 5 }, () => step(kernel, 1000));
    assert.deepEqual(order, [b.pid, b.pid, b.pid, b.pid, b.pid], 'b catches up with the 5000 tokens a used');
    assert.equal(step(kernel, 1000), a.pid, 'now both have used 5000; a was queued first');
  });

  it('switches policy at run time and re-orders the queue', () => {
    const { kernel, store } = setup();
    const a = kernel.spawn({ task: 'a', priority: 90 });
    const b = kernel.spawn({ task: 'b', priority: 10 });
    assert.deepEqual(kernel.scheduling.queue(), [b.pid, a.pid]);
    kernel.scheduling.configure({ policy: 'round_robin' });
    assert.deepEqual(kernel.scheduling.queue(), [a.pid, b.pid]);
    kernel.events.flush(); // events outside a transaction are written with the next write
    assert.ok(store.events.some((e) => e.event.type === 'scheduler.policy'));
    assert.throws(() => kernel.scheduling.configure({ policy: 'lottery' as never }), /unknown scheduling policy 'lottery'/);
  });

  it('never runs more model calls than the global limit', () => {
    const { kernel } = setup({ maxConcurrent: 2 });
    for (let i = 0; i < 5; i++) kernel.spawn({ task: `t${i}` });
    assert.equal(internals(kernel).scheduler.next().kind, 'run');
    assert.equal(internals(kernel).scheduler.next().kind, 'run');
    assert.equal(internals(kernel).scheduler.next().kind, 'full');
    assert.equal(kernel.scheduling.runningCount, 2);
  });

  it('waits for the requests-per-minute bucket, deterministically', () => {
    const { kernel, clock } = setup({ requestsPerMinute: 2, maxConcurrent: 10 });
    for (let i = 0; i < 3; i++) kernel.spawn({ task: `t${i}` });
    assert.equal(internals(kernel).scheduler.next().kind, 'run');
    assert.equal(internals(kernel).scheduler.next().kind, 'run');
    const d = internals(kernel).scheduler.next();
    assert.deepEqual(d, { kind: 'wait', untilMs: clock.now() + 30_000, reason: 'rate_limit' });
    clock.advance(30_000);
    assert.equal(internals(kernel).scheduler.next().kind, 'run');
  });

  it('waits for the tokens-per-minute bucket and settles it with real usage', () => {
    const { kernel, clock } = setup({ tokensPerMinute: 1000, maxConcurrent: 10 });
    const a = kernel.spawn({ task: 'a' });
    kernel.spawn({ task: 'b' });
    const d = internals(kernel).scheduler.next(() => 600);
    assert.equal(d.kind, 'run');
    endStep(kernel, a.pid, 900, 600); // used more than estimated: the debt counts
    const w = internals(kernel).scheduler.next(() => 600);
    assert.equal(w.kind, 'wait');
    assert.equal(w.kind === 'wait' && w.untilMs - clock.now(), 30_000); // 100 left, need 600: 500 tokens at 1000/min
  });

  it('pauses dispatch for the retry-after of a 429', () => {
    const { kernel, clock, store } = setup();
    kernel.spawn({ task: 'a' });
    kernel.scheduling.pauseFor(2000);
    assert.deepEqual(internals(kernel).scheduler.next(), { kind: 'wait', untilMs: clock.now() + 2000, reason: 'paused' });
    kernel.events.flush(); // events outside a transaction are written with the next write
    assert.ok(store.events.some((e) => e.event.type === 'scheduler.rate_limited'));
    clock.advance(2000);
    assert.equal(internals(kernel).scheduler.next().kind, 'run');
  });

  it('suspends an agent that would exceed its budget instead of calling the model', () => {
    const { kernel, store } = setup();
    const a = kernel.spawn({ task: 'a', budgets: { tokens: 1000 } });
    const b = kernel.spawn({ task: 'b' });
    internals(kernel).table.addUsage(a.pid, { inputTokens: 900 });
    const d = internals(kernel).scheduler.next(() => 200);
    assert.equal(d.kind === 'run' && d.pid, b.pid, 'the next agent runs instead');
    const rec = kernel.agents.get(a.pid);
    assert.equal(rec.state, 'suspended');
    assert.match(rec.reason ?? '', /token budget would be exceeded: 900 used \+ ~200 for the next call > 1000/);
    kernel.events.flush(); // events outside a transaction are written with the next write
    assert.ok(store.events.some((e) => e.event.type === 'budget.exceeded' && e.event.pid === a.pid));
  });

  it('stops at the step budget', () => {
    const { kernel } = setup();
    const a = kernel.spawn({ task: 'a', budgets: { steps: 2 } });
    assert.equal(step(kernel), a.pid);
    assert.equal(step(kernel), a.pid);
    assert.equal(step(kernel), null);
    assert.match(kernel.agents.get(a.pid).reason ?? '', /step budget reached: 2 of 2/);
  });

  it('reports how long each agent waited in the queue', () => {
    const { kernel, store, clock } = setup();
    kernel.spawn({ task: 'a' });
    clock.advance(1234);
    step(kernel);
    kernel.events.flush(); // events outside a transaction are written with the next write
    const dispatch = store.events.map((e) => e.event).find((e) => e.type === 'scheduler.dispatch');
    assert.equal(dispatch?.type === 'scheduler.dispatch' && dispatch.waitedMs, 1234);
  });
});
