import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommanderError } from '@commander-js/extra-typings';
import { buildProgram, withHelpForGroups } from '../../src/cli/program';

const CLI = resolve(__dirname, '../../src/cli/main.ts');
const VERSION = (JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['run', 'ps', 'events', 'kill', 'logs', 'send', 'eval', 'route', 'mcp', 'models', 'audit'];

/** A scratch folder: a workspace, an (empty) database file, and the CLI's state folder. */
const tmp = mkdtempSync(join(tmpdir(), 'aios-cli-usage-'));
const STATE = join(tmp, 'state');
const DB = join(tmp, 'some.db');
writeFileSync(DB, '');
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The real `aios` in a child process, as a user runs it. */
function aios(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ANTHROPIC_API_KEY: '', AIOS_STATE_DIR: STATE } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same command line parsed in this process: what it printed, and the exit code it leads to (no action runs on a usage error). */
async function parse(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = buildProgram({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  try {
    await program.parseAsync(withHelpForGroups(program, args), { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { code: e.exitCode === 0 ? 0 : 2, out, err };
  }
}

describe('aios command line (commander)', function () {
  this.timeout(120_000);

  it('aios --help lists every command with what it does; aios alone prints the same; --version prints the version', () => {
    const help = aios(['--help']);
    assert.equal(help.code, 0, help.err);
    for (const c of COMMANDS) assert.match(help.out, new RegExp(`^  ${c}\\b.*\\s{2,}\\S`, 'm'), `aios --help lists ${c}`);
    assert.equal(aios([]).out, help.out);
    const v = aios(['--version']);
    assert.deepEqual([v.code, v.out.trim()], [0, VERSION]);
  });

  it('aios run --help shows every option of run (and aios help run is the same)', () => {
    const r = aios(['run', '--help']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Usage: aios run "<task>" --workspace DIR \[options\]/);
    for (const o of ['--workspace <DIR>', '--agents <N>', '--model <M>', '--db <FILE>', '--role <R>', '--priority <P>', '--max-tokens <N>', '--max-dollars <D>', '--max-steps <N>', '--context-tokens <N>', '--yes', '--deny-risky', '--no-sandbox']) {
      assert.ok(r.out.includes(`  ${o} `), `run --help shows ${o}:\n${r.out}`);
    }
    assert.match(r.out, /Approvals are asked on the terminal/);
    assert.equal(aios(['help', 'run']).out, r.out);
  });

  it('every command and subcommand has its own help, naming its options', async () => {
    const expected: Record<string, string[]> = {
      ps: ['--db <FILE>'], events: ['--db <FILE>', '--type <T>', '--agent <PID>', '--limit <N>'], kill: ['PID --db FILE', '--db <FILE>'],
      logs: ['PID --db FILE', '--db <FILE>', '--follow', '--json', '--full'], send: ['PID "<message>" --db FILE', '--db <FILE>', '--workspace <DIR>', '--yes', '--deny-risky', '--no-sandbox', '--json'],
      eval: ['--db <FILE>', '--json', '--review', '--workspace <DIR>'], route: ['--json', '--workspace <DIR>', '--db <FILE>', '--no-record', '--threshold <X>', '--model <M>'],
      models: ['[spec...]', '--json', '--offline'], 'mcp list': ['--workspace <DIR>', '--json', '--no-start', '--yes'],
      'mcp serve': ['--workspace <DIR>', '--db <FILE>', '--model <M>', '--yes', '--deny-risky', '--no-sandbox', '--approvals-socket <PATH>'],
      'audit verify': ['--db <FILE>', '--json'], mcp: ['list', 'serve'], audit: ['verify'],
    };
    for (const [command, words] of Object.entries(expected)) {
      const r = await parse(command.split(' ').length === 1 && ['mcp', 'audit'].includes(command) ? [command] : [...command.split(' '), '--help']);
      assert.equal(r.code, 0, command);
      assert.match(r.out, new RegExp(`^Usage: aios ${command} `), command);
      for (const w of words) assert.ok(r.out.includes(w), `${command} --help shows ${w}:\n${r.out}`);
    }
  });

  it('an unknown option or command exits 2 with one line that names it and where to look, and runs nothing', () => {
    const ws = mkdtempSync(join(tmp, 'ws-'));
    const cases: Array<[string[], string]> = [
      [['run', 'fix it', '--workspace', ws, '--model', 'scripted:x.json', '--frobnicate'], "aios: unknown option '--frobnicate'; see 'aios run --help'"],
      [['ps', '--db', DB, '--all'], "aios: unknown option '--all'; see 'aios ps --help'"],
      [['audit', 'check', '--db', DB], "aios: unknown command 'check'; see 'aios audit --help'"],
      [['mcp', 'serve', '--workspace', ws, '--port', '8080'], "aios: unknown option '--port'; see 'aios mcp serve --help'"],
    ];
    for (const [args, line] of cases) {
      const r = aios(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.err, `${line}\n`, args.join(' '));
      assert.equal(r.out, '', args.join(' '));
    }
    assert.ok(!existsSync(STATE) || readdirSync(STATE).length === 0, 'no database was created');
    assert.deepEqual(readdirSync(ws), [], 'nothing was written in the workspace');
  });

  it('a value that is not a number (or out of range) exits 2 saying what to give, before anything runs', async () => {
    const ws = mkdtempSync(join(tmp, 'ws-'));
    const run = ['run', 'fix it', '--workspace', ws, '--model', 'scripted:x.json'];
    const cases: Array<[string[], RegExp]> = [
      [[...run, '--max-tokens', 'lots'], /^aios: option '--max-tokens <N>' argument 'lots' is invalid\. Give a whole number above 0; see 'aios run --help'\n$/],
      [[...run, '--max-dollars', '-1'], /'--max-dollars <D>' argument '-1' is invalid\. Give a number above 0/],
      [[...run, '--max-steps', '2.5'], /'--max-steps <N>' argument '2\.5' is invalid\. Give a whole number above 0/],
      [[...run, '--context-tokens', ''], /'--context-tokens <N>' argument '' is invalid/],
      [[...run, '--agents', 'two'], /'--agents <N>' argument 'two' is invalid\. Give a whole number from 1 to 1000/],
      [[...run, '--priority', '100'], /'--priority <P>' argument '100' is invalid\. Give a whole number from 0 to 99/],
      [['events', '--db', DB, '--limit', 'ten'], /'--limit <N>' argument 'ten' is invalid\. Give a whole number above 0; see 'aios events --help'/],
      [['events', '--db', DB, '--agent', '0'], /'--agent <PID>' argument '0' is invalid\. Give the agent's pid/],
      [['route', 'x', '--threshold', '1.5'], /'--threshold <X>' argument '1\.5' is invalid\. Give a number from 0 to 1/],
      [['logs', 'one', '--db', DB], /argument 'pid'\. Give the agent's pid/],
      [['ps', '--db'], /option '--db <FILE>' argument missing; see 'aios ps --help'/],
      [[...run, '--max-token', '5'], /unknown option '--max-token' \(Did you mean --max-tokens\?\); see 'aios run --help'/],
    ];
    for (const [args, message] of cases) {
      const r = await parse(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message, args.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.err}`);
    }
    // and from the real command, with the exit code a shell sees
    const r = aios([...run, '--max-tokens', 'lots']);
    assert.equal(r.code, 2);
    assert.match(r.err, /Give a whole number above 0/);
    assert.deepEqual(readdirSync(ws), [], 'nothing ran');
  });

  it('contradicting switches and a missing task exit 2 with what to do', () => {
    const ws = mkdtempSync(join(tmp, 'ws-'));
    const both = aios(['run', 'x', '--workspace', ws, '--yes', '--deny-risky']);
    assert.deepEqual([both.code, both.err], [2, 'aios: --yes and --deny-risky contradict each other: give one\n']);
    const noTask = aios(['route', '--workspace', ws, '--no-record']);
    assert.equal(noTask.code, 2);
    assert.match(noTask.err, /give the task in quotes: aios route "/);
  });
});
