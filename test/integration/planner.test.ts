import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../../src/kernel/events';
import type { ApprovalAnswer, ApprovalClient } from '../../src/kernel/ports/approvals';
import { planViewsFromEvents } from '../../src/planner/plannerView';
import type { RoleInput } from '../../src/router/routerRoles';
import type { Script, ScriptTurn } from '../../src/llm/scriptFile';
import { KernelSession, type SessionOptions } from '../../src/session/kernelSession';
import { until, within } from '../support/waits';

/** Approves everything the policy asks about (the tests are about planning, not approvals). */
const approveAll: ApprovalClient = { ask: async (): Promise<ApprovalAnswer> => ({ decision: 'approve', remember: null }) };

interface Fixture {
  ws: string;
  db: string;
  script: (turns: ScriptTurn[]) => string;
}

function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'aios-plan-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  let n = 0;
  return {
    ws,
    db: join(dir, 'aios.db'),
    script: (turns) => {
      const p = join(dir, `script${n++}.json`);
      writeFileSync(p, JSON.stringify({ turns } satisfies Script));
      return `scripted:${p}`;
    },
  };
}

/** A child that writes a file, reports it, and ends; `latency` slows its first model call. */
function writerChild(file: string, content: string, latency = 0): ScriptTurn[] {
  return [
    { text: `writing ${file}`, tool_calls: [{ name: 'write_file', input: { path: file, content } }], latency_ms: latency },
    { tool_calls: [{ name: 'report_result', input: { summary: `wrote ${file}`, artifacts: [file], success: true } }] },
    { text: `${file} is written` },
  ];
}

/** A child that reports success or failure without touching files. */
function reportingChild(summary: string, success: boolean, latency = 0): ScriptTurn[] {
  return [
    { tool_calls: [{ name: 'report_result', input: { summary, success } }], latency_ms: latency },
    { text: summary },
  ];
}

function planTurns(plan: Record<string, unknown>, after = 'All subtasks are finished.'): ScriptTurn[] {
  return [{ text: 'Splitting the task.', tool_calls: [{ name: 'plan', input: plan }] }, { text: after }];
}

async function open(f: Fixture, roles: RoleInput[], extra: Partial<SessionOptions> = {}): Promise<KernelSession> {
  return KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: approveAll, sandbox: false, askAtOrAbove: 'high', roles, ...extra });
}

function events(session: KernelSession, type: string): StoredEvent[] {
  return session.store.queryEvents({ type, limit: 1000 }).reverse();
}

function subtaskEvents(session: KernelSession): Array<{ seq: number; subtask: string; status: string; child: number | null }> {
  return events(session, 'plan.subtask').map((e) => (e.event.type === 'plan.subtask' ? { seq: e.seq, subtask: e.event.subtask, status: e.event.status, child: e.event.child } : { seq: 0, subtask: '', status: '', child: null }));
}

function seqOf(list: ReturnType<typeof subtaskEvents>, subtask: string, status: string): number {
  const e = list.find((x) => x.subtask === subtask && x.status === status);
  assert.ok(e, `no ${status} event for ${subtask}: ${JSON.stringify(list)}`);
  return e.seq;
}

/** The parent's plan tool result as the model saw it. */
function planResult(session: KernelSession, pid: number): { status: string; results: Array<{ id: string; status: string; success: boolean; summary: string; artifacts: string[]; agent: number | null; attempts: number }> } {
  const text = session.store.listPages(pid).map((p) => p.text).find((t) => /"plan": "plan-/.test(t));
  assert.ok(text, 'the parent got a plan result');
  return JSON.parse(text.slice(text.indexOf('{'))) as ReturnType<typeof planResult>;
}

describe('planner (real SQLite, KernelSession, scripted models)', function () {
  this.timeout(30_000);

  it('splits a task into parallel children that run, respect dependencies and report back', async () => {
    const f = fixture();
    const session = await open(f, [
      { name: 'coder', model: f.script(writerChild('src/feature.ts', 'export const feature = 1;\n', 300)) },
      { name: 'writer', model: f.script(writerChild('docs/feature.md', '# Feature\n', 300)) },
      { name: 'reviewer', model: f.script(reportingChild('the feature and its docs look right', true)) },
    ], { scheduler: { maxConcurrent: 1 } });
    const parent = session.kernel.spawn({
      task: 'add the feature with docs and a review',
      model: f.script(planTurns({
        subtasks: [
          { id: 'impl', role: 'coder', task: 'implement the feature in src/feature.ts' },
          { id: 'docs', role: 'writer', task: 'document the feature in docs/feature.md' },
          { id: 'review', role: 'reviewer', task: 'review the feature and the docs', depends_on: ['impl', 'docs'] },
        ],
      })),
    });
    // while the children run, the parent waits on its tool, holding no model slot (maxConcurrent is 1)
    let sawWaiting = false;
    const sub = session.kernel.subscribe('agent.state', (e) => {
      if (e.event.type === 'agent.state' && e.event.pid === parent.pid && e.event.to === 'waiting' && e.event.waitReason === 'tool') sawWaiting = true;
    });
    await session.runtime.idle();
    await session.kernel.idle();
    sub.dispose();

    const p = session.kernel.agents.get(parent.pid);
    assert.equal(p.state, 'done', p.reason ?? '');
    assert.equal(p.result, 'All subtasks are finished.');
    assert.ok(sawWaiting, 'the parent waited (tool) while its children ran');

    const children = session.kernel.agents.children(parent.pid);
    assert.deepEqual(children.map((c) => c.role).sort(), ['coder', 'reviewer', 'writer']);
    assert.ok(children.every((c) => c.state === 'done'), children.map((c) => `${c.name}:${c.state}:${c.reason}`).join(', '));
    assert.equal(readFileSync(join(f.ws, 'src/feature.ts'), 'utf8'), 'export const feature = 1;\n');
    assert.equal(readFileSync(join(f.ws, 'docs/feature.md'), 'utf8'), '# Feature\n');

    // impl and docs ran at the same time; review started only after both were done
    const list = subtaskEvents(session);
    const implDone = seqOf(list, 'impl', 'done');
    const docsDone = seqOf(list, 'docs', 'done');
    assert.ok(seqOf(list, 'impl', 'running') < docsDone && seqOf(list, 'docs', 'running') < implDone, 'impl and docs overlapped');
    assert.ok(seqOf(list, 'review', 'running') > Math.max(implDone, docsDone), 'review waited for its dependencies');

    // the parent saw every child's typed result
    const result = planResult(session, parent.pid);
    assert.equal(result.status, 'done');
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    assert.deepEqual(byId.impl.artifacts, ['src/feature.ts']);
    assert.equal(byId.impl.summary, 'wrote src/feature.ts');
    assert.equal(byId.review.summary, 'the feature and its docs look right');
    assert.ok(result.results.every((r) => r.success && r.attempts === 1));

    // the review child was told what its dependencies produced
    const reviewChild = children.find((c) => c.role === 'reviewer')!;
    assert.match(reviewChild.task, /impl \(coder\): wrote src\/feature\.ts \[files: src\/feature\.ts\]/);

    // the Agents view's data: live planner views and the same rebuilt from events
    const views = session.planner.views();
    assert.equal(views.length, 1);
    assert.equal(views[0].status, 'done');
    const fromEvents = planViewsFromEvents(session.store.queryEvents({ type: 'plan.', limit: 100 }));
    assert.deepEqual(fromEvents[0].subtasks.map((s) => [s.id, s.status, s.agent]), views[0].subtasks.map((s) => [s.id, s.status, s.agent]));
    assert.deepEqual(fromEvents[0].subtasks.find((s) => s.id === 'review')?.dependsOn, ['impl', 'docs']);
    await session.close();
  });

  it('a child that never calls report_result still returns a typed result: its answer and the files it wrote', async () => {
    const f = fixture();
    const session = await open(f, [{ name: 'writer', model: f.script([{ tool_calls: [{ name: 'write_file', input: { path: 'CHANGELOG.md', content: '# Changes\n' } }] }, { text: 'Changelog started.' }]) }]);
    const parent = session.kernel.spawn({ task: 'start a changelog', model: f.script(planTurns({ subtasks: [{ id: 'log', role: 'writer', task: 'start CHANGELOG.md' }] })) });
    await session.runtime.idle();
    const [log] = planResult(session, parent.pid).results;
    assert.deepEqual([log.status, log.success, log.summary, log.artifacts], ['done', true, 'Changelog started.', ['CHANGELOG.md']]);
    await session.close();
  });

  it("children share what is left of the parent's budgets, and never get more capabilities", async () => {
    const f = fixture();
    const session = await open(f, [{ name: 'tester', model: f.script(reportingChild('ok', true)), capabilities: ['fs.read', 'exec'] }]);
    const parent = session.kernel.spawn({
      task: 'two checks', budgets: { steps: 9, dollars: 1 }, capabilities: ['fs.read', 'fs.write'],
      model: f.script(planTurns({ subtasks: [{ id: 'a', role: 'tester', task: 'a' }, { id: 'b', role: 'tester', task: 'b' }] })),
    });
    await session.runtime.idle();
    const children = session.kernel.agents.children(parent.pid);
    assert.equal(children.length, 2);
    for (const c of children) {
      assert.deepEqual([c.budgets.steps, c.budgets.dollars, c.budgets.tokens], [4, 0.5, Infinity], 'the 8 steps and $1 left after the planning step, halved');
      assert.deepEqual(c.capabilities, ['fs.read'], 'exec is not the parent\'s to give');
    }
    await session.close();
  });

  it('skip_dependents: a failed subtask skips what depends on it; independent ones still run', async () => {
    const f = fixture();
    const session = await open(f, [
      { name: 'analyst', model: f.script(reportingChild('could not find the data', false)) },
      { name: 'writer', model: f.script(reportingChild('wrote the summary', true)) },
      { name: 'tester', model: f.script(reportingChild('tests pass', true)) },
    ]);
    const parent = session.kernel.spawn({
      task: 'analyse, then summarise; test independently',
      model: f.script(planTurns({
        on_failure: 'skip_dependents',
        subtasks: [
          { id: 'analyse', role: 'analyst', task: 'analyse the data' },
          { id: 'summary', role: 'writer', task: 'summarise the analysis', depends_on: ['analyse'] },
          { id: 'test', role: 'tester', task: 'run the tests' },
        ],
      }, 'The analysis failed; reported it.')),
    });
    await session.runtime.idle();
    const result = planResult(session, parent.pid);
    assert.equal(result.status, 'failed');
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    assert.equal(byId.analyse.status, 'failed');
    assert.equal(byId.analyse.summary, 'could not find the data');
    assert.equal(byId.summary.status, 'skipped');
    assert.equal(byId.summary.agent, null, 'a skipped subtask never gets an agent');
    assert.equal(byId.test.status, 'done');
    assert.equal(session.kernel.agents.children(parent.pid).length, 2);
    assert.equal(session.kernel.agents.get(parent.pid).state, 'done', 'the parent goes on and decides');
    await session.close();
  });

  it('retry: a failed subtask runs once more and its dependents wait for the retry', async () => {
    const f = fixture();
    const session = await open(f, [
      { name: 'coder', model: f.script(reportingChild('implemented it', true, 400)) },
      { name: 'tester', model: f.script(reportingChild('tested it', true)) },
    ]);
    const parent = session.kernel.spawn({
      task: 'implement and test',
      model: f.script(planTurns({
        on_failure: 'retry',
        subtasks: [{ id: 'impl', role: 'coder', task: 'implement' }, { id: 'test', role: 'tester', task: 'test it', depends_on: ['impl'] }],
      })),
    });
    // kill the first coder mid-call: that attempt fails, the retry succeeds
    const running = () => session.kernel.agents.children(parent.pid).find((c) => c.role === 'coder' && c.state === 'running')?.pid;
    await until(() => running() !== undefined, 'the first coder running');
    const first = running()!;
    session.kernel.kill(first, 'killed by the test');
    await session.runtime.idle();
    const result = planResult(session, parent.pid);
    assert.equal(result.status, 'done', JSON.stringify(result));
    const impl = result.results.find((r) => r.id === 'impl')!;
    assert.equal(impl.attempts, 2);
    assert.notEqual(impl.agent, first);
    const coders = session.kernel.agents.children(parent.pid).filter((c) => c.role === 'coder');
    assert.deepEqual(coders.map((c) => c.state), ['killed', 'done']);
    assert.match(coders[1].task, /A previous attempt \(agent \d+\) failed: killed: killed by the test/);
    const list = subtaskEvents(session);
    assert.ok(seqOf(list, 'test', 'running') > seqOf(list, 'impl', 'done'));
    await session.close();
  });

  it('retry gives up after the second failure and skips the dependents', async () => {
    const f = fixture();
    const session = await open(f, [
      { name: 'coder', model: f.script(reportingChild('the build is broken', false)) },
      { name: 'tester', model: f.script(reportingChild('tested', true)) },
    ]);
    const parent = session.kernel.spawn({
      task: 'implement and test',
      model: f.script(planTurns({ on_failure: 'retry', subtasks: [{ id: 'impl', role: 'coder', task: 'implement' }, { id: 'test', role: 'tester', task: 'test', depends_on: ['impl'] }] })),
    });
    await session.runtime.idle();
    const result = planResult(session, parent.pid);
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    assert.equal(byId.impl.status, 'failed');
    assert.equal(byId.impl.attempts, 2);
    assert.equal(byId.test.status, 'skipped');
    assert.equal(session.kernel.agents.children(parent.pid).length, 2, 'two coder attempts, no tester');
    await session.close();
  });

  it('fail_parent: a failure stops the running siblings, cancels the rest, and fails the parent', async () => {
    const f = fixture();
    const session = await open(f, [
      { name: 'analyst', model: f.script(reportingChild('the profile is unreadable', false, 100)) },
      { name: 'coder', model: f.script(reportingChild('late', true, 20_000)) },
      { name: 'writer', model: f.script(reportingChild('never', true)) },
    ]);
    const parent = session.kernel.spawn({
      task: 'profile, optimise, write up',
      model: f.script(planTurns({
        on_failure: 'fail_parent',
        subtasks: [
          { id: 'profile', role: 'analyst', task: 'profile' },
          { id: 'optimise', role: 'coder', task: 'optimise the hot loop' },
          { id: 'writeup', role: 'writer', task: 'write it up', depends_on: ['profile', 'optimise'] },
        ],
      })),
    });
    // The slow sibling's answer takes 20 s: only stopping it ends the plan within 10.
    await within(session.runtime.idle(), 10_000, 'the plan ending without waiting for the slow sibling');
    const p = session.kernel.agents.get(parent.pid);
    assert.equal(p.state, 'failed');
    assert.match(p.reason ?? '', /subtask 'profile' of plan-\d+-1 failed and the plan's policy is fail_parent: the profile is unreadable/);
    assert.equal(session.store.getTask(`task-${parent.pid}`)?.status, 'failed');
    const coder = session.kernel.agents.children(parent.pid).find((c) => c.role === 'coder')!;
    assert.equal(coder.state, 'killed');
    const statuses = Object.fromEntries(planViewsFromEvents(session.store.queryEvents({ type: 'plan.', limit: 100 }))[0].subtasks.map((s) => [s.id, s.status]));
    assert.deepEqual(statuses, { profile: 'failed', optimise: 'cancelled', writeup: 'cancelled' });
    await session.close();
  });

  it('rejects a cycle with an error naming it; the model can fix its plan', async () => {
    const f = fixture();
    const session = await open(f, [{ name: 'coder', model: f.script(reportingChild('done', true)) }]);
    const cyclic = { subtasks: [{ id: 'a', role: 'coder', task: 'a', depends_on: ['c'] }, { id: 'b', role: 'coder', task: 'b', depends_on: ['a'] }, { id: 'c', role: 'coder', task: 'c', depends_on: ['b'] }] };
    const parent = session.kernel.spawn({
      task: 'plan badly, then well',
      model: f.script([
        { tool_calls: [{ name: 'plan', input: cyclic }] },
        { tool_calls: [{ name: 'plan', input: { subtasks: [{ id: 'a', role: 'coder', task: 'a' }] } }] },
        { text: 'fixed the plan' },
      ]),
    });
    await session.runtime.idle();
    assert.equal(session.kernel.agents.get(parent.pid).state, 'done');
    const pages = session.store.listPages(parent.pid).map((p) => p.text).join('\n');
    assert.match(pages, /the dependencies form a cycle: 'a' depends on 'c', 'c' depends on 'b', 'b' depends on 'a'/);
    assert.equal(session.kernel.agents.children(parent.pid).length, 1, 'the cyclic plan spawned nothing');
    assert.equal(events(session, 'agent.malformed').length, 1, 'the bad plan counted as malformed output');
    await session.close();
  });

  it('fails a parent that keeps sending invalid plans (the malformed-output limit)', async () => {
    const f = fixture();
    const session = await open(f, []);
    const bad = (i: number) => ({ tool_calls: [{ name: 'plan', input: { subtasks: [{ id: `s${i}`, role: 'coder', task: 'x', depends_on: ['nope'] }] } }] });
    const unknownRole = { tool_calls: [{ name: 'plan', input: { subtasks: [{ id: 'x', role: 'wizard', task: 'magic' }] } }] };
    const parent = session.kernel.spawn({ task: 'plan', model: f.script([bad(1), unknownRole, bad(3), { text: 'never reached' }]) });
    await session.runtime.idle();
    const p = session.kernel.agents.get(parent.pid);
    assert.equal(p.state, 'failed');
    assert.match(p.reason ?? '', /3 steps in a row with malformed tool calls/);
    const pages = session.store.listPages(parent.pid).map((x) => x.text).join('\n');
    assert.match(pages, /subtask 's1' depends on 'nope', which is not a subtask of this plan/);
    assert.match(pages, /subtask 'x' has role 'wizard', which is not a role; use one of coder, reviewer, tester, analyst, writer/);
    assert.equal(session.kernel.agents.children(parent.pid).length, 0);
    await session.close();
  });

  it('killing the parent kills its children and ends the plan', async () => {
    const f = fixture();
    const session = await open(f, [{ name: 'coder', model: f.script(reportingChild('slow', true, 30_000)) }]);
    const parent = session.kernel.spawn({
      task: 'two slow subtasks',
      model: f.script(planTurns({ subtasks: [{ id: 'a', role: 'coder', task: 'a' }, { id: 'b', role: 'coder', task: 'b' }] })),
    });
    await until(() => session.kernel.agents.children(parent.pid).filter((c) => c.state === 'running').length >= 2, 'both children running');
    const killed = session.kernel.kill(parent.pid, 'changed my mind');
    assert.equal(killed.length, 3);
    await session.runtime.idle();
    await session.kernel.idle();
    assert.ok(session.kernel.agents.children(parent.pid).every((c) => c.state === 'killed'));
    const finished = events(session, 'plan.finished');
    assert.equal(finished.length, 1);
    assert.equal(finished[0].event.type === 'plan.finished' && finished[0].event.status, 'cancelled');
    await session.close();
  });

  it('file leases: a second writer waits for the holder, then gets a conflict naming it; after release the write goes through', async () => {
    const f = fixture();
    const session = await open(f, [], { leaseWaitMs: 150 });
    const holder = session.kernel.spawn({ task: 'hold', model: f.script([{ text: 'holding', latency_ms: 10_000 }]) });
    const lease = await session.leases.acquire(holder.pid, 'notes.md', { purpose: 'edit_file' });
    const writer = session.kernel.spawn({ task: 'write notes', model: f.script([{ tool_calls: [{ name: 'write_file', input: { path: 'notes.md', content: 'mine\n' } }] }, { text: 'gave up' }]) });
    await session.kernel.agents.waitForExit(writer.pid);
    const pages = session.store.listPages(writer.pid).map((p) => p.text).join('\n');
    assert.match(pages, new RegExp(`notes\\.md is being written by agent ${holder.pid} \\(coder-${holder.pid}\\) \\(edit_file, holding it for [\\d.]+ s\\); waited 0\\.\\d s for it`));
    assert.equal(session.store.queryEvents({ type: 'lease.conflict' }).length, 1);
    // once the holder lets go, the same write goes through and is remembered as the writer's
    lease.release();
    const second = session.kernel.spawn({ task: 'write notes', model: f.script([{ tool_calls: [{ name: 'write_file', input: { path: 'notes.md', content: 'mine\n' } }] }, { text: 'written' }]) });
    await session.kernel.agents.waitForExit(second.pid);
    assert.equal(readFileSync(join(f.ws, 'notes.md'), 'utf8'), 'mine\n');
    session.kernel.kill(holder.pid);
    await session.runtime.idle();
    assert.equal(session.leases.list().length, 0);
    await session.close();
  });

  it('closing the session interrupts a running plan instead of hanging', async () => {
    const f = fixture();
    const session = await open(f, [{ name: 'coder', model: f.script(reportingChild('slow', true, 30_000)) }]);
    const parent = session.kernel.spawn({ task: 'slow', model: f.script(planTurns({ subtasks: [{ id: 'a', role: 'coder', task: 'a' }] })) });
    await until(() => session.kernel.agents.children(parent.pid).length >= 1, 'the child spawned');
    // The child's answer takes 30 s: only interrupting it lets close() end within 5.
    await within(session.close(), 5000, 'closing the session with a running plan');
  });
});
