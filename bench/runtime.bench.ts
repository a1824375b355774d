/**
 * Step-loop benchmarks: the kernel's own cost per step, throughput and fairness under rate
 * limits, and prompt-cache reuse under a tight context budget (through the real Anthropic SDK
 * against the local Messages API server). The cache figures of `runtime.prefix_reuse_200` come
 * from that server's prompt-cache SIMULATOR (test/support/promptCacheSim.ts), not from a real API,
 * and are labelled so (`simulated_*`). The scripted provider runs with strict rule checks off here:
 * these figures are the kernel's cost, not the tests' checks.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KernelSession } from '../src/session/kernelSession';
import type { ApprovalClient } from '../src/kernel/ports/approvals';
import type { LlmObserver, LlmProvider, LlmRequest, LlmResponse } from '../src/kernel/ports/llm';
import { AnthropicProvider } from '../src/llm/anthropic';
import { ScriptedProvider } from '../src/llm/scripted';
import type { Script } from '../src/llm/scriptFile';
import { startMessagesServer } from '../test/support/messagesServer';
import { round, summarize, type BenchCase, type BenchResult } from './harness';

const denyAll: ApprovalClient = { ask: async () => ({ decision: 'deny', reason: 'bench' }) };

function workspace(): { dir: string; db: string } {
  const root = mkdtempSync(join(tmpdir(), 'aios-bench-rt-'));
  const dir = join(root, 'ws');
  mkdirSync(dir);
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `f${i}.ts`), `export const v${i} = ${i};\n`.repeat(5));
  return { dir, db: join(root, 'aios.db') };
}

/** Wraps a provider and records when each call starts and ends (performance.now). */
class TimedProvider implements LlmProvider {
  readonly id: string;
  readonly scripted: boolean;
  readonly calls: Array<{ start: number; end: number }> = [];
  constructor(private readonly inner: LlmProvider) {
    this.id = inner.id;
    this.scripted = inner.scripted;
  }
  async call(request: LlmRequest, observer?: LlmObserver): Promise<LlmResponse> {
    const start = performance.now();
    try {
      return await this.inner.call(request, observer);
    } finally {
      this.calls.push({ start, end: performance.now() });
    }
  }
}

/** A session whose agents all use `provider` (bypassing the model setting). */
function sessionWith(provider: LlmProvider, options: Partial<Parameters<typeof KernelSession.open>[0]> = {}, w = workspace()) {
  const session = KernelSession.open({ dbPath: w.db, workspace: w.dir, approvals: denyAll, sandbox: false, controlPollMs: 0, ...options });
  // every model setting resolves to the provider under test
  session.providerFor = () => ({ provider, model: 'claude-sonnet-4-6' });
  return session;
}

function toolTurns(n: number, usage?: { input_tokens: number; output_tokens: number }, latency = 0): Script {
  return { turns: Array.from({ length: n }, (_, i) => ({ text: `step ${i}`, tool_calls: [{ name: 'search_text', input: { query: `v${i % 20}` } }], usage, latency_ms: latency })) };
}

async function stepOverhead(): Promise<BenchResult> {
  const steps = 1500;
  // A trivial tool (recall of a resident page, different each step so it is not a loop): the
  // figure is the kernel's cost, not a tool's.
  const script: Script = { turns: Array.from({ length: steps }, (_, i) => ({ text: `step ${i}`, tool_calls: [{ name: 'recall', input: { page: i + 1 } }] })) };
  const provider = new TimedProvider(new ScriptedProvider(script, { strict: false }));
  const session = sessionWith(provider);
  try {
    session.kernel.spawn({ task: 'bench', model: 'bench' });
    await session.runtime.idle();
  } finally {
    await session.close();
  }
  // Kernel time of a step = from the end of one model call to the start of the next (tool,
  // commit, scheduling, prompt render): everything but the model.
  const gaps: number[] = [];
  for (let i = 1; i < provider.calls.length; i++) gaps.push(provider.calls[i].start - provider.calls[i - 1].end);
  return summarize('runtime.step_overhead', gaps.slice(50), 1, { steps: provider.calls.length });
}

async function rateLimited(): Promise<BenchResult> {
  const windowMs = 30_000;
  const rpm = 300;
  const provider = new TimedProvider(new ScriptedProvider(toolTurns(400, { input_tokens: 200, output_tokens: 50 }, 100), { strict: false }));
  const session = sessionWith(provider, { scheduler: { maxConcurrent: 8, requestsPerMinute: rpm, tokensPerMinute: 200_000 } });
  try {
    return await rateLimitedOn(session, provider, rpm, windowMs);
  } finally {
    for (const a of session.kernel.agents.list()) if (!['done', 'failed', 'killed'].includes(a.state)) session.kernel.kill(a.pid, 'bench over');
    await session.close();
  }
}

async function rateLimitedOn(session: KernelSession, provider: TimedProvider, rpm: number, windowMs: number): Promise<BenchResult> {
  const t0 = performance.now();
  const urgent = session.kernel.spawn({ task: 'urgent', model: 'bench', priority: 0 }).pid;
  const others = Array.from({ length: 99 }, (_, i) => session.kernel.spawn({ task: `t${i}`, model: 'bench', priority: 50 }).pid);
  await new Promise((r) => setTimeout(r, windowMs));
  const tEnd = performance.now();
  const counts = new Map<number, number>();
  for (const a of session.kernel.agents.list()) counts.set(a.pid, a.usage.steps);
  const waits = session.store.queryEvents({ type: 'scheduler.dispatch', pid: urgent, limit: 10_000 }).map((e) => (e.event.type === 'scheduler.dispatch' ? e.event.waitedMs : 0));
  const elapsed = tEnd - t0;
  const completed = provider.calls.filter((c) => c.end <= tEnd).length;
  // The bucket starts full (rpm requests) and refills at rpm / 60 per second while the burst
  // runs, so the burst ends at the first call that the capacity plus the refill so far no longer
  // covers. Steady state is from there to the end of the window, where only the refill can let
  // calls through; tokens per minute are not binding at 250 tokens a call.
  const limitRate = rpm / 60;
  const starts = provider.calls.map((c) => c.start).filter((s) => s <= tEnd).sort((a, b) => a - b);
  // (a limited kernel stays at or under that bound, so "reached" means within one call of it)
  const burstEnd = starts.findIndex((s, i) => i + 1 >= rpm + (limitRate * (s - t0)) / 1000 - 1);
  if (burstEnd < 0) throw new Error(`only ${starts.length} calls in ${round(elapsed / 1000, 1)} s: the calls never reached the bucket's capacity plus its refill, so there was no steady state to measure: lengthen the window`);
  const steadyFrom = starts[burstEnd]!;
  const steadyCalls = starts.length - burstEnd;
  const steadyRate = steadyCalls / ((tEnd - steadyFrom) / 1000);
  const xs = others.map((p) => counts.get(p) ?? 0);
  const sum = xs.reduce((a, b) => a + b, 0);
  const jain = (sum * sum) / (xs.length * xs.reduce((a, b) => a + b * b, 0));
  const sorted = waits.slice().sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
  return {
    name: 'runtime.rate_limited_100', ops_per_sec: round(steadyRate, 2),
    steady_calls_per_sec: round(steadyRate, 2), limit_calls_per_sec: limitRate, steady_over_limit: round(steadyRate / limitRate),
    steady_window_s: round((tEnd - steadyFrom) / 1000, 1), burst_calls: burstEnd, burst_s: round((steadyFrom - t0) / 1000, 1),
    target: 'steady state within 90-105 % of the limit', pass: steadyRate / limitRate >= 0.9 && steadyRate / limitRate <= 1.05,
    jain_fairness: round(jain), urgent_p99_wait_ms: p99, urgent_steps: counts.get(urgent) ?? 0,
    step_ms: 100, completed, window_s: round(elapsed / 1000, 1),
  };
}

async function prefixReuse(): Promise<BenchResult> {
  const steps = 200;
  const file = 'const x = 1; // padding so each step adds a tool result of about 600 tokens\n'.repeat(32);
  let n = 0;
  const server = await startMessagesServer({
    // the same ~600-token read each step, with a different range end so it is not a loop
    turns: () => ({ text: 'Looking at the file again.', toolCalls: [{ name: 'read_file', input: { path: 'big.ts', start_line: 1, end_line: 32 + (n++ % 2) } }], outputTokens: 20 }),
  });
  try {
    return await prefixReuseOn(server.url, file, steps);
  } finally {
    await server.close();
  }
}

async function prefixReuseOn(url: string, file: string, steps: number): Promise<BenchResult> {
  const provider = new TimedProvider(new AnthropicProvider({ apiKey: 'bench-key', baseURL: url, maxRetries: 0 }));
  const w = workspace();
  writeFileSync(join(w.dir, 'big.ts'), file);
  const session = sessionWith(provider, {}, w);
  const utilisation: number[] = [];
  try {
    const budget = 60_000;
    const agent = session.kernel.spawn({ task: 'read big.ts again and again', model: 'bench', budgets: { steps }, context: { tokens: budget, high: 0.99, low: 0.83 } });
    let evicted = false;
    session.kernel.subscribe('pager.evicted', () => { evicted = true; });
    session.kernel.subscribe('agent.step', () => { if (evicted) utilisation.push(session.kernel.contexts.metrics(agent.pid).utilisation); });
    await session.runtime.idle();
    await session.kernel.idle();
    const usage = session.kernel.agents.get(agent.pid).usage;
    const faults = session.kernel.contexts.metrics(agent.pid);
    const cacheRead = usage.cacheReadTokens / usage.inputTokens;
    const steady = utilisation.reduce((a, b) => a + b, 0) / Math.max(1, utilisation.length);
    return {
      name: 'runtime.prefix_reuse_200', ops_per_sec: round(provider.calls.length / ((provider.calls.at(-1)!.end - provider.calls[0].start) / 1000), 1),
      simulated_cache_read_fraction: round(cacheRead), cache_source: 'simulator (test/support/promptCacheSim.ts), not a real API',
      utilisation_when_full: round(steady), steps: usage.steps, evictions: faults.evictionBatches,
      swapped_pages: faults.swappedPages, input_tokens: usage.inputTokens, simulated_cache_read_tokens: usage.cacheReadTokens,
    };
  } finally {
    await session.close();
  }
}

export const cases: BenchCase[] = [
  { name: 'runtime.step_overhead', run: stepOverhead },
  { name: 'runtime.rate_limited_100', run: rateLimited },
  { name: 'runtime.prefix_reuse_200', run: prefixReuse },
];
