/**
 * `aios send PID "message" --db FILE`: talks to an agent. With a kernel running on the database
 * (the editor's, or an `aios run`), the message goes through it and this waits for it to be taken;
 * with none, this starts a kernel on the database that delivers it (a finished agent takes a new
 * turn), runs until no agent can go on, and prints the agent's transcript as it goes.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { liveKernel } from '../session/liveKernel';
import { KernelSession } from '../session/kernelSession';
import type { ApprovalClient } from '../kernel/ports/approvals';
import { SqliteStore } from '../storage/sqliteStore';
import { storedTranscript } from '../transcript/load';
import { AutoApprovals, TerminalApprovals } from './approvalPrompt';
import { TranscriptPrinter, type Out } from './logsCommand';
import { agentPid, existingDatabase, UsageError } from './usage';

/** How long to wait for a running kernel to take the message. */
const TAKE_TIMEOUT_MS = 10_000;

/** `aios send`'s options, as commander parsed them. */
interface SendOptions {
  db: string;
  workspace?: string;
  yes?: true;
  denyRisky?: true;
  sandbox: boolean;
  json?: true;
}

export function registerSend(program: Command): void {
  program.command('send')
    .summary('talk to an agent (a finished one takes a new turn)')
    .usage('PID "<message>" --db FILE [options]')
    .argument('<pid>', "the agent's pid (see 'aios ps')", agentPid)
    .argument('[message...]', 'what to tell the agent, in quotes')
    .requiredOption('--db <FILE>', 'the database of an aios run (required)', existingDatabase)
    .option('--workspace <DIR>', `the folder the agent works on, when no kernel is running (needed unless FILE is an older <workspace>/.aios/aios.db)`)
    .option('--yes', 'approve everything the policy would ask about (no kernel running)')
    .option('--deny-risky', 'deny everything the policy would ask about (no kernel running)')
    .option('--no-sandbox', 'run without the Docker sandbox (no run_command; no kernel running)')
    .option('--json', 'print the transcript as one JSON object per line')
    .addHelpText('after', `
A live agent reads the message when its current step ends; a finished agent takes a new turn
with it (same context and budgets). With the editor open on the workspace, its kernel delivers it.`)
    .action(async (pid, words, o) => {
      process.exitCode = await send(pid, words.join(' ').trim(), o);
    });
}

/** Sends `text` to agent `pid`; returns the exit code. */
export async function send(pid: number, text: string, o: SendOptions, out: Out = { line: (t) => process.stdout.write(`${t}\n`) }): Promise<number> {
  if (!text) throw new UsageError('give the message in quotes: aios send PID "use the existing helper instead" --db FILE');
  if (o.yes && o.denyRisky) throw new UsageError('--yes and --deny-risky contradict each other: give one');
  const store = SqliteStore.open(o.db);
  const live = liveKernel(store);
  if (live !== null) {
    try {
      if (!store.getAgent(pid)) throw new UsageError(`no agent ${pid} in this database: see 'aios ps --db FILE'`);
      return await throughRunningKernel(store, pid, text, live, out);
    } finally {
      store.close();
    }
  }
  store.close();
  return startKernel(pid, text, o, out);
}

async function throughRunningKernel(store: SqliteStore, pid: number, text: string, kernelProcess: number, out: Out): Promise<number> {
  const messageId = randomUUID();
  const after = store.queryEvents({ limit: 1 })[0]?.seq ?? 0;
  store.appendEvent({ type: 'control.message', pid, messageId, text }, Date.now());
  const deadline = Date.now() + TAKE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const e of store.queryEvents({ pid, afterSeq: after, limit: 1000 })) {
      const ev = e.event;
      if (ev.type === 'message.queued' && ev.messageId === messageId) {
        out.line(ev.newTurn ? `agent ${pid} had finished: it takes a new turn with your message (kernel process ${kernelProcess})` : `sent to agent ${pid} through the running kernel (process ${kernelProcess}): it reads it when its current step ends`);
        out.line(`follow it with: aios logs ${pid} --db ${store.path ?? 'FILE'} --follow`);
        return 0;
      }
      if (ev.type === 'message.refused' && ev.messageId === messageId) {
        process.stderr.write(`aios: agent ${pid} did not take the message: ${ev.reason}\n`);
        return 1;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`aios: the kernel (process ${kernelProcess}) did not take the message within ${TAKE_TIMEOUT_MS / 1000} s; it is queued in the database and delivered when that kernel reads its commands\n`);
  return 1;
}

async function startKernel(pid: number, text: string, o: SendOptions, out: Out): Promise<number> {
  const db = o.db;
  const workspace = resolve(o.workspace ?? defaultWorkspace(db));
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) throw new UsageError(`workspace ${workspace} is not a folder: give --workspace DIR`);
  const say = (line: string) => out.line(line);
  const approvals: ApprovalClient = o.yes ? new AutoApprovals('approve', say)
    : o.denyRisky || !process.stdin.isTTY ? new AutoApprovals('deny', say)
    : new TerminalApprovals(process.stdin, process.stdout);
  const session = KernelSession.open({ dbPath: db, workspace, approvals, sandbox: o.sandbox ? {} : false, log: (l) => process.stderr.write(`${l}\n`) });
  const printer = new TranscriptPrinter(out, o.json === true, false);
  try {
    if (!session.kernel.agents.find(pid)) throw new UsageError(`no agent ${pid} in this database: see 'aios ps --db FILE'`);
    const builder = storedTranscript(session.store, pid);
    const r = session.conversation.send(pid, text);
    if (r.outcome === 'budget') {
      process.stderr.write(`aios: agent ${pid} has finished and its ${r.violation.budget} budget is spent (${r.violation.used} of ${r.violation.limit}): nothing was sent. Raise the budget in the transcript tab, then send again.\n`);
      return 1;
    }
    say(r.outcome === 'new_turn' ? `no kernel was running: started one; agent ${pid} takes a new turn with your message` : `no kernel was running: started one; the message is in agent ${pid}'s context`);
    const sub = session.kernel.subscribe('*', (e) => printer.ops(builder.apply(e)));
    try {
      await session.runtime.idle();
      await session.kernel.idle();
    } finally {
      sub.dispose();
    }
    printer.strip(builder.strip());
    const state = session.kernel.agents.get(pid).state;
    return state === 'done' ? 0 : 1;
  } finally {
    await session.close();
  }
}

/** `<ws>/.aios/aios.db` → `<ws>`. */
function defaultWorkspace(db: string): string {
  const dir = dirname(db);
  if (basename(dir) === '.aios') return dirname(dir);
  throw new UsageError(`no kernel is running on ${db}, and the workspace cannot be told from its path: give --workspace DIR`);
}
