/**
 * No tool call may freeze the kernel (issue 11, finding 1): patterns that take exponential time
 * on a backtracking engine, and a tool input nested 100,000 levels deep, run in a real child
 * process against real files; each must answer (a result or a clear error) before a deadline.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/storageFixtures';

const REPO = join(__dirname, '..', '..');
const RUNNER = join(REPO, 'test', 'support', 'hostileToolRunner.ts');
const DEADLINE_MS = 45_000;

interface Answer { name: string; ok: boolean; content: string; ticks: number }

function runHostile(ws: string): Promise<{ answers: Answer[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ws], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, DEADLINE_MS);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!killed && code !== 0) return reject(new Error(`runner failed (${code}): ${err}`));
      resolve({ answers: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Answer), killed });
    });
  });
}

describe('hostile tool inputs cannot freeze the kernel (real process, real files)', function () {
  this.timeout(DEADLINE_MS + 15_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('aios-hostile-')));
  afterEach(() => tmp.remove());

  it('answers every catastrophic-backtracking pattern and a 100,000-deep input before the deadline', async () => {
    const ws = tmp.file('ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'a.txt'), `${'a'.repeat(40)}!\n`);
    writeFileSync(join(ws, 'b.txt'), `${'a'.repeat(5000)}!\n`.repeat(50));
    const { answers, killed } = await runHostile(ws);
    assert.equal(killed, false, `the tool process froze; answered before the deadline: ${answers.map((a) => a.name).join(', ') || 'nothing'}`);
    const by = new Map(answers.map((a) => [a.name, a]));
    for (const name of ['nested quantifier', 'alternation', 'star of star', 'repeated group']) {
      const a = by.get(name);
      assert.ok(a, `${name} answered`);
      assert.ok(a.ok, `${name}: ${a.content}`);
    }
    assert.match(by.get('nested quantifier')!.content, /no matches/);
    assert.match(by.get('backreference')!.content, /RE2 syntax: no backreferences/);
    assert.match(by.get('deep json')!.content, /nested more than 64 levels deep/);
  });
});
