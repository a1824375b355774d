/**
 * `aios ps`, `aios events` and `aios kill`: look at the agents and events of a database, and kill
 * an agent (through the kernel running on it, or directly when none runs).
 */
import type { Command } from '@commander-js/extra-typings';
import { liveKernel } from '../session/liveKernel';
import { StoppedKernel } from '../session/stoppedKernel';
import { SqliteStore } from '../storage/sqliteStore';
import { summaryTable } from './progress';
import { agentPid, existingDatabase, positiveInteger, UsageError } from './usage';

const DB_HELP = 'the database of an aios run (required)';

export function registerAgents(program: Command): void {
  program.command('ps')
    .summary('list agents in a database')
    .description('Lists the agents in a database: pid, name, state, steps, tokens, cost.')
    .requiredOption('--db <FILE>', DB_HELP, existingDatabase)
    .action((o) => { process.exitCode = ps(o.db); });

  program.command('events')
    .summary("a database's events, oldest first")
    .description('Prints the newest events of a database, oldest first: seq, time, type, fields as JSON.')
    .requiredOption('--db <FILE>', DB_HELP, existingDatabase)
    .option('--type <T>', 'an event type (agent.state) or a prefix ending in a dot (agent.)')
    .option('--agent <PID>', 'only events of this agent', agentPid)
    .option('--limit <N>', 'how many, newest first', positiveInteger, 50)
    .action((o) => { process.exitCode = events(o.db, o.type, o.agent, o.limit); });

  program.command('kill')
    .summary('kill an agent (and its children)')
    .description('Kills an agent and its children. If a kernel is running on the database it does the kill; otherwise the database is updated directly.')
    .usage('PID --db FILE')
    .argument('<pid>', "the agent's pid (see 'aios ps')", agentPid)
    .requiredOption('--db <FILE>', DB_HELP, existingDatabase)
    .action((pid, o) => { process.exitCode = kill(pid, o.db); });
}

function ps(db: string): number {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const agents = store.listAgents();
    process.stdout.write(agents.length === 0 ? 'no agents\n' : `${summaryTable(agents)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

function events(db: string, type: string | undefined, pid: number | undefined, limit: number): number {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    for (const e of store.queryEvents({ type, pid, limit }).reverse()) {
      const { type: name, ...rest } = e.event;
      process.stdout.write(`${e.seq}\t${new Date(e.at).toISOString()}\t${name}\t${JSON.stringify(rest)}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

function kill(pid: number, db: string): number {
  const store = SqliteStore.open(db);
  try {
    const agent = store.getAgent(pid);
    if (!agent) throw new UsageError(`no agent ${pid} in this database: see 'aios ps --db FILE'`);
    if (['done', 'failed', 'killed'].includes(agent.state)) throw new UsageError(`agent ${pid} has already ended (${agent.state})`);
    if (liveKernel(store) !== null) {
      store.appendEvent({ type: 'control.kill', pid, reason: 'killed with aios kill' }, Date.now());
      process.stdout.write(`asked the running kernel to kill agent ${pid}\n`);
      return 0;
    }
    const stopped = StoppedKernel.claim(store, db);
    try {
      const killed = stopped.kernel.kill(pid, 'killed with aios kill');
      process.stdout.write(`killed ${killed.join(', ')} (no kernel was running on this database)\n`);
    } finally {
      stopped.release();
    }
    return 0;
  } finally {
    store.close();
  }
}
