/**
 * A small benchmark harness. Each operation is timed in batches (one clock read per batch, so
 * fast operations are not drowned by the timer); p50/p99 are per-operation times of batches.
 */
import { performance } from 'node:perf_hooks';

/**
 * One line of `npm run bench -- --json`. A figure the case does not measure is absent, never 0.
 * A case with a target reports `pass` (true or false). A case that could not run has `skipped`
 * (a real part is missing, with what to do) or `error` (it failed) and no figures.
 */
export interface BenchResult {
  name: string;
  ops_per_sec?: number;
  p50_us?: number;
  p99_us?: number;
  pass?: boolean;
  skipped?: string;
  error?: string;
  [extra: string]: number | string | boolean | undefined;
}

/** A result with per-operation figures (what `summarize` / `measure` build). */
export type MeasuredResult = BenchResult & { ops_per_sec: number; p50_us: number; p99_us: number };

/** A real part a case needs; without it the case is reported as skipped with the reason. */
export type BenchNeed = 'docker' | 'code-server' | 'chromium';

/** A named benchmark; `run` returns its result (use `measure` / `measureAsync`, or build one). */
export interface BenchCase {
  name: string;
  /** real parts that may be absent (run.ts checks them before running the case) */
  needs?: BenchNeed | BenchNeed[];
  run(): Promise<BenchResult> | BenchResult;
}

export interface MeasureOptions {
  /** operations per timed batch (default 1) */
  batch?: number;
  /** stop after this many ms of timed work (default 1000) */
  durationMs?: number;
  /** at least this many batches (default 20) */
  minBatches?: number;
  /** at most this many batches (default 1e6) */
  maxBatches?: number;
  /** untimed batches first (default 3) */
  warmupBatches?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Builds a result from per-batch durations (ms) of `batch` operations each. */
export function summarize(name: string, batchMs: number[], batch: number, extra: Record<string, number | string | boolean> = {}): MeasuredResult {
  const perOpUs = batchMs.map((ms) => (ms * 1000) / batch).sort((a, b) => a - b);
  const totalMs = batchMs.reduce((a, b) => a + b, 0);
  return {
    name,
    ops_per_sec: Math.round((batchMs.length * batch) / (totalMs / 1000)),
    p50_us: round(percentile(perOpUs, 50)),
    p99_us: round(percentile(perOpUs, 99)),
    ...extra,
  };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Times a synchronous operation; `op(i)` gets a running index. */
export function measure(name: string, op: (i: number) => void, options: MeasureOptions = {}): MeasuredResult {
  const batch = options.batch ?? 1;
  const durationMs = options.durationMs ?? 1000;
  const minBatches = options.minBatches ?? 20;
  const maxBatches = options.maxBatches ?? 1e6;
  let i = 0;
  for (let w = 0; w < (options.warmupBatches ?? 3); w++) for (let k = 0; k < batch; k++) op(i++);
  const samples: number[] = [];
  let spent = 0;
  while ((spent < durationMs || samples.length < minBatches) && samples.length < maxBatches) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) op(i++);
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
  }
  return summarize(name, samples, batch);
}

/** Times an asynchronous operation, one at a time. */
export async function measureAsync(name: string, op: (i: number) => Promise<void>, options: MeasureOptions = {}): Promise<MeasuredResult> {
  const batch = options.batch ?? 1;
  const durationMs = options.durationMs ?? 1000;
  const minBatches = options.minBatches ?? 20;
  const maxBatches = options.maxBatches ?? 1e6;
  let i = 0;
  for (let w = 0; w < (options.warmupBatches ?? 3); w++) for (let k = 0; k < batch; k++) await op(i++);
  const samples: number[] = [];
  let spent = 0;
  while ((spent < durationMs || samples.length < minBatches) && samples.length < maxBatches) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) await op(i++);
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
  }
  return summarize(name, samples, batch);
}
