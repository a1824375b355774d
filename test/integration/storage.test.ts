/**
 * SqliteStore on real database files: round-trips, event queries, full-text search,
 * transactions, migrations and the faults a developer can run into.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { KernelEvent } from '../../src/kernel/events';
import { CorruptDatabaseError, DatabaseLockedError, SchemaTooNewError, StorageError } from '../../src/storage/errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../src/storage/migrations';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { makeAgent, makeAudit, makePage, makeRule, makeTask, tempDir } from '../support/storageFixtures';

describe('SqliteStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let path: string;

  beforeEach(() => {
    tmp = tempDir();
    path = tmp.file('aios.db');
    store = SqliteStore.open(path);
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  const state = (pid: number, to: 'ready' | 'running' | 'done'): KernelEvent => ({ type: 'agent.state', pid, from: 'new', to, waitReason: null, reason: null });
  const dispatch = (pid: number): KernelEvent => ({ type: 'scheduler.dispatch', pid, policy: 'priority', waitedMs: 3 });

  describe('records', () => {
    it('round-trips agents, with unlimited budgets read back as Infinity', () => {
      const unlimited = makeAgent(2);
      const limited = makeAgent(1, {
        parent: 2,
        state: 'waiting',
        waitReason: 'approval',
        budgets: { tokens: 10_000, dollars: 0.25, steps: 30, bytes: Infinity },
        usage: { inputTokens: 10, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 40, dollars: 0.0125, steps: 3, bytes: 4096 },
        capabilities: ['fs.read', 'exec'],
        result: 'done: 42',
      });
      store.putAgent(unlimited);
      store.putAgent(limited);
      assert.deepEqual(store.getAgent(1), limited);
      assert.deepEqual(store.getAgent(2), unlimited);
      assert.equal(store.getAgent(2)!.budgets.tokens, Infinity);
      assert.equal(store.getAgent(3), undefined);
      assert.deepEqual(store.listAgents().map((a) => a.pid), [1, 2]);

      const renamed = { ...limited, state: 'done' as const, waitReason: null, priority: 3 };
      store.putAgent(renamed);
      assert.deepEqual(store.getAgent(1), renamed);
      assert.equal(store.listAgents().length, 2);
    });

    it('reports the highest pid, counting events of agents that have no row yet', () => {
      assert.equal(store.maxPid(), 0);
      store.putAgent(makeAgent(4));
      assert.equal(store.maxPid(), 4);
      store.appendEvent(state(9, 'ready'), 1);
      assert.equal(store.maxPid(), 9);
    });

    it('round-trips pages in context order, and never reuses the id of a deleted page', () => {
      store.putAgent(makeAgent(1));
      const pages = [
        makePage(3, 1, 'third', { seq: 2, pinned: true, resident: true }),
        makePage(1, 1, 'first', { seq: 0, kind: 'system', importance: 1 }),
        makePage(2, 1, 'second', { seq: 1, kind: 'tool_result' }),
      ];
      store.putPages(pages);
      assert.deepEqual(store.getPage(3), pages[0]);
      assert.deepEqual(store.listPages(1).map((p) => p.id), [1, 2, 3]);
      assert.deepEqual(store.listPages(1), [pages[1], pages[2], pages[0]]);
      assert.deepEqual(store.listPages(2), []);

      store.putPages([{ ...pages[0], resident: false, lastAccess: 99 }]);
      assert.equal(store.getPage(3)!.resident, false);
      assert.equal(store.getPage(3)!.lastAccess, 99);

      assert.equal(store.maxPageId(), 3);
      store.deletePages(1);
      assert.deepEqual(store.listPages(1), []);
      assert.equal(store.getPage(1), undefined);
      assert.equal(store.maxPageId(), 3);
    });

    it('refuses pages of an agent that is not stored, saying what to do', () => {
      assert.throws(() => store.putPages([makePage(1, 7, 'orphan')]), (err: Error) => {
        assert.ok(err instanceof StorageError);
        assert.match(err.message, /no agent 7/);
        assert.match(err.message, /putAgent/);
        return true;
      });
      assert.equal(store.getPage(1), undefined);
    });

    it('round-trips snapshots and keeps the latest checkpoint by step', () => {
      store.putAgent(makeAgent(1));
      store.putSnapshot({ pid: 1, name: 'before-refactor', at: 5, data: '{"pages":[1,2]}' });
      store.putSnapshot({ pid: 1, name: 'before-refactor', at: 6, data: '{"pages":[1,2,3]}' });
      assert.deepEqual(store.getSnapshot(1, 'before-refactor'), { pid: 1, name: 'before-refactor', at: 6, data: '{"pages":[1,2,3]}' });
      assert.equal(store.getSnapshot(1, 'other'), undefined);

      assert.equal(store.latestCheckpoint(1), undefined);
      store.putCheckpoint(1, 2, 200, 'two');
      store.putCheckpoint(1, 10, 1000, 'ten');
      store.putCheckpoint(1, 3, 300, 'three');
      assert.deepEqual(store.latestCheckpoint(1), { step: 10, at: 1000, data: 'ten' });
    });

    it('round-trips tasks and lists them by creation time, optionally by status', () => {
      const b = makeTask('b', { createdAt: 2, status: 'running', pid: 3 });
      const a = makeTask('a', { createdAt: 1 });
      const c = makeTask('c', { createdAt: 3, status: 'done', result: 'ok' });
      for (const t of [b, c, a]) store.putTask(t);
      assert.deepEqual(store.getTask('c'), c);
      assert.equal(store.getTask('zzz'), undefined);
      assert.deepEqual(store.listTasks(), [a, b, c]);
      assert.deepEqual(store.listTasks('running'), [b]);
      store.putTask({ ...a, status: 'running', updatedAt: 9 });
      assert.deepEqual(store.listTasks('running').map((t) => t.id), ['a', 'b']);
      assert.deepEqual(store.listTasks('cancelled'), []);
    });

    it('round-trips standing rules and deletes them', () => {
      const always = makeRule('r1', { createdAt: 2 });
      const forAgent = makeRule('r2', { scope: 'agent', pid: 4, pattern: null, expiresAt: 99, createdAt: 1 });
      const forSession = makeRule('r3', { scope: 'session', session: 's-1', createdAt: 3 });
      for (const r of [always, forAgent, forSession]) store.putRule(r);
      assert.deepEqual(store.listRules(), [forAgent, always, forSession]);
      store.deleteRule('r1');
      store.deleteRule('missing');
      assert.deepEqual(store.listRules(), [forAgent, forSession]);
    });

    it('appends audit entries and reads the latest first', () => {
      store.appendAudit(makeAudit(1));
      store.appendAudit(makeAudit(2, { pid: null, action: 'rule.add', actor: 'developer', detail: { rule: 'r1', nested: { n: [1, 2] } } }));
      store.appendAudit(makeAudit(3));
      const latest = store.queryAudit(2);
      assert.deepEqual(latest.map((e) => e.at), [3, 2]);
      assert.deepEqual(latest[1], makeAudit(2, { pid: null, action: 'rule.add', actor: 'developer', detail: { rule: 'r1', nested: { n: [1, 2] } } }));
    });
  });

  describe('events', () => {
    beforeEach(() => {
      // seq 1..12: agent.state and scheduler.dispatch alternate for pids 1 and 2, then others
      for (let i = 0; i < 5; i++) {
        store.appendEvent(state(1 + (i % 2), 'running'), 100 + i);
        store.appendEvent(dispatch(1 + (i % 2)), 100 + i);
      }
      store.appendEvent({ type: 'scheduler.policy', policy: 'fair_share' }, 200);
      store.appendEvent({ type: 'kernel.error', pid: null, where: 'host', message: 'boom' }, 201);
    });

    it('numbers events in order and reads them back newest first', () => {
      const all = store.queryEvents({});
      assert.deepEqual(all.map((e) => e.seq), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      assert.deepEqual(all[0], { seq: 12, at: 201, event: { type: 'kernel.error', pid: null, where: 'host', message: 'boom' } });
      assert.equal(store.appendEvent(dispatch(1), 300), 13);
    });

    it('filters by exact type, by prefix, by pid, after a seq and up to a limit', () => {
      const seqs = (q: Parameters<SqliteStore['queryEvents']>[0]) => store.queryEvents(q).map((e) => e.seq);
      assert.deepEqual(seqs({ type: 'agent.state' }), [9, 7, 5, 3, 1]);
      assert.deepEqual(seqs({ type: 'scheduler.' }), [11, 10, 8, 6, 4, 2]);
      assert.deepEqual(seqs({ type: 'agent.' }), [9, 7, 5, 3, 1]);
      assert.deepEqual(seqs({ type: 'agent' }), [], 'a type without the dot is exact');
      assert.deepEqual(seqs({ pid: 2 }), [8, 7, 4, 3]);
      assert.deepEqual(seqs({ type: 'scheduler.', pid: 1 }), [10, 6, 2]);
      assert.deepEqual(seqs({ type: 'agent.state', pid: 1 }), [9, 5, 1]);
      assert.deepEqual(seqs({ afterSeq: 9 }), [12, 11, 10]);
      assert.deepEqual(seqs({ type: 'scheduler.', afterSeq: 6, limit: 2 }), [11, 10]);
      assert.deepEqual(seqs({ limit: 3 }), [12, 11, 10]);
    });

    it('finds the newest events of a prefix however far back they are', () => {
      store.transaction(() => {
        for (let i = 0; i < 5000; i++) store.appendEvent(dispatch(3), 1000 + i);
      });
      assert.deepEqual(store.queryEvents({ type: 'kernel.' }).map((e) => e.seq), [12]);
      assert.deepEqual(store.queryEvents({ type: 'agent.', limit: 2 }).map((e) => e.seq), [9, 7]);
      assert.deepEqual(store.queryEvents({ type: 'scheduler.', limit: 2 }).map((e) => e.seq), [5012, 5011]);
      assert.deepEqual(store.queryEvents({ type: 'scheduler.', limit: 0 }), []);
    });

    it('returns at most 100 events unless asked for more', () => {
      store.transaction(() => {
        for (let i = 0; i < 150; i++) store.appendEvent(dispatch(3), i);
      });
      assert.equal(store.queryEvents({}).length, 100);
      assert.equal(store.queryEvents({ pid: 3, limit: 1000 }).length, 150);
    });
  });

  describe('full-text search', () => {
    beforeEach(() => {
      store.putAgent(makeAgent(1));
      store.putAgent(makeAgent(2));
      store.putPages([
        makePage(1, 1, 'The migration failed because the users table has no email column'),
        makePage(2, 1, 'Running the tests: 12 passing, 1 failing in parser.test.ts'),
        makePage(3, 1, 'Resident page about the email column, still in context', { resident: true }),
        makePage(4, 2, 'Agent two wrote the email templates and the foo-bar x helper'),
        makePage(5, 2, 'email email email: the inbox is full of email'),
      ]);
    });

    it('finds swapped-out pages by their words, best match first, with a snippet', () => {
      const hits = store.searchPages(null, 'email', 10);
      assert.deepEqual(hits.map((h) => h.id), [5, 1, 4]);
      assert.deepEqual(hits[1], { id: 1, pid: 1, kind: 'message', snippet: hits[1].snippet, rank: hits[1].rank });
      assert.match(hits[1].snippet, /\*\*email\*\*/);
      assert.ok(hits[0].rank <= hits[1].rank && hits[1].rank <= hits[2].rank);
    });

    it('searches one agent, ignores resident pages and respects the limit', () => {
      assert.deepEqual(store.searchPages(1, 'email column', 10).map((h) => h.id), [1]);
      assert.deepEqual(store.searchPages(2, 'email', 1).map((h) => h.id), [5]);
      assert.deepEqual(store.searchPages(1, 'context', 10), []);
    });

    it('matches word forms ("test" finds "tests") and all words before any word', () => {
      assert.deepEqual(store.searchPages(null, 'test', 10).map((h) => h.id), [2]);
      assert.deepEqual(store.searchPages(null, 'users email', 10).map((h) => h.id), [1]);
      // no page has both words: pages with either are returned
      assert.deepEqual(new Set(store.searchPages(null, 'parser inbox', 10).map((h) => h.id)), new Set([2, 5]));
    });

    it('follows pages as they are paged in, out, rewritten and deleted', () => {
      const page1 = store.getPage(1)!;
      store.putPages([{ ...page1, resident: true }]);
      assert.deepEqual(store.searchPages(1, 'migration', 10), []);
      store.putPages([{ ...page1, resident: false, text: 'summary: schema change postponed' }]);
      assert.deepEqual(store.searchPages(1, 'migration', 10), []);
      assert.deepEqual(store.searchPages(1, 'postponed', 10).map((h) => h.id), [1]);
      store.deletePages(1);
      assert.deepEqual(store.searchPages(null, 'postponed', 10), []);
    });

    it('treats hostile query text as words, never as syntax', () => {
      for (const q of ['foo-bar "x', 'AND', 'OR NOT', 'NEAR(email', '"', '""', '*', 'email*', 'text:email', '^email', ')(', '-', '', '   ', "'; DROP TABLE pages; --", 'e\u0301mail ✓']) {
        assert.doesNotThrow(() => store.searchPages(null, q, 10), `query ${JSON.stringify(q)}`);
      }
      assert.deepEqual(store.searchPages(null, 'foo-bar "x', 10).map((h) => h.id), [4]);
      assert.deepEqual(store.searchPages(null, 'AND', 10).map((h) => h.id), [4]);
      assert.deepEqual(store.searchPages(null, '*', 10), []);
      assert.equal(store.listPages(1).length, 3);
    });
  });

  describe('transactions', () => {
    it('commits everything together and returns the value', () => {
      const seq = store.transaction(() => {
        store.putAgent(makeAgent(1));
        store.putCheckpoint(1, 1, 10, 'x');
        return store.appendEvent(state(1, 'ready'), 10);
      });
      assert.equal(seq, 1);
      assert.ok(store.getAgent(1));
      assert.ok(store.latestCheckpoint(1));
    });

    it('leaves nothing written when the body throws', () => {
      assert.throws(
        () =>
          store.transaction(() => {
            store.putAgent(makeAgent(1));
            store.putPages([makePage(1, 1, 'lost')]);
            store.appendEvent(state(1, 'ready'), 10);
            store.appendAudit(makeAudit(10));
            store.putTask(makeTask('t'));
            throw new Error('step failed');
          }),
        /step failed/,
      );
      assert.equal(store.getAgent(1), undefined);
      assert.equal(store.getPage(1), undefined);
      assert.deepEqual(store.queryEvents({}), []);
      assert.deepEqual(store.queryAudit(10), []);
      assert.deepEqual(store.listTasks(), []);
    });

    it('runs a nested call inside the outer transaction', () => {
      assert.throws(() =>
        store.transaction(() => {
          const inner = store.transaction(() => {
            store.putAgent(makeAgent(1));
            return 'inner';
          });
          assert.equal(inner, 'inner');
          throw new Error('outer fails after the inner call returned');
        }),
      );
      assert.equal(store.getAgent(1), undefined);
    });
  });

  describe('files', () => {
    it('sets the schema version, and keeps data when reopened', () => {
      store.putAgent(makeAgent(1));
      store.appendEvent(state(1, 'ready'), 1);
      store.close();
      const raw = new Database(path, { readonly: true });
      assert.equal(schemaVersion(raw), LATEST_SCHEMA_VERSION);
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.prepare('SELECT budget_tokens FROM agents WHERE pid = 1').pluck().get(), null, 'unlimited is stored as NULL');
      raw.close();

      store = SqliteStore.open(path);
      assert.deepEqual(store.getAgent(1), makeAgent(1));
      assert.equal(store.queryEvents({}).length, 1);
    });

    it('applies only the migration steps a database has not seen, each atomically', () => {
      const db = new Database(tmp.file('steps.db'));
      const steps = ['CREATE TABLE a (x)', 'CREATE TABLE b (x)', 'CREATE TABLE c (x); CREATE TABLE oops (']; // step 3 fails half-way
      migrate(db, steps.slice(0, 1));
      assert.equal(schemaVersion(db), 1);
      assert.throws(() => migrate(db, steps));
      assert.equal(schemaVersion(db), 2, 'step 2 committed, step 3 rolled back');
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepEqual(tables, ['a', 'b']);
      db.close();
    });

    it('closes idempotently and says so when used after close', () => {
      store.close();
      store.close();
      assert.throws(() => store.getAgent(1), (err: Error) => err instanceof StorageError && /closed/.test(err.message));
    });

    it('opens read-only for inspection without writing', () => {
      store.putAgent(makeAgent(1));
      const reader = SqliteStore.open(path, { readonly: true });
      try {
        assert.deepEqual(reader.getAgent(1), makeAgent(1));
        assert.equal(reader.transaction(() => reader.listAgents().length), 1);
        assert.throws(() => reader.putAgent(makeAgent(2)), (err: Error) => err instanceof StorageError && /cannot be written/.test(err.message));
      } finally {
        reader.close();
      }
      assert.throws(() => SqliteStore.open(tmp.file('missing.db'), { readonly: true }), /does not exist/);
    });

    it('works in memory', () => {
      const mem = SqliteStore.open(':memory:');
      mem.putAgent(makeAgent(1));
      mem.putPages([makePage(1, 1, 'in memory search')]);
      assert.deepEqual(mem.searchPages(1, 'search', 5).map((h) => h.id), [1]);
      mem.close();
    });
  });

  describe('faults', () => {
    it('refuses a database from a newer AIOS, naming both versions and what to do', () => {
      store.close();
      const raw = new Database(path);
      raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 6}`);
      raw.close();
      const before = readFileSync(path);
      assert.throws(() => SqliteStore.open(path), (err: Error) => {
        assert.ok(err instanceof SchemaTooNewError);
        assert.ok(err.message.includes(`Database ${path} has schema version ${LATEST_SCHEMA_VERSION + 6}`), err.message);
        assert.ok(err.message.includes(`(${LATEST_SCHEMA_VERSION})`), err.message);
        assert.match(err.message, /upgrade AIOS or point aios\.databasePath at another file/);
        return true;
      });
      assert.deepEqual(readFileSync(path), before);
    });

    it('reports a file of random bytes as corrupt and leaves it untouched', () => {
      const file = tmp.file('random.db');
      writeFileSync(file, randomBytes(64 * 1024));
      const before = readFileSync(file);
      assert.throws(() => SqliteStore.open(file), (err: Error) => {
        assert.ok(err instanceof CorruptDatabaseError);
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, /restore it from a backup/);
        return true;
      });
      assert.deepEqual(readFileSync(file), before);
    });

    it('reports a database with a garbled page as corrupt and leaves it untouched', () => {
      store.putAgent(makeAgent(1));
      store.transaction(() => {
        for (let i = 0; i < 3000; i++) store.appendEvent({ type: 'agent.output', pid: 1, text: `line ${i} of output`, scripted: true }, i);
      });
      store.close();
      const bytes = readFileSync(path);
      bytes.fill(0xa5, 10 * 4096, 11 * 4096); // one whole page of the events table: not a valid b-tree page
      writeFileSync(path, bytes);
      assert.throws(() => SqliteStore.open(path), (err: Error) => err instanceof CorruptDatabaseError && err.message.includes(path));
      assert.deepEqual(readFileSync(path), bytes);
    });

    it('reports a truncated database as corrupt and leaves it untouched', () => {
      store.putAgent(makeAgent(1));
      store.transaction(() => {
        for (let i = 0; i < 3000; i++) store.appendEvent(dispatch(1), i);
      });
      store.close();
      const half = readFileSync(path).subarray(0, 40 * 4096);
      writeFileSync(path, half);
      assert.throws(() => SqliteStore.open(path), CorruptDatabaseError);
      assert.deepEqual(readFileSync(path), half);
    });

    it('gives up on a write lock held by another connection after the busy timeout', () => {
      store.close();
      store = SqliteStore.open(path, { busyTimeoutMs: 150 });
      const other = new Database(path);
      other.exec('BEGIN IMMEDIATE');
      other.prepare('INSERT INTO tasks (id, description, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run('x', 'held', 'pending', 1, 1);
      try {
        const t0 = Date.now();
        assert.throws(() => store.putAgent(makeAgent(1)), (err: Error) => {
          assert.ok(err instanceof DatabaseLockedError);
          assert.ok(err.message.includes(path), err.message);
          assert.match(err.message, /locked by another process \(waited 150 ms\): close the other/);
          return true;
        });
        assert.throws(() => store.transaction(() => store.putAgent(makeAgent(1))), DatabaseLockedError);
        const waited = Date.now() - t0;
        assert.ok(waited >= 250, `gave up after ${waited} ms, before the busy timeout of 150 ms per write`);
        assert.equal(store.getTask('x'), undefined, 'readers still see the last commit');
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      store.putAgent(makeAgent(1));
      assert.ok(store.getAgent(1));
    });

    it('reports a database locked exclusively by another process while opening', () => {
      const file = tmp.file('rollback.db');
      const other = new Database(file);
      other.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)'); // rollback journal: blocks readers too
      try {
        assert.throws(() => SqliteStore.open(file, { busyTimeoutMs: 100 }), (err: Error) => err instanceof DatabaseLockedError && err.message.includes(file));
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
    });
  });

  it('declares every migration step', () => {
    assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
    assert.ok(LATEST_SCHEMA_VERSION >= 1);
  });
});
