/**
 * One kernel per database (issue 11, finding 4): 20 kernel processes started at the same moment
 * on one database; exactly one opens, every other is refused with the owner's process id.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { tempDir } from '../support/storageFixtures';

const REPO = join(__dirname, '..', '..');
const RUNNER = join(REPO, 'test', 'support', 'kernelStartRunner.ts');

interface Starter {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  exited: Promise<void>;
}

function start(args: string[]): Starter {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.resume();
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, lines, exited };
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('one kernel per database (20 simultaneous starts, real processes, real SQLite)', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('aios-lock-')));
  afterEach(() => tmp.remove());

  it('lets exactly one of 20 kernels started at once open the database', async () => {
    const ws = tmp.file('ws');
    mkdirSync(ws);
    const script = tmp.file('script.json');
    writeFileSync(script, JSON.stringify({ turns: [{ text: 'done' }] }));
    const db = tmp.file('aios.db');
    SqliteStore.open(db).close(); // created and migrated: the race is the kernel claim, not the schema
    const starters = Array.from({ length: 20 }, () => start([db, ws, script]));
    try {
      await until('20 READY', () => starters.every((s) => s.lines.includes('READY')), 150_000);
      for (const s of starters) s.child.stdin.write('go\n');
      await until('20 answers', () => starters.every((s) => s.lines.some((l) => /^(OPEN|REFUSED)/.test(l))), 60_000);
      const opened = starters.filter((s) => s.lines.some((l) => l.startsWith('OPEN')));
      const refused = starters.flatMap((s) => s.lines.filter((l) => l.startsWith('REFUSED')));
      assert.equal(opened.length, 1, `kernels that opened: ${opened.map((s) => s.lines.join(' ')).join(' | ')}`);
      assert.equal(refused.length, 19);
      const owner = opened[0].child.pid!;
      for (const r of refused) assert.match(r, new RegExp(`another AIOS kernel \\(process ${owner}\\) is running on .*aios\\.db: stop it first`));
    } finally {
      for (const s of starters) s.child.stdin.end();
      await Promise.all(starters.map((s) => s.exited));
    }
    const store = SqliteStore.open(db, { readonly: true });
    try {
      assert.deepEqual(store.listAgents().map((a) => a.pid), [1], 'one agent, pid 1, from the one kernel');
    } finally {
      store.close();
    }
  });

  it('takes over at once from a kernel that was killed (its process is gone)', async () => {
    const ws = tmp.file('ws');
    mkdirSync(ws);
    const script = tmp.file('script.json');
    writeFileSync(script, JSON.stringify({ turns: [{ text: 'done' }] }));
    const db = tmp.file('aios.db');
    const first = start([db, ws, script]);
    await until('READY', () => first.lines.includes('READY'), 60_000);
    first.child.stdin.write('go\n');
    await until('OPEN', () => first.lines.some((l) => l.startsWith('OPEN')), 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = start([db, ws, script]);
    try {
      await until('READY', () => second.lines.includes('READY'), 60_000);
      second.child.stdin.write('go\n');
      await until('an answer', () => second.lines.some((l) => /^(OPEN|REFUSED)/.test(l)), 60_000);
      assert.ok(second.lines.some((l) => l.startsWith('OPEN')), second.lines.join(' | '));
    } finally {
      second.child.stdin.end();
      await second.exited;
    }
  });
});
