/**
 * A tamper-evident audit (issue 11, finding 6): `aios run --yes` records its approvals as
 * automatic, and `aios audit verify` finds an edited, a deleted, an inserted and a truncated
 * entry in a real database, naming the first broken one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SafetyStore } from '../../src/safety/store/safetyStore';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { tempDir } from '../support/storageFixtures';

const CLI = resolve(__dirname, '../../src/cli/main.ts');

function aios(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ANTHROPIC_API_KEY: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const SCRIPT = {
  turns: [
    { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }] },
    { text: 'Fixing.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.ts', old_text: '"helo"', new_text: '"hello"' } }] },
    { text: 'Reading again.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }] },
    { text: 'Done.' },
  ],
};

describe('audit hash chain and aios audit verify (real CLI, real SQLite)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;

  before(() => {
    tmp = tempDir('aios-audit-');
    const ws = tmp.file('ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'greet.ts'), 'export const greeting = "helo";\n');
    writeFileSync(tmp.file('script.json'), JSON.stringify(SCRIPT));
    db = tmp.file('aios.db');
    const r = aios(['run', 'fix the greeting', '--workspace', ws, '--db', db, '--model', `scripted:${tmp.file('script.json')}`, '--yes', '--no-sandbox']);
    assert.equal(r.code, 0, r.out + r.err);
  });
  after(() => tmp.remove());

  /** A copy of the database to tamper with. */
  function copy(name: string, tamper: (db: Database.Database) => void): string {
    const path = tmp.file(name);
    const src = new Database(db, { readonly: true });
    src.exec(`VACUUM INTO '${path}'`);
    src.close();
    const d = new Database(path);
    tamper(d);
    d.close();
    return path;
  }

  function seqs(): number[] {
    const d = new Database(db, { readonly: true });
    try {
      return d.prepare('SELECT seq FROM audit ORDER BY seq').pluck().all() as number[];
    } finally {
      d.close();
    }
  }

  it('records --yes decisions as automatic, not as the developer', () => {
    const d = new Database(db, { readonly: true });
    const rows = d.prepare('SELECT action, actor, subject FROM audit ORDER BY seq').all() as Array<{ action: string; actor: string; subject: string }>;
    d.close();
    assert.ok(rows.some((r) => r.action === 'approval.allow' && r.actor === 'auto' && r.subject === 'edit_file'), JSON.stringify(rows));
    assert.ok(!rows.some((r) => r.actor === 'developer'), 'nobody answered in person');
  });

  it('verifies an untouched trail (exit 0)', () => {
    const r = aios(['audit', 'verify', '--db', db]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /\d+ entries, hash chain intact/);
  });

  it('names an edited entry', () => {
    const target = seqs()[1];
    const path = copy('edited.db', (d) => d.prepare("UPDATE audit SET actor = 'developer' WHERE seq = ?").run(target));
    const r = aios(['audit', 'verify', '--db', path]);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`BROKEN at entry ${target}: entry ${target} .* does not match its hash`));
    // the dashboard shows the same state
    for (const [file, ok] of [[db, true], [path, false]] as const) {
      const store = SqliteStore.open(file, { readonly: true });
      try {
        const audit = new SafetyStore(store).auditState();
        assert.equal(audit.ok, ok);
        if (!ok) assert.equal(audit.brokenAt, target);
      } finally {
        store.close();
      }
    }
  });

  it('names the entry after a deleted one', () => {
    const [, second, third] = seqs();
    const path = copy('deleted.db', (d) => d.prepare('DELETE FROM audit WHERE seq = ?').run(second));
    const r = aios(['audit', 'verify', '--db', path, '--json']);
    assert.equal(r.code, 1);
    const v = JSON.parse(r.out) as { ok: boolean; seq: number; problem: string };
    assert.equal(v.ok, false);
    assert.equal(v.seq, third);
    assert.match(v.problem, /does not link to entry \d+: an entry between them was deleted or changed/);
  });

  it('finds an inserted entry and deleted newest entries', () => {
    const inserted = copy('inserted.db', (d) => d.prepare("INSERT INTO audit (at, pid, action, actor, subject, detail) VALUES (0, 1, 'approval.allow', 'developer', 'write_file', '{}')").run());
    const a = aios(['audit', 'verify', '--db', inserted]);
    assert.equal(a.code, 1);
    assert.match(a.out, /has no hash but follows chained entries/);
    const all = seqs();
    const truncated = copy('truncated.db', (d) => d.prepare('DELETE FROM audit WHERE seq >= ?').run(all[all.length - 2]));
    const b = aios(['audit', 'verify', '--db', truncated]);
    assert.equal(b.code, 1);
    assert.match(b.out, /the newest 2 entries are missing/);
  });

  it('says what is wrong with the command line (exit 2)', () => {
    const r = aios(['audit', 'verify']);
    assert.equal(r.code, 2);
    assert.match(r.err, /required option '--db <FILE>' not specified; see 'aios audit verify --help'/);
  });
});
