/**
 * The kill-9 campaign (issue 11): kernel processes on one real SQLite database are killed with
 * SIGKILL at random moments, in four phases (while agents are spawned, during a model step, while
 * an approval is pending, right at a step's commit), then restarted; after every kill the
 * database is checked: no usage without its step, no step reported committed that is missing.
 *
 *   npx tsx test/crash/kill9Campaign.ts [--kills 60] [--seed 1] [--json]
 *
 * Prints a JSON summary (tries, kills per phase, violations). Exit 1 when any invariant broke.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDatabase, recordCommitted, runRunner, type Committed } from '../support/crashInvariants';

type Phase = 'spawn' | 'step' | 'approval' | 'commit';
const PHASES: Phase[] = ['spawn', 'step', 'approval', 'commit'];

const { values } = parseArgs({ options: { kills: { type: 'string' }, seed: { type: 'string' }, agents: { type: 'string' } } });
const target = Number(values.kills ?? 60);
const agents = String(Number(values.agents ?? 3));
let seed = Number(values.seed ?? 1);
/** A small seeded generator (mulberry32), so a campaign can be re-run exactly. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const SCRIPT = {
  turns: [
    { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }], usage: { input_tokens: 500, output_tokens: 40 }, latency_ms: 15 },
    { text: 'Fixing.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.ts', old_text: '"helo"', new_text: '"hello"' } }], usage: { input_tokens: 700, output_tokens: 60 }, latency_ms: 10 },
    { text: 'Checking.', tool_calls: [{ name: 'list_dir', input: {} }], usage: { input_tokens: 800, output_tokens: 30 }, latency_ms: 10 },
    { text: 'Reading again.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }], usage: { input_tokens: 900, output_tokens: 30 }, latency_ms: 10 },
    { text: 'Done.', usage: { input_tokens: 950, output_tokens: 10 }, latency_ms: 5 },
  ],
};

interface World { dir: string; ws: string; db: string; script: string; committed: Committed }

function newWorld(): World {
  const dir = mkdtempSync(join(tmpdir(), 'aios-kill9-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'greet.ts'), 'export const greeting = "helo";\n');
  const script = join(dir, 'script.json');
  writeFileSync(script, JSON.stringify(SCRIPT));
  return { dir, ws, db: join(dir, 'aios.db'), script, committed: new Map() };
}

/** When to kill, for a phase: a predicate over the runner's lines, with a random extra delay in lines. */
function killer(phase: Phase): (line: string, lines: string[]) => boolean {
  const nth = 1 + Math.floor(random() * 3);
  let seen = 0;
  const pattern = { spawn: /^SPAWN /, step: /^(READY|COMMIT) /, approval: /^ASK /, commit: /^COMMIT / }[phase];
  return (line) => {
    if (!pattern.test(line) && !(phase === 'step' && line === 'READY')) return false;
    return ++seen >= nth;
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const byPhase: Record<Phase, number> = { spawn: 0, step: 0, approval: 0, commit: 0 };
  const violations: Array<{ kill: number; phase: Phase; problems: string[] }> = [];
  let tries = 0;
  let kills = 0;
  let finishedRuns = 0;
  let worlds = 1;
  let committedSteps = 0;
  let world = newWorld();
  try {
    while (kills < target) {
      tries++;
      const phase = PHASES[Math.floor(random() * PHASES.length)];
      const when = killer(phase);
      // a step's kill lands a little after its trigger line: somewhere inside the next model call
      const delayMs = phase === 'step' ? Math.floor(random() * 25) : 0;
      const run = await runRunner([world.db, world.ws, world.script, agents, 'approve'], when, { delayMs });
      recordCommitted(world.committed, run.lines);
      if (run.killed) {
        kills++;
        byPhase[phase]++;
        const problems = checkDatabase(world.db, world.committed);
        if (problems.length) violations.push({ kill: kills, phase, problems });
        process.stderr.write(`kill ${kills}/${target} in ${phase}: ${problems.length ? problems.join('; ') : 'ok'}\n`);
      } else {
        finishedRuns++;
        const problems = checkDatabase(world.db, world.committed);
        if (problems.length) violations.push({ kill: kills, phase, problems: ['(after a run to the end)', ...problems] });
        committedSteps += [...world.committed.values()].reduce((n, s) => n + s.size, 0);
        rmSync(world.dir, { recursive: true, force: true });
        world = newWorld();
        worlds++;
      }
    }
  } finally {
    committedSteps += [...world.committed.values()].reduce((n, s) => n + s.size, 0);
    rmSync(world.dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ name: 'kill9.campaign', tries, kills, byPhase, finishedRuns, databases: worlds, violations, seconds: Math.round((Date.now() - started) / 1000), committedSteps }, null, 1)}\n`);
  process.exitCode = violations.length ? 1 : 0;
}

void main();
