/**
 * The `aios` command: run agents on a folder from a terminal, and look at (or kill) agents in a
 * database. Errors are one clear line and a non-zero exit.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Kernel } from '../kernel/kernel';
import type { ApprovalClient } from '../kernel/ports/approvals';
import type { Budgets } from '../kernel/types';
import { liveKernel } from '../session/liveKernel';
import { KernelSession } from '../session/kernelSession';
import { SqliteStore } from '../storage/sqliteStore';
import { TaskRouter } from '../router/router';
import { mergeRoles } from '../router/routerRoles';
import { modelRoleChooser } from '../router/routerModel';
import { RoutingService, type RoleChooser } from '../router/routerService';
import { createProvider } from '../llm/factory';
import { SqliteRoutingLog } from '../storage/routingLog';
import { loadWorkspaceRoles } from '../storage/routingRoles';
import { AutoApprovals, TerminalApprovals } from './approvalPrompt';
import { auditCommand, AuditUsageError } from './auditCommand';
import { mcpCommand } from './mcpCommand';
import { stdioTerminal, terminalMcpOptions } from './mcpTerminal';
import { modelsCli, MODELS_HELP } from './modelsCommand';
import { progressLine, summaryTable } from './progress';
import { CliUsageError, LOGS_HELP, logsCommand } from './logsCommand';
import { SEND_HELP, sendCommand } from './sendCommand';
import { toolResultLines } from './toolOutput';
import { Collector } from '../safety/collector';
import { evaluate } from '../safety/evaluation';
import { evaluationJson, formatEvaluation, reviewOnTerminal, safetyLine, type ReviewAnswer } from '../safety/evalReport';
import { REPLAY_APPROVALS } from '../safety/regression';
import { SafetyLayer } from '../safety/safetyLayer';
import { SafetyStore } from '../safety/store/safetyStore';
import { RulePolicy } from '../tools/policy';
import { ToolRegistry } from '../tools/registry';
import { createWorkspaceTools } from '../tools/workspace';
import { defaultDatabasePath, legacyNote } from './databasePath';

/** A usage error: printed with the command's help hint, exit 2. */
class UsageError extends Error {}

const HELP: Record<string, string> = {
  logs: LOGS_HELP,
  send: SEND_HELP,
  main: `aios — an operating system for AI agents

usage:
  aios run "<task>" --workspace DIR [options]   run agents on a folder
  aios ps --db FILE                             list agents in a database
  aios events --db FILE [--type T] [--agent PID] [--limit N]
  aios kill PID --db FILE                       kill an agent (and its children)
  aios logs PID --db FILE [--follow] [--json]   an agent's transcript
  aios send PID "<message>" --db FILE           talk to an agent (a finished one takes a new turn)
  aios eval --db FILE [--json] [--review]       scores, grades and health; review improvements
  aios route "<task>" [--json] [--workspace DIR] which agent role should take a task
  aios mcp list|serve [options]                 MCP servers of a workspace; AIOS as an MCP server
  aios models [SPEC...] [--json]                models you can use, prices, reachability
  aios audit verify --db FILE                   check the audit trail's hash chain

Run 'aios <command> --help' for the options of a command.`,
  run: `aios run "<task>" --workspace DIR [options]

  --workspace DIR     the folder the agents work on (required)
  --agents N          how many agents to spawn on the task (default 1)
  --model M           a model spec: claude-sonnet-4-5, openai:gpt-4.1,
                      openrouter:anthropic/claude-sonnet-4.5, ollama:qwen3:8b, lmstudio:MODEL,
                      or scripted:PATH (the offline scripted model); see 'aios models'
                      (default scripted:<workspace>/.aios/scripts/default.json if it exists)
  --db FILE           the database (default: a file per workspace under ~/.local/state/aios)
  --role R            the agents' role (default coder)
  --priority P        0 (most urgent) to 99 (default 50)
  --max-tokens N      token budget per agent
  --max-dollars D     dollar budget per agent
  --max-steps N       step budget per agent
  --context-tokens N  context window budget per agent (default 100000)
  --yes               approve everything the policy would ask about
  --deny-risky        deny everything the policy would ask about
  --no-sandbox        run without the Docker sandbox (no run_command)

Approvals are asked on the terminal; without one (and without --yes) they are denied.
Keys come from ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY; ANTHROPIC_BASE_URL and
OPENAI_BASE_URL point at a gateway or an OpenAI-compatible server (vLLM, LiteLLM).`,
  models: MODELS_HELP,
  ps: 'aios ps --db FILE\n\nLists the agents in a database: pid, name, state, steps, tokens, cost.',
  events: 'aios events --db FILE [--type T] [--agent PID] [--limit N]\n\n  --type T     an event type (agent.state) or a prefix ending in a dot (agent.)\n  --agent PID  only events of this agent\n  --limit N    how many, newest first (default 50)',
  kill: 'aios kill PID --db FILE\n\nKills an agent and its children. If a kernel is running on the database it does the kill;\notherwise the database is updated directly.',
  eval: `aios eval --db FILE [--json] [--review [--workspace DIR]]

  --json             print {"health": …, "agents": [{"pid", "score", "grade", …}], "tasks": […]}
  --review           propose configuration changes from the data, gate them (L0 invariants,
                     L1 scripted replays) and ask you to approve or reject each (L2)
  --workspace DIR    the workspace the L1 replays copy (default: none, built-in tasks only)

Scores (0-100, grades S A B C D F) come from the recorded events; health covers the 15 minutes
before the database's last event. See docs/safety.md for the formulas.`,
  route: `aios route "<task>" [options]

  --json             print {"role": …, "tier": …, "confidence": …} (then reason, candidates, decision)
  --workspace DIR    the workspace: its .aios/roles.json adds roles (default: the current folder)
  --db FILE          where the decision is recorded (default: a file per workspace under ~/.local/state/aios)
  --no-record        do not record the decision
  --threshold X      below this confidence (0-1) the model or you choose (default 0.5)
  --model M          an Anthropic model to ask when the router is unsure (needs ANTHROPIC_API_KEY)

The router tries an exact phrase, then keywords, then similar words (English and Chinese).
Below the threshold the model (--model) or you (on a terminal) choose; otherwise the best
guess is printed with tier "default".`,
};

/** Parsed flags: strings for options with values, booleans for switches. */
interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(argv: string[], options: ParseArgsConfig['options'], command: string): Parsed {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; see 'aios ${command} --help'`);
  }
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`--${name} must be a positive number (got '${value}')`);
  return n;
}

function requireDb(value: string | undefined, command: string): string {
  if (!value) throw new UsageError(`--db FILE is required; see 'aios ${command} --help'`);
  const path = resolve(value);
  if (!existsSync(path)) throw new UsageError(`no database at ${path}: give the --db of an 'aios run' (default: a file per workspace under ~/.local/state/aios)`);
  return path;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    workspace: { type: 'string' }, agents: { type: 'string' }, model: { type: 'string' }, db: { type: 'string' }, role: { type: 'string' },
    priority: { type: 'string' }, 'max-tokens': { type: 'string' }, 'max-dollars': { type: 'string' }, 'max-steps': { type: 'string' },
    'context-tokens': { type: 'string' }, yes: { type: 'boolean' }, 'deny-risky': { type: 'boolean' }, 'no-sandbox': { type: 'boolean' },
  }, 'run');
  if (values.help) return help('run');
  const task = positionals.join(' ').trim();
  if (!task) throw new UsageError(`give the task in quotes: aios run "fix the failing test" --workspace DIR`);
  if (!values.workspace) throw new UsageError(`--workspace DIR is required: the folder the agents work on`);
  const workspace = resolve(values.workspace as string);
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) throw new UsageError(`workspace ${workspace} is not a folder`);
  if (values.yes && values['deny-risky']) throw new UsageError('--yes and --deny-risky contradict each other: give one');
  const agents = values.agents === undefined ? 1 : Number(values.agents);
  if (!Number.isInteger(agents) || agents < 1 || agents > 1000) throw new UsageError(`--agents must be a whole number from 1 to 1000 (got '${values.agents}')`);
  const fallback = defaultDatabasePath(workspace);
  const dbPath = resolve((values.db as string | undefined) ?? fallback.path);
  if (!values.db && fallback.legacy) process.stderr.write(`${legacyNote(dbPath)}\n`);
  mkdirSync(dirname(dbPath), { recursive: true });
  const model = (values.model as string | undefined) ?? defaultModel(workspace);
  const budgets: Partial<Budgets> = {};
  const t = positiveNumber('max-tokens', values['max-tokens'] as string | undefined); if (t) budgets.tokens = t;
  const d = positiveNumber('max-dollars', values['max-dollars'] as string | undefined); if (d) budgets.dollars = d;
  const s = positiveNumber('max-steps', values['max-steps'] as string | undefined); if (s) budgets.steps = s;
  const contextTokens = positiveNumber('context-tokens', values['context-tokens'] as string | undefined);
  const priority = values.priority === undefined ? undefined : Number(values.priority);

  const say = (line: string) => process.stdout.write(`${line}\n`);
  const approvals: ApprovalClient = values.yes ? new AutoApprovals('approve', say)
    : values['deny-risky'] || !process.stdin.isTTY ? new AutoApprovals('deny', say)
    : new TerminalApprovals(process.stdin, process.stdout);
  if (!values.yes && !values['deny-risky'] && !process.stdin.isTTY) say('no terminal to ask on: anything that needs approval is denied (use --yes to approve)');

  const session = KernelSession.open({
    dbPath, workspace, approvals,
    sandbox: values['no-sandbox'] ? false : {},
    log: (line) => process.stderr.write(`${line}\n`),
    mcp: terminalMcpOptions(stdioTerminal(), values.yes === true, say),
    onToolResult: (pid, _callId, content, isError) => {
      const a = session.kernel.agents.find(pid);
      for (const l of toolResultLines(a ? `[${pid} ${a.name}]` : `[${pid}]`, content, isError)) say(l);
    },
  });
  const sub = session.kernel.subscribe('*', (e) => {
    const line = progressLine(e, (pid) => session.kernel.agents.find(pid)) ?? safetyLine(e.event);
    if (line) say(line);
  });
  const interrupt = () => {
    say('\ninterrupted: killing the agents of this run');
    for (const a of session.kernel.agents.list()) if (!['done', 'failed', 'killed'].includes(a.state)) session.kernel.kill(a.pid, 'interrupted from the terminal');
  };
  process.once('SIGINT', interrupt);
  try {
    say(`database: ${dbPath}`);
    if (model.startsWith('scripted:')) say(`model: ${model} — the offline scripted model; its output is scripted, not a real model's`);
    else say(`model: ${model} (${session.providerFor(model).resolved?.provider ?? 'anthropic'})`);
    const pids: number[] = [];
    for (let i = 0; i < agents; i++) {
      pids.push(session.spawn({ task, model, role: (values.role as string | undefined) ?? 'coder', priority, budgets, context: contextTokens ? { tokens: contextTokens } : undefined }).pid);
    }
    // Ends when no agent can make progress: all done, failed, killed, or suspended (which needs a person).
    await session.runtime.idle();
    await session.safety.settle(); // queued events delivered, reactions (reactor, alerts) printed
    const mine = session.kernel.agents.list().filter((a) => pids.includes(a.pid) || (a.parent !== null && pids.includes(a.parent)));
    say(`\n${summaryTable(mine)}`);
    const bad = mine.filter((a) => a.state !== 'done');
    if (bad.length) {
      process.stderr.write(`aios: ${bad.length} of ${mine.length} agents did not finish: ${bad.map((a) => `${a.pid} ${a.state}${a.reason ? ` (${a.reason})` : ''}`).join('; ')}\n`);
      return 1;
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', interrupt);
    sub.dispose();
    await session.close();
  }
}

/** The workspace's default script, if it has one; otherwise the model must be named. */
function defaultModel(workspace: string): string {
  const script = join(workspace, '.aios', 'scripts', 'default.json');
  if (existsSync(script)) return `scripted:${script}`;
  throw new UsageError(`--model is required: scripted:PATH (an offline script), a Claude model id such as claude-sonnet-4-6 (with ANTHROPIC_API_KEY set), openai:gpt-4.1, openrouter:VENDOR/MODEL, ollama:MODEL… (see 'aios models')`);
}

function ps(argv: string[]): number {
  const { values } = parse(argv, { db: { type: 'string' } }, 'ps');
  if (values.help) return help('ps');
  const store = SqliteStore.open(requireDb(values.db as string | undefined, 'ps'), { readonly: true });
  try {
    const agents = store.listAgents();
    if (agents.length === 0) { process.stdout.write('no agents\n'); return 0; }
    process.stdout.write(`${summaryTable(agents)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

function events(argv: string[]): number {
  const { values } = parse(argv, { db: { type: 'string' }, type: { type: 'string' }, agent: { type: 'string' }, limit: { type: 'string' } }, 'events');
  if (values.help) return help('events');
  const limit = positiveNumber('limit', values.limit as string | undefined) ?? 50;
  const pid = positiveNumber('agent', values.agent as string | undefined);
  const store = SqliteStore.open(requireDb(values.db as string | undefined, 'events'), { readonly: true });
  try {
    for (const e of store.queryEvents({ type: values.type as string | undefined, pid, limit }).reverse()) {
      const { type, ...rest } = e.event;
      process.stdout.write(`${e.seq}\t${new Date(e.at).toISOString()}\t${type}\t${JSON.stringify(rest)}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

function kill(argv: string[]): number {
  const { values, positionals } = parse(argv, { db: { type: 'string' } }, 'kill');
  if (values.help) return help('kill');
  const pid = Number(positionals[0]);
  if (!Number.isInteger(pid) || pid < 1) throw new UsageError(`give the pid of the agent to kill: aios kill PID --db FILE`);
  const store = SqliteStore.open(requireDb(values.db as string | undefined, 'kill'));
  try {
    const agent = store.getAgent(pid);
    if (!agent) throw new UsageError(`no agent ${pid} in this database: see 'aios ps --db FILE'`);
    if (['done', 'failed', 'killed'].includes(agent.state)) throw new UsageError(`agent ${pid} has already ended (${agent.state})`);
    if (liveKernel(store) !== null) {
      store.appendEvent({ type: 'control.kill', pid, reason: 'killed with aios kill' }, Date.now());
      process.stdout.write(`asked the running kernel to kill agent ${pid}\n`);
    } else {
      const killed = new Kernel({ store }).kill(pid, 'killed with aios kill');
      process.stdout.write(`killed ${killed.join(', ')} (no kernel was running on this database)\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

async function route(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' }, workspace: { type: 'string' }, db: { type: 'string' }, 'no-record': { type: 'boolean' },
    threshold: { type: 'string' }, model: { type: 'string' },
  }, 'route');
  if (values.help) return help('route');
  const task = positionals.join(' ').trim();
  if (!task) throw new UsageError('give the task in quotes: aios route "write unit tests for the parser"');
  const workspace = resolve((values.workspace as string | undefined) ?? '.');
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) throw new UsageError(`workspace ${workspace} is not a folder`);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new UsageError(`--threshold must be a number from 0 to 1 (got '${values.threshold}')`);
  const model = values.model as string | undefined;
  const chosen = model ? createProvider(model, { baseDir: workspace }) : null;
  const askModel = chosen ? modelRoleChooser(chosen.provider, chosen.model) : null;
  let store: SqliteStore | null = null;
  if (!values['no-record']) {
    const dbPath = resolve((values.db as string | undefined) ?? defaultDatabasePath(workspace).path);
    mkdirSync(dirname(dbPath), { recursive: true });
    store = SqliteStore.open(dbPath);
  }
  try {
    const routing = new RoutingService({
      router: new TaskRouter(mergeRoles(loadWorkspaceRoles(workspace))),
      threshold,
      askModel,
      askDeveloper: process.stdin.isTTY ? terminalRoleChooser : null,
      log: store ? new SqliteRoutingLog(store.connection) : null,
      onChooserError: (who, err) => process.stderr.write(`aios: asking the ${who} failed: ${(err as Error).message}\n`),
    });
    const d = await routing.decide(task, { source: 'cli' });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ role: d.role, tier: d.tier, confidence: d.confidence, reason: d.reason, candidates: d.candidates, decision: d.id })}\n`);
    } else {
      process.stdout.write(`role:        ${d.role}\ntier:        ${d.tier}\nconfidence:  ${d.confidence.toFixed(2)}\nreason:      ${d.reason}\n` +
        `${d.id !== null && store ? `recorded as decision ${d.id} in ${store.path}\n` : ''}`);
    }
    return 0;
  } finally {
    store?.close();
  }
}

/** Asks on the terminal which role should take a task the router was unsure about. */
const terminalRoleChooser: RoleChooser = async (request) => {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const ranked = [...request.match.candidates.map((c) => c.role), ...request.roles.map((r) => r.name)].filter((r, i, all) => all.indexOf(r) === i);
    process.stderr.write(`The router is unsure about: ${request.task}\n`);
    ranked.forEach((name, i) => process.stderr.write(`  ${i + 1}. ${name} — ${request.roles.find((r) => r.name === name)?.description ?? ''}\n`));
    const answer = (await rl.question(`Which role? [1-${ranked.length}, Enter for ${ranked[0]}] `)).trim();
    const pick = answer === '' ? ranked[0] : ranked[Number(answer) - 1] ?? answer;
    return pick ? { role: pick, reason: 'chosen on the terminal' } : null;
  } finally {
    rl.close();
  }
};

async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' }, review: { type: 'boolean' }, workspace: { type: 'string' } }, 'eval');
  if (values.help) return help('eval');
  const dbPath = requireDb(values.db as string | undefined, 'eval');
  const store = SqliteStore.open(dbPath);
  try {
    const db = new SafetyStore(store);
    new Collector(db).catchUp();
    if (!values.review) {
      const ev = evaluate(db, store.listAgents(), db.lastEvent().at || Date.now());
      process.stdout.write(`${values.json ? JSON.stringify(evaluationJson(ev)) : formatEvaluation(ev)}\n`);
      return 0;
    }
    if (liveKernel(store) !== null) throw new UsageError('a kernel is running on this database: review proposals in its dashboard, or stop it first');
    const workspace = values.workspace ? resolve(values.workspace as string) : undefined;
    const kernel = new Kernel({ store });
    const policy = new RulePolicy({ store, session: 'aios-eval' });
    const tools = new ToolRegistry();
    for (const t of createWorkspaceTools({ root: workspace ?? dirname(dbPath) })) tools.register(t);
    const safety = new SafetyLayer({
      kernel, store, db, policy, tools, session: 'aios-eval', workspace: workspace ?? '', options: { heartbeat: false, loopIntervalMs: 0 },
      openReplay: (o) => KernelSession.open({ dbPath: o.dbPath, workspace: o.workspace, approvals: REPLAY_APPROVALS, sandbox: false, controlPollMs: 0, scheduler: { sliceSteps: o.sliceSteps }, safety: { heartbeat: false, loopIntervalMs: 0 } }),
    });
    const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null;
    const say = (line: string) => process.stdout.write(`${line}\n`);
    try {
      const ask = async (q: string): Promise<ReviewAnswer> => {
        if (!rl) { say(`${q}skipped (no terminal to ask on)`); return 'skip'; }
        const a = (await rl.question(q)).trim().toLowerCase();
        return a === 'a' || a === 'approve' ? 'approve' : a === 'r' || a === 'reject' ? 'reject' : 'skip';
      };
      await reviewOnTerminal(safety.loop, db, ask, say);
      kernel.events.flush();
      return 0;
    } finally {
      rl?.close();
      safety.dispose();
    }
  } finally {
    store.close();
  }
}

function help(command: string): number {
  process.stdout.write(`${HELP[command]}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': return run(rest);
    case 'ps': return ps(rest);
    case 'events': return events(rest);
    case 'kill': return kill(rest);
    case 'eval': return evalCommand(rest);
    case 'route': return route(rest);
    case 'mcp': return mcpCommand(rest);
    case 'models': return modelsCli(rest);
    case 'logs': return logsCommand(rest);
    case 'send': return sendCommand(rest);
    case 'audit': return auditCommand(rest, (line) => process.stdout.write(`${line}\n`));
    case undefined: case '-h': case '--help': case 'help': return help('main');
    default: throw new UsageError(`unknown command '${command}': use run, ps, events, kill, logs, send, eval, route, models, mcp or audit (aios --help)`);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`aios: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError || err instanceof CliUsageError || err instanceof AuditUsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
});
