import assert from 'node:assert/strict';
import { checkPlan, PlanSchedule, type CheckedPlan, type PlanInput } from '../../src/planner/plannerDag';
import { withInputChecks } from '../../src/planner/plannerCatalog';
import type { Tool, ToolCatalog } from '../../src/kernel/ports/tools';

const ROLES = ['coder', 'tester', 'writer'];

function checked(plan: PlanInput): CheckedPlan {
  const c = checkPlan(plan, { roles: ROLES });
  if (typeof c === 'string') throw new Error(c);
  return c;
}

function ids(plan: CheckedPlan, list: number[]): string[] {
  return list.map((i) => plan.subtasks[i].id);
}

const diamond: PlanInput = {
  subtasks: [
    { id: 'design', role: 'coder', task: 'd' },
    { id: 'impl', role: 'coder', task: 'i', depends_on: ['design'] },
    { id: 'docs', role: 'writer', task: 'w', depends_on: ['design'] },
    { id: 'test', role: 'tester', task: 't', depends_on: ['impl', 'docs'] },
    { id: 'solo', role: 'writer', task: 's' },
  ],
};

describe('checkPlan', () => {
  it('accepts a DAG and orders it topologically', () => {
    const c = checked(diamond);
    const pos = (id: string) => ids(c, c.order).indexOf(id);
    assert.ok(pos('design') < pos('impl') && pos('design') < pos('docs') && pos('impl') < pos('test') && pos('docs') < pos('test'));
    assert.equal(c.onFailure, 'skip_dependents');
  });

  it('rejects what the schema rejects, with the path of the problem', () => {
    assert.match(checkPlan({ subtasks: [] }) as string, /invalid plan: \/subtasks must NOT have fewer than 1 items/);
    assert.match(checkPlan({ subtasks: [{ id: 'a', role: 'coder' }] }) as string, /\/subtasks\/0 must have required property 'task'/);
    assert.match(checkPlan({ subtasks: [{ id: 'a', role: 'coder', task: 't' }], on_failure: 'panic' }) as string, /\/on_failure must be equal to one of the allowed values/);
    assert.match(checkPlan({ subtasks: [{ id: 'a', role: 'coder', task: 't' }, { id: 'b', role: 'coder', task: 't' }] }, { maxSubtasks: 1 }) as string, /must NOT have more than 1 items/);
  });

  it('names duplicate ids, unknown dependencies, self-dependencies and unknown roles', () => {
    assert.equal(checkPlan({ subtasks: [{ id: 'a', role: 'coder', task: 't' }, { id: 'a', role: 'coder', task: 't' }] }), "invalid plan: subtask id 'a' is used twice; give every subtask its own id");
    assert.match(checkPlan({ subtasks: [{ id: 'a', role: 'coder', task: 't', depends_on: ['b'] }] }) as string, /subtask 'a' depends on 'b', which is not a subtask of this plan \(ids: a\)/);
    assert.equal(checkPlan({ subtasks: [{ id: 'a', role: 'coder', task: 't', depends_on: ['a'] }] }), "invalid plan: subtask 'a' depends on itself");
    assert.match(checkPlan({ subtasks: [{ id: 'a', role: 'chef', task: 't' }] }, { roles: ROLES }) as string, /role 'chef', which is not a role; use one of coder, tester, writer/);
  });

  it('finds a cycle and spells it out', () => {
    const plan = { subtasks: [
      { id: 'ok', role: 'coder', task: 't' },
      { id: 'a', role: 'coder', task: 't', depends_on: ['ok', 'b'] },
      { id: 'b', role: 'coder', task: 't', depends_on: ['c'] },
      { id: 'c', role: 'coder', task: 't', depends_on: ['a'] },
      { id: 'after', role: 'coder', task: 't', depends_on: ['c'] },
    ] };
    assert.equal(checkPlan(plan), "invalid plan: the dependencies form a cycle: 'a' depends on 'b', 'b' depends on 'c', 'c' depends on 'a'; a plan must have no cycles, so remove one of these dependencies");
  });
});

describe('PlanSchedule', () => {
  it('starts only what has its dependencies done, in parallel where it can', () => {
    const c = checked(diamond);
    const s = new PlanSchedule(c);
    assert.deepEqual(ids(c, s.start()).sort(), ['design', 'solo']);
    assert.deepEqual(s.start(), [], 'nothing else is ready');
    s.complete(c.subtasks.findIndex((x) => x.id === 'design'), true);
    assert.deepEqual(ids(c, s.start()).sort(), ['docs', 'impl']);
    s.complete(c.subtasks.findIndex((x) => x.id === 'impl'), true);
    assert.deepEqual(s.start(), [], 'test still waits for docs');
    assert.deepEqual(s.blockers(3), ['docs']);
    s.complete(2, true);
    assert.deepEqual(ids(c, s.start()), ['test']);
    s.complete(3, true);
    s.complete(4, true);
    assert.ok(s.finished && !s.failed);
  });

  it('respects a limit on how many start at once', () => {
    const c = checked({ subtasks: Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, role: 'coder', task: 't' })) });
    const s = new PlanSchedule(c);
    assert.equal(s.start(3).length, 3);
    assert.equal(s.start(0).length, 0);
    assert.equal(s.runningCount, 3);
    assert.equal(s.start().length, 7);
  });

  it('skip_dependents: skips everything downstream of a failure, transitively, and nothing else', () => {
    const c = checked(diamond);
    const s = new PlanSchedule(c);
    s.start();
    const effect = s.complete(0, false);
    assert.deepEqual(ids(c, effect.skipped).sort(), ['docs', 'impl', 'test']);
    assert.equal(effect.failed, false);
    s.complete(4, true);
    assert.ok(s.finished);
    assert.deepEqual(s.status, ['failed', 'skipped', 'skipped', 'skipped', 'done']);
  });

  it('retry: one more attempt, then the failure counts and dependents are skipped', () => {
    const c = checked({ ...diamond, on_failure: 'retry' });
    const s = new PlanSchedule(c, 2);
    s.start();
    assert.deepEqual(s.complete(0, false), { retry: true, skipped: [], cancelled: [], failed: false });
    assert.deepEqual(ids(c, s.start()), ['design']);
    assert.equal(s.attempts[0], 2);
    const effect = s.complete(0, false);
    assert.equal(effect.retry, false);
    assert.deepEqual(ids(c, effect.skipped).sort(), ['docs', 'impl', 'test']);
  });

  it('fail_parent: stops the plan and cancels what has not started', () => {
    const c = checked({ ...diamond, on_failure: 'fail_parent' });
    const s = new PlanSchedule(c);
    s.start();
    const effect = s.complete(4, false);
    assert.equal(effect.failed, true);
    assert.deepEqual(ids(c, effect.cancelled).sort(), ['docs', 'impl', 'test']);
    assert.equal(s.status[0], 'running', 'running subtasks are the planner\'s to stop');
    s.cancel(0);
    assert.ok(s.finished && s.failed);
    assert.throws(() => s.complete(0, true), /is cancelled, not running/);
  });

  it('schedules a 1,000-subtask layered plan to the end', () => {
    const subtasks = Array.from({ length: 1000 }, (_, i) => ({ id: `n${i}`, role: 'coder', task: 't', depends_on: i < 10 ? [] : [`n${i - 10}`, `n${(i * 7) % (i - i % 10)}`].filter((d, k, a) => a.indexOf(d) === k) }));
    const c = checked({ subtasks });
    const s = new PlanSchedule(c);
    let rounds = 0;
    while (!s.finished) {
      const batch = s.start();
      assert.ok(batch.length > 0, 'never stuck');
      for (const i of batch) s.complete(i, true);
      rounds++;
    }
    assert.equal(rounds, 100);
  });
});

describe('withInputChecks', () => {
  const tool = { name: 'plan' } as Tool;
  const inner: ToolCatalog = { list: () => [], get: () => tool, validate: (name, input) => (name === 'bad' ? { ok: false, error: 'schema' } : { ok: true, tool, input }) };

  it('runs the named check after the schema and reports its problem as a validation error', () => {
    const catalog = withInputChecks(inner, { plan: (input) => ((input as { cyclic?: boolean }).cyclic ? 'a cycle' : null) });
    assert.deepEqual(catalog.validate('plan', { cyclic: true }), { ok: false, error: 'a cycle' });
    assert.equal(catalog.validate('plan', {}).ok, true);
    assert.deepEqual(catalog.validate('bad', {}), { ok: false, error: 'schema' });
    assert.equal(catalog.validate('toString', {}).ok, true, 'only own check names count');
  });
});
