/**
 * A writer killed with SIGKILL mid-stream loses nothing it reported as committed, and the file
 * stays consistent: the guarantee WAL + synchronous=NORMAL gives against a crashed process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { tempDir } from '../support/storageFixtures';

const REPO = join(__dirname, '..', '..');
const WRITER = join(REPO, 'test', 'support', 'storageStepWriter.ts');
const PID = 7;

/** Runs the writer until it has reported `atLeast` steps, kills it, returns the reported steps. */
function writeUntilKilled(path: string, firstStep: number, atLeast: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(PID), String(firstStep)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!killed && out.split('\n').length > atLeast) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal} before it was killed: ${err}`));
      // the last line may be cut off mid-number: only complete lines were reported
      const lines = out.split('\n').slice(0, -1);
      resolve(lines.map(Number));
    });
  });
}

describe('SqliteStore durability', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('aios-durability-')));
  afterEach(() => tmp.remove());

  it('keeps every step a SIGKILLed writer reported as committed, across two crashes', async () => {
    const path = tmp.file('crash.db');
    let next = 1;
    for (let round = 0; round < 2; round++) {
      const reported = await writeUntilKilled(path, next, 300);
      assert.ok(reported.length >= 300, `round ${round}: ${reported.length} steps reported`);
      assert.deepEqual(reported, reported.map((_, i) => next + i), 'steps are reported in order');
      const last = reported[reported.length - 1];

      const store = SqliteStore.open(path);
      try {
        const checkpoint = store.latestCheckpoint(PID)!;
        assert.ok(checkpoint.step >= last, `checkpoint ${checkpoint.step} is behind reported step ${last}`);
        const agent = store.getAgent(PID)!;
        assert.equal(agent.usage.steps, checkpoint.step, 'agent row and checkpoint committed together');
        const events = store.queryEvents({ type: 'agent.step', pid: PID, limit: 1_000_000 });
        assert.equal(events[0].event.type === 'agent.step' && events[0].event.step, checkpoint.step, 'event and checkpoint committed together');
        const eventSteps = new Set(events.map((e) => (e.event.type === 'agent.step' ? e.event.step : -1)));
        const missing = reported.filter((s) => !eventSteps.has(s));
        assert.deepEqual(missing, [], 'every reported step has its event');
        next = checkpoint.step + 1; // the writer resumes like a restarted kernel
      } finally {
        store.close();
      }
    }

    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      const steps = raw.prepare('SELECT step FROM checkpoints WHERE pid = ? ORDER BY step').pluck().all(PID) as number[];
      assert.deepEqual(steps, steps.map((_, i) => i + 1), 'checkpoints 1..n with no gap');
    } finally {
      raw.close();
    }
  });
});
