import assert from 'node:assert/strict';
import { InvalidArgumentError, InvalidTransitionError, NoSuchAgentError } from '../../src/kernel/errors';
import { Kernel } from '../../src/kernel/kernel';
import type { StoredEvent } from '../../src/kernel/events';
import { FakeClock, InMemoryStore } from '../support/inMemoryStore';
import type { Pid } from '../../src/kernel/types';
import { internals } from '../support/kernelInternals';

/** Ends a step of `pid` as the step loop does: the model call used `used` tokens of `estimate`. */
function endStep(kernel: Kernel, pid: Pid, used: number, estimate: number): void {
  const step = kernel.steps.begin(pid, estimate);
  kernel.steps.modelReturned(step, used);
  kernel.steps.end(step, { kind: 'continue' });
}

function setup() {
  const store = new InMemoryStore();
  const clock = new FakeClock();
  const kernel = new Kernel({ store, clock });
  return { store, clock, kernel };
}

describe('process table and lifecycle', () => {
  it('spawns an agent as ready, with its state change, its task record and their events stored together', () => {
    const { kernel, store } = setup();
    const a = kernel.spawn({ task: 'fix the bug', role: 'coder', priority: 10 });
    assert.equal(a.state, 'ready');
    assert.equal(store.getAgent(a.pid)?.state, 'ready');
    kernel.events.flush(); // events outside a transaction are written with the next write
    const types = store.events.map((e) => e.event.type);
    assert.deepEqual(types, ['agent.spawned', 'agent.state', 'task.status']);
    assert.equal(store.getTask(`task-${a.pid}`)?.status, 'running');
    assert.equal(store.transactions, 1, 'spawn is one transaction');
  });

  it('refuses an invalid transition with a typed error', () => {
    const { kernel } = setup();
    const a = kernel.spawn({ task: 't' });
    assert.throws(() => internals(kernel).table.transition(a.pid, 'done'), InvalidTransitionError);
    kernel.kill(a.pid);
    assert.throws(() => kernel.resume(a.pid), (e: unknown) => e instanceof InvalidTransitionError && /from killed to ready/.test(e.message));
    assert.throws(() => kernel.kill(a.pid), InvalidTransitionError, 'killing a dead agent is an error, not a silent no-op');
  });

  it('kills children with the parent, children first', () => {
    const { kernel, store } = setup();
    const parent = kernel.spawn({ task: 'plan' });
    const child = kernel.spawn({ task: 'sub', parent: parent.pid });
    const grandchild = kernel.spawn({ task: 'subsub', parent: child.pid });
    const other = kernel.spawn({ task: 'unrelated' });
    const killed = kernel.kill(parent.pid);
    assert.deepEqual(killed, [grandchild.pid, child.pid, parent.pid]);
    assert.equal(kernel.agents.get(other.pid).state, 'ready');
    assert.equal(store.getAgent(child.pid)?.reason, `parent ${parent.pid} was killed`);
    assert.deepEqual(kernel.scheduling.queue(), [other.pid]);
  });

  it('validates priority and budgets with messages that say what to do', () => {
    const { kernel } = setup();
    assert.throws(() => kernel.spawn({ task: 't', priority: 100 }), /priority must be a whole number from 0/);
    assert.throws(() => kernel.spawn({ task: 't', budgets: { tokens: -1 } }), InvalidArgumentError);
    assert.throws(() => kernel.spawn({ task: 't', parent: 42 }), NoSuchAgentError);
    const a = kernel.spawn({ task: 't' });
    assert.throws(() => kernel.renice(a.pid, -1), /priority/);
    assert.equal(kernel.renice(a.pid, 5).priority, 5);
  });

  it('suspends a ready agent at once and a running one at its step boundary', () => {
    const { kernel } = setup();
    const a = kernel.spawn({ task: 'a' });
    const b = kernel.spawn({ task: 'b' });
    assert.equal(kernel.suspend(a.pid), 'now');
    assert.equal(kernel.agents.get(a.pid).state, 'suspended');
    const d = kernel.steps.next();
    assert.deepEqual(d.kind === 'run' && d.pid, b.pid);
    assert.equal(kernel.suspend(b.pid, 'look at this'), 'step_end');
    assert.equal(kernel.agents.get(b.pid).state, 'running', 'a step is never cut in the middle');
    endStep(kernel, b.pid, 10, 10);
    assert.equal(kernel.agents.get(b.pid).state, 'suspended');
    assert.equal(kernel.agents.get(b.pid).reason, 'look at this');
    kernel.resume(b.pid);
    assert.equal(kernel.agents.get(b.pid).state, 'ready');
    assert.deepEqual(kernel.scheduling.queue(), [b.pid]);
  });

  it('aborts the in-flight call of a killed agent', () => {
    const { kernel } = setup();
    const a = kernel.spawn({ task: 'a' });
    kernel.steps.next();
    const signal = kernel.steps.begin(a.pid, 0).signal;
    kernel.kill(a.pid);
    assert.equal(signal.aborted, true);
    assert.equal(kernel.scheduling.runningCount, 0);
  });

  it('resolves waitForExit when the agent ends', async () => {
    const { kernel } = setup();
    const a = kernel.spawn({ task: 'a' });
    const exit = kernel.agents.waitForExit(a.pid);
    kernel.steps.next();
    internals(kernel).table.transition(a.pid, 'done', { result: 'fixed' });
    const rec = await exit;
    assert.equal(rec.state, 'done');
    assert.equal(rec.result, 'fixed');
  });

  it('restores agents after a restart: running ones go back to ready, contexts reload', () => {
    const { kernel, store, clock } = setup();
    const a = kernel.spawn({ task: 'remember me', system: 'you are a coder' });
    kernel.steps.next();
    kernel.contexts.addMessage(a.pid, 'assistant', 'working on it');
    kernel.events.atomically(() => kernel.contexts.flush(a.pid));
    // the kernel dies here; a new one opens the same store
    const again = new Kernel({ store, clock });
    const restored = again.restore();
    assert.deepEqual(restored.map((r) => [r.pid, r.state]), [[a.pid, 'ready']]);
    const prompt = internals(again).pager.render(a.pid);
    assert.equal(prompt.system, 'you are a coder');
    assert.deepEqual(prompt.messages.map((m) => m.role), ['user', 'assistant']);
    assert.deepEqual(internals(again).scheduler.queue(), [a.pid]);
    const next = again.spawn({ task: 'new' });
    assert.ok(next.pid > a.pid, 'pids are never reused');
  });

  it('delivers events asynchronously by type and prefix, isolating a throwing listener', async () => {
    const errors: unknown[] = [];
    const store = new InMemoryStore();
    const kernel = new Kernel({ store, clock: new FakeClock(), onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    const exact: StoredEvent[] = [];
    kernel.subscribe('agent.', () => { throw new Error('listener bug'); });
    const sub = kernel.subscribe('agent.', (e) => { seen.push(e.event.type); });
    kernel.subscribe('agent.spawned', (e) => { exact.push(e); });
    kernel.spawn({ task: 'a' });
    assert.deepEqual(seen, [], 'listeners run after the kernel call returns');
    await kernel.idle();
    assert.deepEqual(seen, ['agent.spawned', 'agent.state']);
    assert.equal(exact.length, 1);
    assert.ok(exact[0].seq > 0);
    assert.equal(errors.length, 2);
    sub.dispose();
    kernel.spawn({ task: 'b' });
    await kernel.idle();
    assert.equal(seen.length, 2, 'a disposed listener hears nothing');
  });

  it('writes nothing and publishes nothing when a transaction fails', async () => {
    const { kernel, store } = setup();
    const seen: string[] = [];
    kernel.subscribe('*', (e) => { seen.push(e.event.type); });
    const before = store.events.length;
    assert.throws(() => kernel.events.atomically(() => {
      kernel.events.emit({ type: 'kernel.error', pid: null, where: 'test', message: 'x' });
      throw new Error('boom');
    }), /boom/);
    await kernel.idle();
    kernel.events.flush(); // events outside a transaction are written with the next write
    assert.equal(store.events.length, before);
    assert.deepEqual(seen, []);
  });
});
