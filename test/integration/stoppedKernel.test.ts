/**
 * The kernel the CLI uses while no session runs on a database (`aios kill`, `aios eval --review`),
 * built in src/session: it holds the kernel lock while it changes the database, and gives it back.
 * Real SQLite files; the real CLI in a child process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApprovalClient } from '../../src/kernel/ports/approvals';
import { KernelSession } from '../../src/session/kernelSession';
import { StoppedKernel } from '../../src/session/stoppedKernel';
import { SqliteStore } from '../../src/storage/sqliteStore';

const CLI = resolve(__dirname, '../../src/cli/main.ts');
const DENY: ApprovalClient = { ask: async () => ({ decision: 'deny', reason: null }) };
const tmp = mkdtempSync(join(tmpdir(), 'aios-stopped-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function aios(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 90_000, env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: join(tmp, 'state') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same, without blocking this process (whose lock heartbeat must go on meanwhile). */
function aiosAsync(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: join(tmp, 'state') } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

/** A database with one finished agent and one left waiting (a session that stopped with it live). */
async function database(name: string): Promise<{ ws: string; db: string }> {
  const ws = mkdtempSync(join(tmp, `${name}-`));
  writeFileSync(join(ws, 'notes.md'), '# Notes\n');
  const script = join(ws, 'script.json');
  writeFileSync(script, JSON.stringify({ turns: [{ text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }] }, { text: 'Done.' }] }));
  const db = join(tmp, `${name}.db`);
  const session = KernelSession.open({ dbPath: db, workspace: ws, approvals: DENY, sandbox: false, controlPollMs: 0 });
  try {
    session.kernel.spawn({ task: 'read the notes', model: `scripted:${script}` });
    await session.runtime.idle();
    session.kernel.suspend(session.kernel.spawn({ task: 'later', model: `scripted:${script}` }).pid);
  } finally {
    await session.close();
  }
  return { ws, db };
}

describe('StoppedKernel: the CLI changes a database no kernel runs on only under its lock', function () {
  this.timeout(180_000);

  it('no kernel starts while it holds the lock; a kill it makes is written; after release a session opens and sees it', async () => {
    const { ws, db } = await database('kill');
    const store = SqliteStore.open(db);
    const stopped = StoppedKernel.claim(store, db);
    try {
      const run = await aiosAsync(['run', 'x', '--workspace', ws, '--db', db, '--model', `scripted:${join(ws, 'script.json')}`, '--no-sandbox']);
      assert.equal(run.code, 1, run.out);
      assert.match(run.out, new RegExp(`another AIOS kernel \\(process ${process.pid}\\) is running on`));
      assert.deepEqual(stopped.kernel.kill(2, 'killed in the test'), [2]);
    } finally {
      stopped.release();
      store.close();
    }
    const session = KernelSession.open({ dbPath: db, workspace: ws, approvals: DENY, sandbox: false, controlPollMs: 0 });
    try {
      assert.equal(session.kernel.agents.get(2).state, 'killed');
      assert.equal(session.kernel.agents.get(1).state, 'done');
    } finally {
      await session.close();
    }
  });

  it('aios eval --review without a terminal gates, skips the answers and leaves the database free; with a kernel running it is refused (exit 2)', async () => {
    const { ws, db } = await database('review');
    const review = aios(['eval', '--db', db, '--review', '--workspace', ws]);
    assert.equal(review.code, 0, review.err + review.out);
    assert.match(review.out, /^looking for improvements in the recorded data/);
    assert.match(review.out, /no proposal waits for review|skipped \(no terminal to ask on\)/);
    const session = KernelSession.open({ dbPath: db, workspace: ws, approvals: DENY, sandbox: false, controlPollMs: 0 });
    try {
      const refused = aios(['eval', '--db', db, '--review']);
      assert.equal(refused.code, 2);
      assert.equal(refused.err, 'aios: a kernel is running on this database: review proposals in its dashboard, or stop it first\n');
    } finally {
      await session.close();
    }
  });
});
