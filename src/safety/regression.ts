/**
 * L1 regression: replays a recorded set of evaluation tasks with the offline scripted model
 * through real kernel sessions (a temporary database and a temporary copy of the workspace),
 * once under the current configuration and once under the proposed one. The proposal passes
 * when no task's score drops by more than the margin.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KernelSpawnOptions } from '../kernel/kernel';
import type { ApprovalClient } from '../kernel/ports/approvals';
import type { LlmBlock } from '../kernel/ports/llm';
import type { PageRow } from '../kernel/ports/store';
import type { AgentRecord, Budgets } from '../kernel/types';
import type { GateCheck, GateResult, TunableConfig } from './config';
import type { TaskScore } from './evaluation';
import { plural } from '../text/plural';

/** One evaluation task: a task, the files it works on, and the scripted model's answers. */
export interface EvalTask {
  name: string;
  task: string;
  role: string;
  /** written into the replay's workspace (paths relative to its root) */
  files: Record<string, string>;
  /** the scripted model's turns (src/llm/scriptFile.ts format) */
  script: { turns: unknown[] };
  budgets?: Partial<Pick<Budgets, 'tokens' | 'dollars' | 'steps'>>;
  /** the agent's context window, tokens */
  contextTokens?: number;
}

/** A session opened for one replay (KernelSession satisfies it). */
export interface ReplaySession {
  readonly runtime: { idle(): Promise<void> };
  readonly kernel: { spawn(options: KernelSpawnOptions): AgentRecord; kill(pid: number, reason?: string): number[] };
  readonly safety: { flush(): void; taskScore(taskId: string): TaskScore | undefined; useConfig(config: TunableConfig): void };
  close(): Promise<unknown>;
}

/** Opens a replay session on a temporary database and workspace, approving whatever asks. */
export type OpenReplay = (options: { dbPath: string; workspace: string; sliceSteps: number }) => ReplaySession;

/** How L1 runs. */
export interface RegressionOptions {
  open: OpenReplay;
  suite: readonly EvalTask[];
  /** the real workspace, copied into each replay (without .git, .aios, node_modules) */
  workspace?: string;
  /** allowed drop of a task's score, points */
  margin: number;
  /** per replay (default 20 s) */
  timeoutMs?: number;
}

/** A replayed task's result. */
export interface ReplayResult {
  name: string;
  score: number;
  grade: string;
  outcome: string;
}

const SKIP = new Set(['.git', '.aios', 'node_modules']);

/** Replays every task of the suite under `config`. */
export async function replaySuite(config: TunableConfig, options: RegressionOptions): Promise<ReplayResult[]> {
  const out: ReplayResult[] = [];
  for (const task of options.suite) out.push(await replayOne(task, config, options));
  return out;
}

async function replayOne(task: EvalTask, config: TunableConfig, options: RegressionOptions): Promise<ReplayResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'aios-l1-'));
  try {
    const ws = join(tmp, 'workspace');
    if (options.workspace) cpSync(options.workspace, ws, { recursive: true, filter: (src) => !SKIP.has(basename(src)) });
    mkdirSync(ws, { recursive: true });
    for (const [rel, text] of Object.entries(task.files)) {
      mkdirSync(dirname(join(ws, rel)), { recursive: true });
      writeFileSync(join(ws, rel), text);
    }
    const script = join(tmp, 'script.json');
    writeFileSync(script, JSON.stringify(task.script));
    const session = options.open({ dbPath: join(tmp, 'replay.db'), workspace: ws, sliceSteps: config.sliceSteps });
    try {
      session.safety.useConfig(config);
      const agent = session.kernel.spawn({
        task: task.task, role: task.role, name: `l1-${task.name}`, model: `scripted:${script}`, budgets: task.budgets,
        context: task.contextTokens ? { tokens: task.contextTokens } : undefined,
      });
      const timeout = options.timeoutMs ?? 20_000;
      const done = new AbortController(); // clears the timer when the replay ends first
      const timedOut = await Promise.race([
        session.runtime.idle().then(() => false),
        sleep(timeout, true, { signal: done.signal }).catch(() => false),
      ]).finally(() => done.abort());
      if (timedOut) {
        session.kernel.kill(agent.pid, `L1 replay took longer than ${timeout} ms`);
        await session.runtime.idle();
      }
      session.safety.flush();
      const s = session.safety.taskScore(`task-${agent.pid}`);
      return { name: task.name, score: s?.score ?? 0, grade: s?.grade ?? 'F', outcome: s?.outcome ?? 'unknown' };
    } finally {
      await session.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** L1: the suite under the current and the proposed configuration; no task may drop by more than the margin. */
export async function l1Gate(proposalId: string, current: TunableConfig, proposed: TunableConfig, options: RegressionOptions, now: () => number): Promise<GateResult> {
  if (options.suite.length === 0) {
    return { proposalId, level: 'L1', at: now(), passed: false, summary: 'no evaluation tasks to replay', checks: [] };
  }
  const before = await replaySuite(current, options);
  const after = await replaySuite(proposed, options);
  const checks: GateCheck[] = before.map((b, i) => {
    const a = after[i];
    const drop = Math.round((b.score - a.score) * 10) / 10;
    return {
      name: `replay ${b.name}`,
      passed: drop <= options.margin,
      detail: `${b.score} (${b.grade}) → ${a.score} (${a.grade})${drop > 0 ? `, −${drop}` : ''}; outcome ${a.outcome}`,
    };
  });
  const mean = (rs: ReplayResult[]) => Math.round((rs.reduce((s, r) => s + r.score, 0) / rs.length) * 10) / 10;
  const passed = checks.every((c) => c.passed);
  return {
    proposalId, level: 'L1', at: now(), passed,
    summary: `${plural(options.suite.length, 'scripted replay')}: mean ${mean(before)} → ${mean(after)}${passed ? '' : `; a score dropped by more than ${options.margin}`}`,
    checks,
  };
}

/**
 * Turns a finished agent's recorded conversation into an evaluation task: its assistant pages
 * become the scripted model's turns, so L1 replays exactly what the model did.
 */
export function evalTaskFromRecords(agent: AgentRecord, pages: readonly PageRow[]): EvalTask | null {
  const turns: unknown[] = [];
  for (const page of pages) {
    if (page.kind !== 'message') continue;
    const body = JSON.parse(page.content) as { role: string; blocks: LlmBlock[] };
    if (body.role !== 'assistant') continue;
    const text = body.blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
    const calls = body.blocks.flatMap((b) => (b.type === 'tool_use' ? [{ name: b.name, input: (b.input ?? {}) as Record<string, unknown> }] : []));
    turns.push({ ...(text ? { text } : {}), ...(calls.length ? { tool_calls: calls } : {}) });
  }
  if (turns.length === 0) return null;
  return {
    name: `agent-${agent.pid}`,
    task: agent.task,
    role: agent.role,
    files: {},
    script: { turns },
    budgets: {
      ...(Number.isFinite(agent.budgets.tokens) ? { tokens: agent.budgets.tokens } : {}),
      ...(Number.isFinite(agent.budgets.steps) ? { steps: agent.budgets.steps } : {}),
    },
    contextTokens: agent.context.tokens,
  };
}

/** A small built-in suite for databases with no recorded tasks yet. Scripted: no model runs. */
export const DEFAULT_EVAL_SUITE: readonly EvalTask[] = [
  {
    name: 'read-and-answer',
    task: 'what does the build use?',
    role: 'coder',
    files: { 'notes.md': '# Notes\n\nThe build uses esbuild; tests run under mocha.\n' },
    script: { turns: [
      { text: 'Reading the notes.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }] },
      { text: 'The build uses esbuild.' },
    ] },
    budgets: { steps: 10 },
  },
  {
    name: 'fix-typo',
    task: 'fix the greeting typo',
    role: 'coder',
    files: { 'greet.ts': 'export const greeting = "helo";\n' },
    script: { turns: [
      { text: 'Reading the file.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }] },
      { text: 'Fixing the typo.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.ts', old_text: '"helo"', new_text: '"hello"' } }] },
      { text: 'Fixed the greeting typo.' },
    ] },
    budgets: { steps: 10 },
  },
  {
    name: 'survey-files',
    task: 'list the modules and find the TODOs',
    role: 'coder',
    files: {
      'src/a.ts': 'export const a = 1; // TODO: rename\n',
      'src/b.ts': 'export const b = 2;\n',
      'src/c.ts': 'export const c = 3; // TODO: document\n',
    },
    script: { turns: [
      { text: 'Listing the sources.', tool_calls: [{ name: 'list_dir', input: { path: 'src' } }] },
      { text: 'Searching for TODOs.', tool_calls: [{ name: 'search_text', input: { query: 'TODO' } }] },
      { text: 'Reading one.', tool_calls: [{ name: 'read_file', input: { path: 'src/a.ts' } }] },
      { text: 'There are three modules; a.ts and c.ts have TODOs.' },
    ] },
    budgets: { steps: 12 },
  },
];

/** Replays approve whatever asks: the recorded run was approved, and only scores are compared. */
export const REPLAY_APPROVALS: ApprovalClient = {
  ask: async () => ({ decision: 'approve', remember: null }),
};
