import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { TerminalApprovals } from '../../src/cli/approvalPrompt';
import type { ApprovalRequest } from '../../src/kernel/ports/approvals';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { ensureSandboxImage, makeWorkspace, requireDocker } from '../support/docker';
import { defaultDatabasePath } from '../../src/cli/databasePath';

/** The CLI's per-user state folder for this file's runs (default databases live there, outside the workspace). */
const STATE = mkdtempSync(join(tmpdir(), 'aios-state-'));
after(() => rmSync(STATE, { recursive: true, force: true }));
const defaultDb = (workspace: string) => defaultDatabasePath(workspace, { AIOS_STATE_DIR: STATE }).path;
import { until } from '../support/waits';

const CLI = resolve(__dirname, '../../src/cli/main.ts');

function aios(args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: STATE } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function fixture(turns: unknown[]): { ws: string; model: string; db: string } {
  const ws = mkdtempSync(join(tmpdir(), 'aios-cli-'));
  writeFileSync(join(ws, 'greet.ts'), 'export const greeting = "helo";\n');
  mkdirSync(join(ws, '.aios'));
  const script = join(ws, '.aios', 'script.json');
  writeFileSync(script, JSON.stringify({ turns }));
  return { ws, model: `scripted:${script}`, db: defaultDb(ws) };
}

const EDIT = [
  { text: 'Reading the file.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }] },
  { text: 'Fixing the typo.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.ts', old_text: '"helo"', new_text: '"hello"' } }] },
  { text: 'Fixed the greeting typo.' },
];

describe('aios CLI', function () {
  this.timeout(60_000);

  it('runs a scripted agent that edits a file when approved (--yes), labelled as scripted', () => {
    const f = fixture(EDIT);
    const r = aios(['run', 'fix the greeting', '--workspace', f.ws, '--model', f.model, '--yes', '--no-sandbox']);
    assert.equal(r.code, 0, r.err + r.out);
    assert.equal(readFileSync(join(f.ws, 'greet.ts'), 'utf8'), 'export const greeting = "hello";\n');
    assert.match(r.out, /offline scripted model/);
    assert.match(r.out, /\(scripted\) says: Fixing the typo\./);
    assert.match(r.out, /1\s+coder-1\s+done\s+3/);
  });

  it('leaves the file untouched with --deny-risky', () => {
    const f = fixture(EDIT);
    const r = aios(['run', 'fix the greeting', '--workspace', f.ws, '--model', f.model, '--deny-risky', '--no-sandbox']);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(f.ws, 'greet.ts'), 'utf8'), 'export const greeting = "helo";\n');
    assert.match(r.out, /denied automatically: agent 1 \(coder-1\) edit_file \[medium\]: edit greet\.ts/);
  });

  it('exits non-zero with the reason when an agent does not finish', () => {
    const same = { tool_calls: [{ name: 'list_dir', input: {} }] };
    const f = fixture([same, same, same, same]);
    const r = aios(['run', 'loop', '--workspace', f.ws, '--model', f.model, '--no-sandbox']);
    assert.equal(r.code, 1);
    assert.match(r.err, /1 of 1 agents did not finish: 1 suspended \(loop detected: list_dir called 3 times/);
  });

  it('lists agents and events, and kills an agent left by a dead kernel', () => {
    const f = fixture([{ text: 'slow', latency_ms: 60_000 }]);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', 'wait', '--workspace', f.ws, '--model', f.model, '--no-sandbox', '--agents', '2'], { stdio: 'ignore', env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: STATE } });
    return new Promise<void>((done, fail) => {
      const started = Date.now();
      const poll = setInterval(() => {
        try {
          const ps = aios(['ps', '--db', f.db]);
          if (!/running/.test(ps.out)) { if (Date.now() - started > 20_000) throw new Error(`never running: ${ps.out}${ps.err}`); return; }
          clearInterval(poll);
          // a second kernel on the same database is refused: they would overwrite each other
          const second = aios(['run', 'again', '--workspace', f.ws, '--model', f.model, '--no-sandbox']);
          assert.equal(second.code, 1);
          assert.match(second.err, /another AIOS kernel \(process \d+\) is running on/);
          // a kernel is running: the kill goes through it
          const k = aios(['kill', '1', '--db', f.db]);
          assert.equal(k.code, 0, k.err);
          assert.match(k.out, /asked the running kernel to kill agent 1/);
          const until = Date.now() + 5000;
          while (!/1\s+coder-1\s+killed/.test(aios(['ps', '--db', f.db]).out)) if (Date.now() > until) throw new Error('not killed by the kernel');
          child.kill('SIGKILL'); // the kernel dies with agent 2 still running
          child.once('exit', () => {
            try {
              const k2 = aios(['kill', '2', '--db', f.db]);
              assert.equal(k2.code, 0, k2.err);
              assert.match(k2.out, /killed 2 \(no kernel was running/);
              const ev = aios(['events', '--db', f.db, '--type', 'agent.state', '--agent', '2']);
              assert.match(ev.out, /"to":"killed"/);
              const again = aios(['kill', '2', '--db', f.db]);
              assert.equal(again.code, 2);
              assert.match(again.err, /agent 2 has already ended \(killed\)/);
              done();
            } catch (err) { fail(err); }
          });
        } catch (err) { clearInterval(poll); child.kill('SIGKILL'); fail(err); }
      }, 200);
    });
  });

  it('gives one clear line and exit 2 for bad input', () => {
    const f = fixture(EDIT);
    const db = join(f.ws, '.aios', 'empty.db');
    writeFileSync(db, '');
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['run', '--workspace', f.ws], /give the task in quotes/],
      [['run', 'x'], /required option '--workspace <DIR>' not specified; see 'aios run --help'/],
      [['run', 'x', '--workspace', '/nonexistent/dir'], /workspace \/nonexistent\/dir is not a folder/],
      [['run', 'x', '--workspace', f.ws, '--model', 'scripted:/nope.json'], /nope\.json/],
      [['run', 'x', '--workspace', f.ws, '--agents', '0', '--model', f.model], /--agents <N>' argument '0' is invalid. Give a whole number from 1 to 1000/],
      [['ps', '--db', '/tmp/does-not-exist.db'], /No database at/],
      [['kill', 'abc', '--db', db], /Give the agent's pid/],
    ];
    for (const [args, message] of cases) {
      const r = aios(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, message, args.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.err}`);
    }
    assert.match(aios(['run', '--help']).out, /--deny-risky/);
  });

  it('asks on a terminal and shows the diff', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d) => { shown += d; });
    const prompt = new TerminalApprovals(input, output);
    const request: ApprovalRequest = {
      id: '1-1', pid: 1, agentName: 'coder-1', tool: 'edit_file', risk: 'medium', createdAt: 0, ruleCovers: 'edit_file on exactly greet.ts',
      subject: { kind: 'edit', summary: 'edit greet.ts (+1 -1)', files: [{ path: 'greet.ts', status: 'modified', diff: '-"helo"\n+"hello"\n', before: '', after: '' }] },
    };
    const answer = prompt.ask(request, new AbortController().signal);
    await until(() => /greet\.ts/.test(shown), 'the approval prompt showing the diff', 5000);
    input.write('what\n');
    await until(() => /answer a, d, g or s/.test(shown), 'the prompt asking again', 5000);
    input.write('g\n');
    assert.deepEqual(await answer, { decision: 'approve', remember: 'agent' });
    assert.match(shown, /-"helo"\n\+"hello"/);
    assert.match(shown, /answer a, d, g or s/);
  });

  it('runs a command in the sandbox and applies its file only after approval', async function () {
    const docker = await requireDocker(this);
    await ensureSandboxImage(docker);
    const w = makeWorkspace({ 'README.md': '# demo\n' });
    mkdirSync(join(w.dir, '.aios'));
    const script = join(w.dir, '.aios', 'script.json');
    writeFileSync(script, JSON.stringify({ turns: [
      { text: 'Writing a file in the sandbox.', tool_calls: [{ name: 'run_command', input: { command: 'echo built > out.txt && cat README.md' } }] },
      { text: 'Done.' },
    ] }));
    const denied = aios(['run', 'build', '--workspace', w.dir, '--model', `scripted:${script}`, '--deny-risky', '--db', join(w.dir, '.aios', 'd.db')]);
    assert.equal(denied.code, 0, denied.err);
    assert.throws(() => readFileSync(join(w.dir, 'out.txt')), 'denied: nothing reaches the workspace');
    const r = aios(['run', 'build', '--workspace', w.dir, '--model', `scripted:${script}`, '--yes']);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /approved automatically: .*run_command \[high\]/);
    assert.match(r.out, /approved automatically: .*apply_changes \[medium\].*out\.txt|approved automatically: .*apply_changes/);
    assert.equal(readFileSync(join(w.dir, 'out.txt'), 'utf8'), 'built\n');
    const store = SqliteStore.open(defaultDb(w.dir), { readonly: true });
    const results = store.listPages(1).map((p) => p.text).join('\n');
    store.close();
    assert.match(results, /# demo/);
    w.remove();
  });
});
