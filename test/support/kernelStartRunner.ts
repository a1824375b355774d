/**
 * Child process of the single-kernel test: `node --import tsx kernelStartRunner.ts DB WORKSPACE SCRIPT`.
 * Loads everything, prints READY, waits for a line on stdin, then opens a kernel session on DB:
 * prints OPEN (and keeps it open until stdin ends) or REFUSED and the reason.
 */
import { createInterface } from 'node:readline';
import { writeSync } from 'node:fs';
import { KernelSession } from '../../src/session/kernelSession';

const [dbPath, workspace, script] = process.argv.slice(2);
const say = (line: string) => writeSync(1, `${line}\n`);
const rl = createInterface({ input: process.stdin });
let session: KernelSession | null = null;
let started = false;

rl.on('line', () => {
  if (started) return;
  started = true;
  try {
    session = KernelSession.open({
      dbPath, workspace, approvals: { ask: async () => ({ decision: 'deny', reason: null }) }, sandbox: false, controlPollMs: 0,
      safety: { heartbeat: false, loopIntervalMs: 0 },
    });
    // what a kernel does first: hand out a pid
    const pid = session.kernel.spawn({ task: `started by process ${process.pid}`, model: `scripted:${script}` }).pid;
    say(`OPEN ${pid}`);
  } catch (err) {
    say(`REFUSED ${(err as Error).message.replace(/\n/g, ' ')}`);
    rl.close();
  }
});
rl.on('close', () => {
  void session?.close();
});
say('READY');
