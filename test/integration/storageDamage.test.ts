/**
 * Storage that never continues silently (issue 11, findings 7, 8, 10): a damaged -wal file is
 * detected on open (read-write and read-only) instead of losing its later commits; a database in
 * a read-only folder can still be read by `aios ps` and `aios events`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, openSync, closeSync, readSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WalDamagedError } from '../../src/storage/errors';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { makeAgent, tempDir } from '../support/storageFixtures';

const REPO = join(__dirname, '..', '..');
const WRITER = join(REPO, 'test', 'support', 'storageStepWriter.ts');
const CLI = resolve(REPO, 'src', 'cli', 'main.ts');

/** Runs the step writer until it reported `atLeast` commits, then SIGKILLs it (leaving its WAL). */
function writeThenKill(path: string, atLeast: number): Promise<number> {
  return new Promise((res, rej) => {
    // keep-wal: no checkpoint restarts the WAL, so a kill that comes late under load still leaves
    // one generation of frames and garbage at a third of the file lands inside committed ones
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, '7', '1', 'keep-wal'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (!killed && out.split('\n').length > atLeast) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', rej);
    child.on('close', () => res(out.split('\n').length - 1));
  });
}

/** The page size from a WAL's header (bytes 8–11, big-endian). */
function readWalPageSize(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(12);
    readSync(fd, header, 0, 12, 0);
    return header.readUInt32BE(8);
  } finally {
    closeSync(fd);
  }
}

function garble(file: string, offset: number, bytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(bytes, 0xa5), 0, bytes, offset);
  } finally {
    closeSync(fd);
  }
}

describe('damaged WAL and read-only media (real SQLite files, SIGKILLed writer)', function () {
  this.timeout(90_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('aios-damage-')));
  after(() => {
    try { chmodSync(tmp.file('ro'), 0o755); } catch { /* not made */ }
    tmp.remove();
  });

  let crashed: string;
  before(async () => {
    crashed = tmp.file('crashed.db');
    const reported = await writeThenKill(crashed, 400);
    assert.ok(reported >= 400);
    assert.ok(existsSync(`${crashed}-wal`) && statSync(`${crashed}-wal`).size > 100_000, 'the killed writer left its commits in the WAL');
  });

  /** A copy of the crashed database and its WAL. */
  function copyCrashed(name: string): string {
    const path = tmp.file(name);
    copyFileSync(crashed, path);
    copyFileSync(`${crashed}-wal`, `${path}-wal`);
    return path;
  }

  /** Where the 64 garbage bytes go, a third into the WAL: inside a page, or across the next frame's header (its salts). */
  const garbleAt = {
    'inside a page': (walSize: number, frameSize: number) => frameStart(walSize, frameSize) + 1000,
    "across a frame's header": (walSize: number, frameSize: number) => frameStart(walSize, frameSize) - 22,
  };
  function frameStart(walSize: number, frameSize: number): number {
    const k = Math.floor((walSize - 32) / frameSize / 3);
    return 32 + k * frameSize;
  }

  it('refuses to open (read-write and read-only) a database whose WAL has 64 garbage bytes in the middle, inside a page or across a frame header, naming the file and what to do', () => {
    for (const [where, at] of Object.entries(garbleAt)) for (const readonly of [false, true]) {
      const path = copyCrashed(`garbled-${readonly}-${where.length}.db`);
      const walSize = statSync(`${path}-wal`).size;
      const frameSize = 24 + readWalPageSize(`${path}-wal`);
      garble(`${path}-wal`, at(walSize, frameSize), 64);
      assert.throws(() => SqliteStore.open(path, { readonly }), (err: Error) => {
        assert.ok(err instanceof WalDamagedError, `${where}: ${String(err)}`);
        assert.match(err.message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-wal is damaged at frame \\d+ .* committed transactions after it cannot be read`));
        assert.match(err.message, /move .*-wal aside/);
        assert.ok(err.lostCommits > 10, `lost commits counted: ${err.lostCommits}`);
        return true;
      });
      assert.equal(statSync(`${path}-wal`).size, walSize, 'the WAL was left untouched');
    }
  });

  it('opens a WAL whose only bad frame is the last (a write cut short never committed), and a WAL with no damage', () => {
    const clean = copyCrashed('clean.db');
    SqliteStore.open(clean).close();
    const torn = copyCrashed('torn.db');
    const walSize = statSync(`${torn}-wal`).size;
    garble(`${torn}-wal`, walSize - 100, 64);
    SqliteStore.open(torn).close();
  });

  it('lets aios ps and aios events read a database in a read-only folder', () => {
    const dir = tmp.file('ro');
    spawnSync('mkdir', [dir]);
    const path = join(dir, 'aios.db');
    const store = SqliteStore.open(path);
    store.transaction(() => {
      store.putAgent(makeAgent(1, { state: 'done' }));
      store.appendEvent({ type: 'kernel.started', session: 's', processId: 1 }, 1);
    });
    store.close();
    chmodSync(dir, 0o555);
    chmodSync(tmp.dir, 0o755);
    // root writes anywhere: the commands run as an unprivileged user, for whom the folder is read-only
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath] : [process.execPath];
    for (const args of [['ps', '--db', path], ['events', '--db', path]]) {
      const r = spawnSync(asUser[0], [...asUser.slice(1), '--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, cwd: REPO });
      assert.equal(r.status, 0, `aios ${args[0]}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, args[0] === 'ps' ? /done/ : /kernel\.started/);
    }
    assert.ok(!existsSync(`${path}-shm`) && !existsSync(`${path}-wal`), 'nothing was written in the read-only folder');
  });
});
