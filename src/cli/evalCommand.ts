/**
 * `aios eval --db FILE`: scores, grades and health from the recorded events; with `--review`,
 * proposals of configuration changes gated (L0, L1) and answered on the terminal (L2).
 */
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from '@commander-js/extra-typings';
import { Collector } from '../safety/collector';
import { evaluate } from '../safety/evaluation';
import { evaluationJson, formatEvaluation, reviewOnTerminal, type ReviewAnswer } from '../safety/evalReport';
import { liveKernel } from '../session/liveKernel';
import { StoppedKernel } from '../session/stoppedKernel';
import { SafetyStore } from '../safety/store/safetyStore';
import { SqliteStore } from '../storage/sqliteStore';
import { existingDatabase, folder, UsageError } from './usage';

export function registerEval(program: Command): void {
  program.command('eval')
    .summary('scores, grades and health; review improvements')
    .requiredOption('--db <FILE>', 'the database of an aios run (required)', existingDatabase)
    .option('--json', 'print {"health": …, "agents": [{"pid", "score", "grade", …}], "tasks": […]}')
    .option('--review', `propose configuration changes from the data, gate them (L0 invariants, L1 scripted replays) and ask you to approve or reject each (L2)`)
    .option('--workspace <DIR>', 'the workspace the L1 replays copy (default: none, built-in tasks only)', folder)
    .addHelpText('after', `
Scores (0-100, grades S A B C D F) come from the recorded events; health covers the 15 minutes
before the database's last event. See docs/safety.md for the formulas.`)
    .action(async (o) => {
      process.exitCode = await evalCommand(o.db, o.json === true, o.review === true, o.workspace);
    });
}

async function evalCommand(dbPath: string, json: boolean, review: boolean, workspace: string | undefined): Promise<number> {
  const store = SqliteStore.open(dbPath);
  try {
    const db = new SafetyStore(store);
    new Collector(db).catchUp();
    if (!review) {
      const ev = evaluate(db, store.listAgents(), db.lastEvent().at || Date.now());
      process.stdout.write(`${json ? JSON.stringify(evaluationJson(ev)) : formatEvaluation(ev)}\n`);
      return 0;
    }
    if (liveKernel(store) !== null) throw new UsageError('a kernel is running on this database: review proposals in its dashboard, or stop it first');
    const stopped = StoppedKernel.claim(store, dbPath);
    const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null;
    const say = (line: string) => process.stdout.write(`${line}\n`);
    try {
      const safety = stopped.reviewSafety('aios-eval', workspace, workspace ?? dirname(resolve(dbPath)));
      const ask = async (q: string): Promise<ReviewAnswer> => {
        if (!rl) { say(`${q}skipped (no terminal to ask on)`); return 'skip'; }
        const a = (await rl.question(q)).trim().toLowerCase();
        return a === 'a' || a === 'approve' ? 'approve' : a === 'r' || a === 'reject' ? 'reject' : 'skip';
      };
      await reviewOnTerminal(safety.loop, db, ask, say);
      return 0;
    } finally {
      rl?.close();
      stopped.release();
    }
  } finally {
    store.close();
  }
}
