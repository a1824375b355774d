import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

  it('explains a missing database', () => {
    const r = aios(['eval', '--db', '/nonexistent/aios.db']);
    assert.equal(r.code, 2);
    assert.match(r.err, /no database at/);
  });
});
