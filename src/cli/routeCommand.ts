/**
 * `aios route "<task>"`: which agent role should take a task (router tiers; below the threshold a
 * model or the developer on the terminal chooses), recorded in the workspace's database.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from '@commander-js/extra-typings';
import { TaskRouter } from '../router/router';
import { mergeRoles } from '../router/routerRoles';
import { modelRoleChooser } from '../router/routerModel';
import { RoutingService, type RoleChooser } from '../router/routerService';
import { createProvider } from '../llm/factory';
import { SqliteRoutingLog } from '../storage/routingLog';
import { loadWorkspaceRoles } from '../storage/routingRoles';
import { SqliteStore } from '../storage/sqliteStore';
import { defaultDatabasePath } from './databasePath';
import { folder, fraction, UsageError } from './usage';

/** `aios route`'s options, as commander parsed them. */
interface RouteOptions {
  json?: true;
  workspace?: string;
  db?: string;
  record: boolean;
  threshold?: number;
  model?: string;
}

export function registerRoute(program: Command): void {
  program.command('route')
    .summary('which agent role should take a task')
    .usage('"<task>" [options]')
    .argument('[task...]', 'the task, in quotes')
    .option('--json', 'print {"role": …, "tier": …, "confidence": …} (then reason, candidates, decision)')
    .option('--workspace <DIR>', 'the workspace: its .aios/roles.json adds roles (default: the current folder)', folder)
    .option('--db <FILE>', 'where the decision is recorded (default: a file per workspace under ~/.local/state/aios)')
    .option('--no-record', 'do not record the decision')
    .option('--threshold <X>', 'below this confidence (0-1) the model or you choose (default: 0.5)', fraction)
    .option('--model <M>', 'an Anthropic model to ask when the router is unsure (needs ANTHROPIC_API_KEY)')
    .addHelpText('after', `
The router tries an exact phrase, then keywords, then similar words (English and Chinese).
Below the threshold the model (--model) or you (on a terminal) choose; otherwise the best
guess is printed with tier "default".`)
    .action(async (words, options) => {
      process.exitCode = await route(words.join(' ').trim(), options);
    });
}

async function route(task: string, o: RouteOptions): Promise<number> {
  if (!task) throw new UsageError('give the task in quotes: aios route "write unit tests for the parser"');
  const workspace = o.workspace ?? resolve('.');
  const chosen = o.model ? createProvider(o.model, { baseDir: workspace }) : null;
  const askModel = chosen ? modelRoleChooser(chosen.provider, chosen.model) : null;
  let store: SqliteStore | null = null;
  if (o.record) {
    const dbPath = resolve(o.db ?? defaultDatabasePath(workspace).path);
    mkdirSync(dirname(dbPath), { recursive: true });
    store = SqliteStore.open(dbPath);
  }
  try {
    const routing = new RoutingService({
      router: new TaskRouter(mergeRoles(loadWorkspaceRoles(workspace))),
      threshold: o.threshold,
      askModel,
      askDeveloper: process.stdin.isTTY ? terminalRoleChooser : null,
      log: store ? new SqliteRoutingLog(store.connection) : null,
      onChooserError: (who, err) => process.stderr.write(`aios: asking the ${who} failed: ${err instanceof Error ? err.message : String(err)}\n`),
    });
    const d = await routing.decide(task, { source: 'cli' });
    if (o.json) {
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
