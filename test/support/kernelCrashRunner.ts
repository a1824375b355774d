/**
 * Child process of the crash tests and the kill-9 campaign:
 *   node --import tsx kernelCrashRunner.ts DB WORKSPACE SCRIPT AGENTS APPROVALS
 * Opens a kernel session on DB (restoring what a killed one left), spawns AGENTS agents on the
 * scripted model SCRIPT if the database has none, and runs until they are idle. APPROVALS is
 * `never` (the prompt never answers) or `approve` (approves after a random 0-15 ms).
 * Prints one line per milestone, synchronously, only after it has happened:
 *   READY, SPAWN pid, ASK pid tool, COMMIT pid step (after the step's transaction committed), DONE.
 * The test kills it with SIGKILL at any moment.
 */
import { writeSync } from 'node:fs';
import { KernelSession } from '../../src/session/kernelSession';
import type { ApprovalAnswer, ApprovalClient } from '../../src/kernel/ports/approvals';

const [dbPath, workspace, script, agentsText, mode] = process.argv.slice(2);
const say = (line: string) => writeSync(1, `${line}\n`);

const approvals: ApprovalClient = {
  ask: (request, signal) => {
    say(`ASK ${request.pid} ${request.tool}`);
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      if (mode === 'approve') setTimeout(() => resolve({ decision: 'approve', remember: null }), Math.floor(Math.random() * 15));
    });
  },
};

async function main(): Promise<void> {
  const session = KernelSession.open({
    dbPath, workspace, approvals, sandbox: false, controlPollMs: 0,
    safety: { heartbeat: false, loopIntervalMs: 0 },
  });
  session.kernel.subscribe('agent.step', (e) => { if (e.event.type === 'agent.step') say(`COMMIT ${e.event.pid} ${e.event.step}`); });
  session.kernel.subscribe('agent.spawned', (e) => { if (e.event.type === 'agent.spawned') say(`SPAWN ${e.event.pid}`); });
  say('READY');
  if (session.kernel.agents.list().length === 0) {
    for (let i = 0; i < Number(agentsText); i++) session.kernel.spawn({ task: `fix the greeting (${i})`, model: `scripted:${script}` });
  }
  await session.runtime.idle();
  say('DONE');
  await session.close();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
