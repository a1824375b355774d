import assert from 'node:assert/strict';
import type { KernelEvent } from '../../src/kernel/events';
import type { Pid } from '../../src/kernel/types';
import type { ExecResult } from '../../src/sandbox/exec';
import type { CommandSandbox } from '../../src/sandbox/runCommandTool';
import type { Firing } from '../../src/safety/config';
import { Reactor, type ReactorEffects, type SuspendResult } from '../../src/safety/reactor';
import type { Timers } from '../../src/kernel/ports/clock';
import { WatchedSandbox } from '../../src/sandbox/watchedSandbox';

/** Reactor effects recorded in memory, with a hand-moved clock and timers. */
class FakeEffects implements ReactorEffects {
  clock = 1_000_000;
  maxConcurrent = 4;
  suspended: Array<[Pid, string]> = [];
  states = new Map<Pid, SuspendResult>();
  crashed: { session: string } | null = null;
  emitted: KernelEvent[] = [];
  firings: Array<Omit<Firing, 'id'>> = [];
  agentName(pid: Pid) { return `agent-${pid}`; }
  suspend(pid: Pid, reason: string): SuspendResult {
    this.suspended.push([pid, reason]);
    return this.states.get(pid) ?? 'suspended';
  }
  concurrency() { return this.maxConcurrent; }
  setConcurrency(n: number) { this.maxConcurrent = n; }
  previousSessionCrashed() { return this.crashed; }
  agentsAtStart() { return 3; }
  emit(e: KernelEvent) { this.emitted.push(e); }
  record(f: Omit<Firing, 'id'>) { this.firings.push(f); }
}

class FakeTimers implements Timers {
  pending: Array<{ fn: () => void; at: number } | null> = [];
  constructor(private readonly fx: FakeEffects) {}
  now() { return this.fx.clock; }
  after(ms: number, fn: () => void) {
    const i = this.pending.push({ fn, at: this.fx.clock + ms }) - 1;
    return { dispose: () => { this.pending[i] = null; } };
  }
  advance(ms: number) {
    this.fx.clock += ms;
    for (const [i, t] of this.pending.entries()) if (t && t.at <= this.fx.clock) { this.pending[i] = null; t.fn(); }
  }
}

function setup() {
  const fx = new FakeEffects();
  const timers = new FakeTimers(fx);
  return { fx, timers, reactor: new Reactor(fx, undefined, timers) };
}

const toolError = (pid: Pid, n: number): KernelEvent => ({ type: 'tool.result', pid, tool: 'run_command', callId: `c${n}`, isError: true, durationMs: 5 });

describe('reactor playbooks', () => {
  it('throttles on a 429, ignores repeats inside its rate limit, and restores after a quiet minute', () => {
    const { fx, timers, reactor } = setup();
    const limited: KernelEvent = { type: 'scheduler.rate_limited', untilMs: fx.clock + 5000, source: 'api' };
    assert.equal(reactor.handle(limited)[0].outcome, 'throttled');
    assert.equal(fx.maxConcurrent, 2);
    timers.advance(5000);
    assert.deepEqual(reactor.handle(limited), [], 'a second 429 within 10 s is over the rate limit');
    assert.deepEqual(reactor.suppressed(), { 'rate_limit.throttle': 1 });
    timers.advance(59_000);
    assert.equal(fx.maxConcurrent, 2, 'the second 429 re-armed the restore timer');
    timers.advance(1000);
    assert.equal(fx.maxConcurrent, 4);
    assert.deepEqual(fx.firings.map((f) => [f.playbook, f.action, f.outcome]), [['rate_limit.throttle', 'throttle', 'throttled'], ['rate_limit.throttle', 'restore', 'restored']]);
    assert.ok(fx.emitted.every((e) => e.type === 'reactor.fired'));
  });

  it('ignores a bucket (local) rate limit', () => {
    const { reactor } = setup();
    assert.deepEqual(reactor.handle({ type: 'scheduler.rate_limited', untilMs: 0, source: 'bucket' }), []);
  });

  it('suspends an agent after three real tool failures within a minute, not counting denied calls', () => {
    const { fx, reactor } = setup();
    reactor.handle({ type: 'tool.call', pid: 7, tool: 'edit_file', callId: 'd', risk: 'medium' });
    reactor.handle({ type: 'approval.decided', pid: 7, requestId: '7-1', decision: 'deny', actor: 'developer', rule: null });
    assert.deepEqual(reactor.handle(toolError(7, 0)), [], 'a denial is not a failure');
    reactor.handle({ type: 'tool.call', pid: 7, tool: 'run_command', callId: 'c1', risk: 'high' });
    assert.deepEqual(reactor.handle(toolError(7, 1)), []);
    assert.deepEqual(reactor.handle(toolError(8, 1)), [], 'another agent counts on its own');
    fx.clock += 30_000;
    assert.deepEqual(reactor.handle(toolError(7, 2)), []);
    const [f] = reactor.handle(toolError(7, 3));
    assert.equal(f.playbook, 'tool_failures.suspend');
    assert.equal(f.outcome, 'suspended');
    assert.deepEqual(fx.suspended.map(([pid]) => pid), [7]);
    assert.match(fx.suspended[0][1], /repeated tool failures/);
    const event = fx.emitted[0];
    assert.ok(event.type === 'reactor.fired' && event.notify && event.pid === 7);
  });

  it('suspends a looping agent (or reports it already is) and tells the developer', () => {
    const { fx, reactor } = setup();
    fx.states.set(3, 'already_suspended');
    const [f] = reactor.handle({ type: 'agent.loop', pid: 3, tool: 'read_file', repeats: 3 });
    assert.equal(f.outcome, 'already_suspended');
    assert.equal(f.message, 'agent 3 (agent-3) was already suspended: loop detected: read_file called 3 times in a row with the same input');
    assert.equal(fx.firings.length, 1);
  });

  it('runs the OOM playbook only inline, doubling memory up to the cap, at most three times per agent in 10 minutes', () => {
    const { reactor } = setup();
    const oom = (memoryBytes: number | null): KernelEvent => ({ type: 'sandbox.exec', pid: 2, exitCode: 137, killed: 'oom', durationMs: 10, memoryBytes });
    assert.deepEqual(reactor.handle(oom(256 * 2 ** 20)), [], 'the bus never runs inline playbooks');
    const [f] = reactor.handle(oom(256 * 2 ** 20), 'inline');
    assert.equal(f.outcome, 'retry');
    assert.equal(f.detail.memoryBytes, 512 * 2 ** 20);
    assert.equal(reactor.handle(oom(768 * 2 ** 20), 'inline')[0].detail.memoryBytes, 1024 * 2 ** 20, 'never above the 1 GiB cap');
    assert.equal(reactor.handle(oom(1024 * 2 ** 20), 'inline')[0].outcome, 'at_cap');
    assert.deepEqual(reactor.handle(oom(256 * 2 ** 20), 'inline'), [], 'the fourth within 10 minutes is over the limit');
  });

  it('records a restore after a host crash only when the previous session did not stop cleanly', () => {
    const { fx, reactor } = setup();
    const started: KernelEvent = { type: 'kernel.started', session: 'now', processId: 1 };
    assert.deepEqual(reactor.handle(started), []);
    fx.crashed = { session: 'abcdef0123' };
    const [f] = reactor.handle(started);
    assert.equal(f.action, 'record_restore');
    assert.deepEqual(f.detail, { previousSession: 'abcdef0123', restoredAgents: 3 });
  });

  it('makes sure an agent over budget is suspended', () => {
    const { fx, reactor } = setup();
    const [f] = reactor.handle({ type: 'budget.exceeded', pid: 4, budget: 'dollars', used: 2, limit: 2 });
    assert.equal(f.playbook, 'budget.suspend');
    assert.deepEqual(fx.suspended.map(([pid]) => pid), [4]);
  });
});

describe('WatchedSandbox', () => {
  function result(killed: ExecResult['killed'], exitCode: number | null): ExecResult {
    return { exitCode, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, durationMs: 12, killed, message: killed === 'oom' ? 'out of memory' : null };
  }

  function sandbox(results: ExecResult[]): CommandSandbox & { calls: number } {
    return {
      calls: 0,
      config: { defaultTimeoutMs: 1000, maxTimeoutMs: 2000 },
      async exec() { return results[this.calls++]; },
      async snapshot() { return new Map() as never; },
      async changes() { return []; },
      async apply() { return { applied: [], conflicts: [] }; },
      async discard() {},
    };
  }

  it('asks before it retries an OOM once with the memory the reactor grants (saying it is a retry and why), then restores the limit', async () => {
    const { fx, reactor } = setup();
    const inner = sandbox([result('oom', 137), result(null, 0)]);
    const limits: number[] = [];
    let limit = 256 * 2 ** 20;
    const watched = new WatchedSandbox(inner, {
      emit: (e) => fx.emit(e), react: (e) => reactor.handle(e, 'inline'), defaultMemoryBytes: limit,
      memory: { memoryLimit: () => limit, setMemoryLimit: async (_pid, bytes) => { limits.push(bytes); limit = bytes; } },
    });
    const asked: string[] = [];
    const r = await watched.exec(5, 'node build.js', { confirmRetry: async (why) => { asked.push(why); return true; } });
    assert.deepEqual(asked, ['this command ran out of memory at 256 MiB; the retry would run it once more with 512 MiB']);
    assert.equal(r.exitCode, 0);
    assert.equal(inner.calls, 2);
    assert.match(r.message ?? '', /ran out of memory at 256 MiB; retried once with 512 MiB/);
    assert.deepEqual(limits, [512 * 2 ** 20, 256 * 2 ** 20]);
    const execs = fx.emitted.filter((e) => e.type === 'sandbox.exec');
    assert.deepEqual(execs.map((e) => e.type === 'sandbox.exec' && [e.killed, e.memoryBytes]), [['oom', 256 * 2 ** 20], [null, 512 * 2 ** 20]]);
    assert.equal(fx.firings[0].outcome, 'retry');
  });

  it('does not run an OOM command again when the retry is denied, or when no one can be asked', async () => {
    for (const confirmRetry of [async () => false, undefined]) {
      const { fx, reactor } = setup();
      const inner = sandbox([result('oom', 137), result(null, 0)]);
      let limit = 256 * 2 ** 20;
      const watched = new WatchedSandbox(inner, {
        emit: (e) => fx.emit(e), react: (e) => reactor.handle(e, 'inline'), defaultMemoryBytes: limit,
        memory: { memoryLimit: () => limit, setMemoryLimit: async (_pid, bytes) => { limit = bytes; } },
      });
      const r = await watched.exec(5, 'node build.js', { confirmRetry });
      assert.equal(inner.calls, 1, 'run once');
      assert.equal(r.exitCode, 137);
      assert.match(r.message ?? '', confirmRetry ? /not run again: the retry was not approved/ : /not run again: no one could be asked/);
      assert.equal(limit, 256 * 2 ** 20, 'the limit was never raised');
    }
  });

  it('does not retry when the sandbox cannot change its memory, and the firing says why', async () => {
    const { fx, reactor } = setup();
    const inner = sandbox([result('oom', 137)]);
    const watched = new WatchedSandbox(inner, { emit: (e) => fx.emit(e), react: (e) => reactor.handle(e, 'inline'), defaultMemoryBytes: 256 * 2 ** 20 });
    const r = await watched.exec(5, 'node build.js');
    assert.equal(r.killed, 'oom');
    assert.equal(inner.calls, 1);
    assert.equal(fx.firings[0].outcome, 'not_retried');
    assert.match(fx.firings[0].message, /cannot change its memory limit/);
  });
});
