import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApprovalAnswer, ApprovalClient } from '../../src/kernel/ports/approvals';
import { KernelSession } from '../../src/session/kernelSession';
import { SqliteRoutingLog } from '../../src/storage/routingLog';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { defaultDatabasePath } from '../../src/cli/databasePath';

/** The CLI's per-user state folder for this file's runs (default databases live there, outside the workspace). */
const STATE = mkdtempSync(join(tmpdir(), 'aios-state-'));
after(() => rmSync(STATE, { recursive: true, force: true }));
const defaultDb = (workspace: string) => defaultDatabasePath(workspace, { AIOS_STATE_DIR: STATE }).path;

const CLI = resolve(__dirname, '../../src/cli/main.ts');

function aios(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, input: '', env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: STATE } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'aios-route-'));
}

const denyAll: ApprovalClient = { ask: async (): Promise<ApprovalAnswer> => ({ decision: 'deny', reason: null }) };

describe('aios route and routeTask (real SQLite)', function () {
  this.timeout(60_000);

  it('prints {"role", "tier", "confidence"} first with --json, in English and Chinese, and records each decision', () => {
    const ws = workspace();
    const english = aios(['route', 'Write unit tests for the parser', '--json', '--workspace', ws]);
    assert.equal(english.code, 0, english.err);
    const e = JSON.parse(english.out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(e).slice(0, 3), ['role', 'tier', 'confidence']);
    assert.deepEqual([e.role, e.tier], ['tester', 'exact']);
    assert.ok((e.confidence as number) >= 0.9);

    const chinese = aios(['route', '帮我分析一下系统性能瓶颈', '--json', '--workspace', ws]);
    assert.equal(chinese.code, 0, chinese.err);
    const c = JSON.parse(chinese.out) as Record<string, unknown>;
    assert.deepEqual([c.role, c.tier], ['analyst', 'keyword']);
    assert.ok((c.confidence as number) > 0.6 && (c.confidence as number) < 0.9);

    const store = SqliteStore.open(defaultDb(ws));
    const rows = new SqliteRoutingLog(store.connection).recent(10);
    assert.deepEqual(rows.map((r) => [r.task, r.role, r.tier, r.source]), [
      ['帮我分析一下系统性能瓶颈', 'analyst', 'keyword', 'cli'],
      ['Write unit tests for the parser', 'tester', 'exact', 'cli'],
    ]);
    assert.equal(rows[0].id, c.decision);
    store.close();
  });

  it('prints role, tier, confidence and reason for people; --no-record leaves no database', () => {
    const ws = workspace();
    const r = aios(['route', '修复调度器里的崩溃', '--workspace', ws, '--no-record']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^role: {8}coder\ntier: {8}keyword\nconfidence: {2}0\.79\nreason: {6}keywords 修复, 崩溃\n$/);
    assert.equal(existsSync(join(ws, '.aios')), false);
    assert.equal(aios(['route', 'x', '--workspace', join(ws, 'nope')]).code, 2);
  });

  it('uses the best guess (tier default) when unsure and nobody can be asked (no terminal, no model)', () => {
    const r = aios(['route', 'fix the failing test', '--json', '--workspace', workspace()]);
    const d = JSON.parse(r.out) as { tier: string; confidence: number; reason: string };
    assert.equal(d.tier, 'default');
    assert.ok(d.confidence < 0.5);
    assert.match(d.reason, /below the threshold 0\.5, and no model or developer was asked/);
  });

  it("routes to the workspace's own roles from .aios/roles.json, and names a broken file", () => {
    const ws = workspace();
    mkdirSync(join(ws, '.aios'));
    writeFileSync(join(ws, '.aios', 'roles.json'), JSON.stringify({ roles: [{ name: 'dba', description: 'Designs schemas and tunes queries.', keywords: ['sql', '数据库', '索引'], phrases: ['slow query'] }] }));
    const r = aios(['route', '给订单表的数据库加索引', '--json', '--workspace', ws]);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { role: string }).role, 'dba');
    writeFileSync(join(ws, '.aios', 'roles.json'), '{"roles": [{"name": "DBA"}]}');
    const bad = aios(['route', 'x', '--workspace', ws]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Invalid roles in .*roles\.json: roles\[0\]\.name must match pattern/);
  });

  it('routeTask spawns an agent of the role, reuses an idle one, and records how it ended', async () => {
    const dir = workspace();
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    const script = join(dir, 'tester.json');
    writeFileSync(script, JSON.stringify({ turns: [{ text: 'tests written' }] }));
    const session = KernelSession.open({
      dbPath: join(dir, 'aios.db'), workspace: ws, approvals: denyAll, sandbox: false,
      roles: [{ name: 'tester', model: `scripted:${script}` }],
    });
    // hold the queue so the first agent is still idle (ready) when the second task comes
    session.kernel.scheduling.pauseFor(60_000);
    const first = await session.routeTask('write unit tests for the parser');
    assert.equal(first.reused, false);
    assert.deepEqual([first.agent.role, first.agent.model, first.decision.tier], ['tester', `scripted:${script}`, 'exact']);
    assert.match(session.kernel.contexts.pages(first.agent.pid).map((p) => p.kind).join(','), /system/);
    const second = await session.routeTask('写单元测试覆盖调度器');
    assert.equal(second.reused, true);
    assert.equal(second.agent.pid, first.agent.pid);
    assert.match(JSON.stringify(session.kernel.contexts.pages(first.agent.pid).at(-1)?.blocks), /Another task for you \(routed to tester\): 写单元测试覆盖调度器/);
    const third = await session.routeTask('write unit tests for the lexer', { reuse: false });
    assert.notEqual(third.agent.pid, first.agent.pid);
    const writer = await session.routeTask('update the README');
    assert.equal(writer.agent.role, 'writer');
    for (const a of [first.agent, third.agent, writer.agent]) session.kernel.kill(a.pid, 'test over');
    await session.kernel.idle();
    const rows = session.routing.log!.recent(10);
    assert.deepEqual(rows.map((r) => [r.role, r.pid, r.outcome]).reverse(), [
      ['tester', first.agent.pid, 'killed'],
      ['tester', first.agent.pid, 'killed'],
      ['tester', third.agent.pid, 'killed'],
      ['writer', writer.agent.pid, 'killed'],
    ]);
    const decided = session.store.queryEvents({ type: 'route.decided', limit: 10 });
    assert.equal(decided.length, 4);
    await session.close();
  });

  it("records 'done' for an agent that finishes its routed task", async () => {
    const dir = workspace();
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    const script = join(dir, 'w.json');
    writeFileSync(script, JSON.stringify({ turns: [{ text: 'docs updated' }] }));
    const session = KernelSession.open({ dbPath: join(dir, 'aios.db'), workspace: ws, approvals: denyAll, sandbox: false, roles: [{ name: 'writer', model: `scripted:${script}` }] });
    const a = await session.routeTask('更新文档');
    await session.runtime.idle();
    await session.kernel.idle();
    assert.equal(session.kernel.agents.get(a.agent.pid).state, 'done');
    assert.equal(session.routing.log!.recent(1)[0].outcome, 'done');
    await session.close();
  });
});
