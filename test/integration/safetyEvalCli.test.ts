import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dashboardData } from '../../src/host/dashboardData';
import { SafetyStore } from '../../src/safety/store/safetyStore';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { defaultDatabasePath } from '../../src/cli/databasePath';

/** The CLI's per-user state folder for this file's runs (default databases live there, outside the workspace). */
const STATE = mkdtempSync(join(tmpdir(), 'aios-state-'));
after(() => rmSync(STATE, { recursive: true, force: true }));
const defaultDb = (workspace: string) => defaultDatabasePath(workspace, { AIOS_STATE_DIR: STATE }).path;

const CLI = resolve(__dirname, '../../src/cli/main.ts');

function aios(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: STATE } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('aios eval', function () {
  this.timeout(60_000);

  it('prints scores, grades and health of a database, as text and as JSON that matches the kernel', () => {
    const ws = mkdtempSync(join(tmpdir(), 'aios-eval-'));
    writeFileSync(join(ws, 'notes.md'), '# Notes\n');
    mkdirSync(join(ws, '.aios'));
    const script = join(ws, '.aios', 'script.json');
    writeFileSync(script, JSON.stringify({ turns: [
      { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }], usage: { input_tokens: 900, output_tokens: 40 } },
      { text: 'Answered.', usage: { input_tokens: 1000, output_tokens: 20 } },
    ] }));
    const db = defaultDb(ws);
    const run = aios(['run', 'read the notes', '--workspace', ws, '--model', `scripted:${script}`, '--agents', '2', '--no-sandbox', '--yes']);
    assert.equal(run.code, 0, run.err + run.out);

    const text = aios(['eval', '--db', db]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^health \d+(\.\d)?\/100 \([SABCDF]\)/);
    assert.match(text.out, /1 +coder-1 +done +100\.0 +S/);

    const json = aios(['eval', '--db', db, '--json']);
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out) as { health: number; agents: Array<{ pid: number; score: number; grade: string; tokens: number }>; tasks: Array<{ id: string; score: number; grade: string }> };
    assert.equal(typeof report.health, 'number');
    assert.deepEqual(report.agents.map((a) => [a.pid, a.score, a.grade]), [[1, 100, 'S'], [2, 100, 'S']]);
    assert.deepEqual(report.tasks.map((t) => t.id), ['task-1', 'task-2']);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      for (const a of store.listAgents()) assert.equal(report.agents.find((r) => r.pid === a.pid)?.tokens, a.usage.inputTokens + a.usage.outputTokens);
    } finally {
      store.close();
    }
  });

  it('shows on the dashboard exactly the numbers `aios eval --json` prints; a denied change is no top grade', () => {
    const ws = mkdtempSync(join(tmpdir(), 'aios-eval-dash-'));
    writeFileSync(join(ws, 'notes.md'), '# Notes\nTODO\n');
    mkdirSync(join(ws, '.aios'));
    const write = (name: string, turns: unknown[]) => { const p = join(ws, '.aios', `${name}.json`); writeFileSync(p, JSON.stringify({ turns })); return `scripted:${p}`; };
    const reader = write('reader', [
      { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }], usage: { input_tokens: 900, output_tokens: 40, cache_read_input_tokens: 300 } },
      { text: 'One TODO.', usage: { input_tokens: 1000, output_tokens: 20 } },
    ]);
    const editor = write('editor', [
      { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }], usage: { input_tokens: 700, output_tokens: 30 } },
      { text: 'Fixing.', tool_calls: [{ name: 'edit_file', input: { path: 'notes.md', old_text: 'TODO', new_text: 'DONE' } }], usage: { input_tokens: 800, output_tokens: 30 } },
      { text: 'The developer said no.', usage: { input_tokens: 900, output_tokens: 10 } },
    ]);
    const db = join(ws, '.aios', 'aios.db');
    const first = aios(['run', 'read the notes', '--workspace', ws, '--db', db, '--model', reader, '--no-sandbox', '--yes']);
    assert.equal(first.code, 0, first.err + first.out);
    aios(['run', 'fix the TODO in the notes', '--workspace', ws, '--db', db, '--model', editor, '--no-sandbox', '--deny-risky']);

    const json = aios(['eval', '--db', db, '--json']);
    assert.equal(json.code, 0, json.err);
    type Row = { pid: number; id?: string; score: number; grade: string; steps: number; tokens: number; dollars: number };
    const report = JSON.parse(json.out) as { health: number; healthGrade: string; healthComponents: Array<{ id: string; penalty: number }>; window: { to: number }; agents: Row[]; tasks: Row[] };
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const dash = dashboardData({ safety: new SafetyStore(store), kernel: store }, report.window.to);
      assert.equal(dash.health.score, report.health);
      assert.equal(dash.health.grade, report.healthGrade);
      assert.deepEqual(dash.health.components.map((c) => [c.id, c.penalty]), report.healthComponents.map((c) => [c.id, c.penalty]));
      const pick = (r: Row) => [r.pid, r.score, r.grade, r.steps, r.tokens, r.dollars];
      assert.deepEqual(dash.agents.map(pick), report.agents.map(pick));
      assert.deepEqual(dash.tasks.map((t) => [t.id, t.score, t.grade, t.steps, t.tokens]).reverse(), report.tasks.map((t) => [t.id, t.score, t.grade, t.steps, t.tokens]));
      // the tokens chart ends at each agent's total (as the Agents view's tooltip counts them), and starts at 0
      for (const a of store.listAgents()) {
        const series = dash.usage.series.find((x) => x.pid === a.pid);
        assert.equal(series?.tokens[0], 0);
        assert.equal(series?.tokens.at(-1), a.usage.inputTokens + a.usage.outputTokens, `chart total of ${a.name}`);
        assert.equal(dash.agents.find((x) => x.pid === a.pid)?.tokens, a.usage.inputTokens + a.usage.outputTokens);
      }
      // the editor was asked to fix something and the developer denied it: no top grade
      const denied = report.tasks.find((t) => t.pid === 2);
      assert.ok(denied && !['S', 'A'].includes(denied.grade), `denied change graded ${denied?.grade}`);
      assert.equal(report.tasks.find((t) => t.pid === 1)?.grade, 'S');
    } finally {
      store.close();
    }
  });

  it('explains a missing database', () => {
    const r = aios(['eval', '--db', '/nonexistent/aios.db']);
    assert.equal(r.code, 2);
    assert.match(r.err, /No database at \/nonexistent\/aios\.db: give the --db of an 'aios run'/);
  });
});
