/**
 * Child process of the durability test: `node --import tsx storageStepWriter.ts DB PID FIRST_STEP [keep-wal]`.
 * With `keep-wal` the WAL is never checkpointed, so every commit stays in one generation of it
 * (a damage test can then be sure where the committed frames are, however late the kill comes).
 * Commits steps forever, each one transaction of agent upsert + event + checkpoint, and prints
 * each step number to stdout only after its commit returned. The test kills it with SIGKILL.
 */
import { writeSync } from 'node:fs';
import { SqliteStore } from '../../src/storage/sqliteStore';
import { makeAgent } from './storageFixtures';

const [path, pidText, firstText, walMode] = process.argv.slice(2);
const pid = Number(pidText);
const store = SqliteStore.open(path);
if (walMode === 'keep-wal') store.connection.pragma('wal_autocheckpoint = 0');
const agent = makeAgent(pid, { state: 'running' });

for (let step = Number(firstText); ; step++) {
  store.transaction(() => {
    store.putAgent({ ...agent, updatedAt: step, usage: { ...agent.usage, steps: step } });
    store.appendEvent(
      { type: 'agent.step', pid, step, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, dollars: 0.001, durationMs: 1, scripted: true },
      step,
    );
    store.putCheckpoint(pid, step, step, JSON.stringify({ step, pages: [1, 2, 3], note: 'x'.repeat(200) }));
  });
  // Synchronous write: the line leaves this process before the next step starts.
  writeLineSync(`${step}\n`);
}

/**
 * writeSync on a pipe the reader has not drained fails with EAGAIN (stdout is non-blocking) or
 * writes part of the line: wait a millisecond and write the rest, so a loaded machine only slows
 * the writer down instead of failing it.
 */
function writeLineSync(line: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let bytes = Buffer.from(line);
  while (bytes.length) {
    try {
      bytes = bytes.subarray(writeSync(1, bytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
