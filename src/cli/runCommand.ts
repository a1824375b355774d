/**
 * `aios run "<task>" --workspace DIR`: spawns agents on a folder through one kernel session,
 * prints their progress and a summary, and exits 1 when an agent did not finish.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import type { ApprovalClient } from '../kernel/ports/approvals';
import type { Budgets } from '../kernel/types';
import { KernelSession } from '../session/kernelSession';
import { safetyLine } from '../safety/evalReport';
import { AutoApprovals, TerminalApprovals } from './approvalPrompt';
import { defaultDatabasePath, legacyNote } from './databasePath';
import { stdioTerminal, terminalMcpOptions } from './mcpTerminal';
import { progressLine, summaryTable } from './progress';
import { toolResultLines } from './toolOutput';
import { folder, positiveInteger, positiveNumber, UsageError, wholeNumber } from './usage';

/** `aios run`'s options, as commander parsed them. */
export interface RunOptions {
  workspace: string;
  agents: number;
  model?: string;
  db?: string;
  role: string;
  priority?: number;
  maxTokens?: number;
  maxDollars?: number;
  maxSteps?: number;
  contextTokens?: number;
  yes?: true;
  denyRisky?: true;
  sandbox: boolean;
}

export function registerRun(program: Command): void {
  program.command('run')
    .summary('run agents on a folder')
    .description('Runs agents on a folder until none can go on, printing what they do; exits 1 when an agent did not finish.')
    .usage('"<task>" --workspace DIR [options]')
    .argument('[task...]', 'what the agents should do, in quotes')
    .requiredOption('--workspace <DIR>', 'the folder the agents work on (required)', folder)
    .option('--agents <N>', 'how many agents to spawn on the task', wholeNumber(1, 1000), 1)
    .option('--model <M>', `a model spec: claude-sonnet-4-5, openai:gpt-4.1, openrouter:anthropic/claude-sonnet-4.5, ollama:qwen3:8b, lmstudio:MODEL, or scripted:PATH (the offline scripted model); see 'aios models' (default: scripted:<workspace>/.aios/scripts/default.json if it exists)`)
    .option('--db <FILE>', 'the database (default: a file per workspace under ~/.local/state/aios)')
    .option('--role <R>', "the agents' role", 'coder')
    .option('--priority <P>', '0 (most urgent) to 99 (default: 50)', wholeNumber(0, 99))
    .option('--max-tokens <N>', 'token budget per agent', positiveInteger)
    .option('--max-dollars <D>', 'dollar budget per agent', positiveNumber)
    .option('--max-steps <N>', 'step budget per agent', positiveInteger)
    .option('--context-tokens <N>', 'context window budget per agent (default: 100000)', positiveInteger)
    .option('--yes', 'approve everything the policy would ask about')
    .option('--deny-risky', 'deny everything the policy would ask about')
    .option('--no-sandbox', 'run without the Docker sandbox (no run_command)')
    .addHelpText('after', `
Approvals are asked on the terminal; without one (and without --yes) they are denied.
Keys come from ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY; ANTHROPIC_BASE_URL and
OPENAI_BASE_URL point at a gateway or an OpenAI-compatible server (vLLM, LiteLLM).`)
    .action(async (words, options) => {
      process.exitCode = await run(words.join(' ').trim(), options);
    });
}

async function run(task: string, o: RunOptions): Promise<number> {
  if (!task) throw new UsageError(`give the task in quotes: aios run "fix the failing test" --workspace DIR`);
  if (o.yes && o.denyRisky) throw new UsageError('--yes and --deny-risky contradict each other: give one');
  const workspace = o.workspace;
  const fallback = defaultDatabasePath(workspace);
  const dbPath = resolve(o.db ?? fallback.path);
  if (!o.db && fallback.legacy) process.stderr.write(`${legacyNote(dbPath)}\n`);
  mkdirSync(dirname(dbPath), { recursive: true });
  const model = o.model ?? defaultModel(workspace);
  const budgets: Partial<Budgets> = {};
  if (o.maxTokens) budgets.tokens = o.maxTokens;
  if (o.maxDollars) budgets.dollars = o.maxDollars;
  if (o.maxSteps) budgets.steps = o.maxSteps;

  const say = (line: string) => process.stdout.write(`${line}\n`);
  const approvals: ApprovalClient = o.yes ? new AutoApprovals('approve', say)
    : o.denyRisky || !process.stdin.isTTY ? new AutoApprovals('deny', say)
    : new TerminalApprovals(process.stdin, process.stdout);
  if (!o.yes && !o.denyRisky && !process.stdin.isTTY) say('no terminal to ask on: anything that needs approval is denied (use --yes to approve)');

  const session = KernelSession.open({
    dbPath, workspace, approvals,
    sandbox: o.sandbox ? {} : false,
    log: (line) => process.stderr.write(`${line}\n`),
    mcp: terminalMcpOptions(stdioTerminal(), o.yes === true, say),
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
    for (let i = 0; i < o.agents; i++) {
      pids.push(session.kernel.spawn({ task, model, role: o.role, priority: o.priority, budgets, context: o.contextTokens ? { tokens: o.contextTokens } : undefined }).pid);
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
