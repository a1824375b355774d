/**
 * `aios logs` and `aios send` as a person runs them (the real CLI in a child process, a real
 * SQLite file, the scripted model), and what `aios run` now shows: why a call was rejected.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { formatEntry, formatStrip } from '../../src/protocol/transcriptFormat';
import { storedTranscript } from '../../src/transcript/load';

const CLI = resolve(__dirname, '../../src/cli/main.ts');

function aios(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ANTHROPIC_API_KEY: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function fixture(turns: unknown[]) {
  const ws = mkdtempSync(join(tmpdir(), 'aios-cli-tr-'));
  writeFileSync(join(ws, 'greet.ts'), 'export const greeting = "helo";\n');
  mkdirSync(join(ws, '.aios'));
  const script = join(ws, '.aios', 'script.json');
  writeFileSync(script, JSON.stringify({ turns }));
  return { ws, model: `scripted:${script}`, db: join(ws, '.aios', 'aios.db') };
}

const TURNS = [
  { text: 'Reading the file.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }], usage: { input_tokens: 900, output_tokens: 30 } },
  { text: 'Trying a tool \u001b]0;pwned\u0007 that is not there.', tool_calls: [{ name: 'read_file', input: { file: 'greet.ts' } }], usage: { input_tokens: 1000, output_tokens: 30 } },
  { text: 'Done reading.', usage: { input_tokens: 1100, output_tokens: 20 } },
  { text: 'Second turn: got your message.', usage: { input_tokens: 1200, output_tokens: 20 } },
];

describe('aios logs / aios send (real CLI, real SQLite, scripted model)', function () {
  this.timeout(90_000);

  it('run shows why a call was rejected; logs prints the transcript the tab shows; send starts a new turn', () => {
    const f = fixture(TURNS);
    const run = aios(['run', 'read the greeting', '--workspace', f.ws, '--db', f.db, '--model', f.model, '--no-sandbox', '--max-steps', '10']);
    assert.equal(run.code, 0, run.err + run.out);
    // The invalid input (a `file` instead of a `path`) leaves a visible trace with the reason.
    assert.match(run.out, /\[1 coder-1\] ✗ .*path/);

    const logs = aios(['logs', '1', '--db', f.db]);
    assert.equal(logs.code, 0, logs.err);
    const store = SqliteStore.open(f.db, { readonly: true });
    const view = storedTranscript(store, 1).view();
    store.close();
    const expected = [...formatStrip(view.strip), ...view.entries.flatMap((e) => formatEntry(e))].join('\n');
    assert.equal(logs.out.trimEnd(), expected);
    assert.match(logs.out, /step 2 \(scripted\):\n {4}Trying a tool \\e\]0;pwned\\x07 that is not there\./);
    assert.ok(!logs.out.includes('\u001b'), 'no raw escape reaches the terminal');
    assert.match(logs.out, /✗ rejected read_file call: .*path/);
    assert.match(logs.out, /tokens: 3,000 in \/ 80 out .* steps 3 of 10 \(30%\)/);

    const json = aios(['logs', '1', '--db', f.db, '--json']);
    const lines = json.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.equal(lines[0].type, 'strip');
    assert.equal(lines.length, 1 + view.entries.length);

    // No kernel is running: send starts one, the finished agent takes a new turn.
    const send = aios(['send', '1', 'please also check the farewell', '--db', f.db, '--no-sandbox']);
    assert.equal(send.code, 0, send.err + send.out);
    assert.match(send.out, /takes a new turn/);
    assert.match(send.out, /you \(new turn\): please also check the farewell/);
    assert.match(send.out, /Second turn: got your message\./);

    const bad = aios(['send', '1', '--db', f.db]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /give the message in quotes/);
    const none = aios(['logs', '7', '--db', f.db]);
    assert.equal(none.code, 1);
    assert.match(none.err, /no agent 7/);
  });

  it('send goes through a running kernel (the editor\'s) and waits until it took the message', async () => {
    const f = fixture(TURNS.filter((t) => !t.tool_calls));
    const session = KernelSession.open({ dbPath: f.db, workspace: f.ws, approvals: { ask: async () => ({ decision: 'deny', reason: null }) }, sandbox: false, controlPollMs: 50 });
    try {
      const pid = session.kernel.spawn({ task: 'read', model: f.model }).pid;
      await session.runtime.idle();
      assert.equal(session.kernel.agents.get(pid).state, 'done');
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'send', String(pid), 'one more thing', '--db', f.db], { env: { ...process.env, ANTHROPIC_API_KEY: '' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, out);
      assert.match(out, /takes a new turn with your message \(kernel process \d+\)/);
      await session.runtime.idle();
      assert.equal(session.kernel.agents.get(pid).usage.steps, 2, 'the running kernel ran the new turn');
    } finally {
      await session.close();
    }
  });
});
