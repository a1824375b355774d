/**
 * What must hold in a database after a kernel was killed at any moment (issue 11, finding 3):
 * usage is never recorded without its step (the agent row, its checkpoints and its agent.step
 * events agree), and no step the kernel reported as committed is missing.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const REPO = join(__dirname, '..', '..');
export const CRASH_RUNNER = join(REPO, 'test', 'support', 'kernelCrashRunner.ts');

/** Steps the runner reported committed, per pid. */
export type Committed = Map<number, Set<number>>;

/** One broken invariant, in words. */
export type Violation = string;

/** Runs the crash runner; `killWhen` sees each line and says when to SIGKILL (never: runs to its end). */
export function runRunner(args: string[], killWhen: (line: string, lines: string[]) => boolean, options: { timeoutMs?: number; delayMs?: number } = {}): Promise<{ lines: string[]; killed: boolean }> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH_RUNNER, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const lines: string[] = [];
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const parts = out.split('\n');
      out = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (!killed && killWhen(line, lines)) {
          killed = true;
          if (options.delayMs) setTimeout(() => child.kill('SIGKILL'), options.delayMs);
          else child.kill('SIGKILL');
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return resolve({ lines, killed: true });
      if (killed && code === 0) return resolve({ lines, killed: false }); // it finished before a delayed kill landed
      if (code !== 0) return reject(new Error(`runner exited with ${code}: ${err.slice(-2000)}`));
      resolve({ lines, killed: false });
    });
  });
}

/** Adds the COMMIT lines of a run to what was reported committed. */
export function recordCommitted(committed: Committed, lines: readonly string[]): void {
  for (const line of lines) {
    const m = /^COMMIT (\d+) (\d+)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    if (!committed.has(pid)) committed.set(pid, new Set());
    committed.get(pid)!.add(Number(m[2]));
  }
}

/** Checks the database (read-only) against the invariants; returns what is broken (empty: all holds). */
export function checkDatabase(dbPath: string, committed: Committed): Violation[] {
  const db = new Database(dbPath, { readonly: true });
  const broken: Violation[] = [];
  try {
    const agents = db.prepare('SELECT pid, steps, input_tokens AS input, output_tokens AS output FROM agents').all() as Array<{ pid: number; steps: number; input: number; output: number }>;
    for (const a of agents) {
      const events = db.prepare("SELECT json_extract(payload, '$.step') AS step, json_extract(payload, '$.inputTokens') + json_extract(payload, '$.cacheReadTokens') + json_extract(payload, '$.cacheWriteTokens') AS input, json_extract(payload, '$.outputTokens') AS output FROM events WHERE type = 'agent.step' AND pid = ?").all(a.pid) as Array<{ step: number; input: number; output: number }>;
      const steps = new Set(events.map((e) => e.step));
      const checkpoints = db.prepare('SELECT step FROM checkpoints WHERE pid = ? ORDER BY step').pluck().all(a.pid) as number[];
      if (a.steps !== steps.size) broken.push(`agent ${a.pid}: usage says ${a.steps} steps, ${steps.size} agent.step events committed`);
      if (events.length !== steps.size) broken.push(`agent ${a.pid}: a step number was committed twice (${events.map((e) => e.step).join(',')})`);
      const maxCheckpoint = checkpoints.length ? checkpoints[checkpoints.length - 1] : 0;
      if (a.steps !== maxCheckpoint) broken.push(`agent ${a.pid}: usage says ${a.steps} steps, latest checkpoint is step ${maxCheckpoint}`);
      const input = events.reduce((n, e) => n + e.input, 0);
      const output = events.reduce((n, e) => n + e.output, 0);
      if (a.input !== input || a.output !== output) broken.push(`agent ${a.pid}: usage ${a.input}+${a.output} tokens, its committed steps ${input}+${output}`);
      for (const s of committed.get(a.pid) ?? []) if (!steps.has(s)) broken.push(`agent ${a.pid}: step ${s} was reported committed but is not in the database`);
    }
    for (const pid of committed.keys()) if (!agents.some((a) => a.pid === pid)) broken.push(`agent ${pid} committed steps but is not in the database`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') broken.push(`quick_check: ${String(check)}`);
  } finally {
    db.close();
  }
  return broken;
}
