/**
 * The fair version of the academic AIOS comparison (COLM 2025 reports "up to 2.1× faster" under
 * its scheduler against a sequential baseline it simulates by adding up run times). Here N agents
 * (10, 50, 200) × K model calls really run, four ways in one process (bench/compare/modes.ts),
 * against ONE local Messages API endpoint that enforces requests and tokens per second and answers
 * 429 with retry-after (bench/compare/endpoint.ts). Time is scaled down: limits are per second.
 *   compare.n10 / compare.n50 / compare.n200   one line per agent count; figures per way of running
 * Writes .bench-output/compare.{svg,png,json}. No model is involved: answers are scripted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEndpoint, type Endpoint, type EndpointConfig } from './compare/endpoint';
import { figures, type RunFigures } from './compare/metrics';
import { isUrgent, MODES, promptOf, runClients, runKernel, type ClientPrompt, type Mode, type RunSpec } from './compare/modes';
import { writePlot, type Table } from './compare/plot';
import type { BenchCase, BenchResult } from './harness';

const CALLS = 3;
const ENDPOINT: EndpointConfig = { requestsPerSecond: 40, tokensPerSecond: 400_000, latencyMedianMs: 40, latencySigma: 0.5, seed: 17, outputTokens: 20 };
const OUT = join(__dirname, '..', '.bench-output');

const table: Table = [];

async function runMode(endpoint: Endpoint, spec: RunSpec, mode: Mode, prompt: ClientPrompt | null): Promise<{ figures: RunFigures; prompt: ClientPrompt | null }> {
  endpoint.reset();
  const t0 = performance.now();
  if (mode === 'kernel' || mode === 'priority') await runKernel(spec, mode === 'priority');
  else await runClients(spec, prompt!, mode === 'naive');
  const makespan = performance.now() - t0;
  const captured = mode === 'kernel' && endpoint.firstBody ? promptOf(endpoint.firstBody) : prompt;
  return { figures: figures(endpoint.calls, makespan, spec.requestsPerSecond, isUrgent), prompt: captured };
}

function compareCase(agents: number): BenchCase {
  return {
    name: `compare.n${agents}`,
    async run(): Promise<BenchResult> {
      const endpoint = await startEndpoint(ENDPOINT);
      try {
        const spec: RunSpec = { agents, calls: CALLS, url: endpoint.url, requestsPerSecond: ENDPOINT.requestsPerSecond, tokensPerSecond: ENDPOINT.tokensPerSecond };
        const modes = {} as Record<Mode, RunFigures>;
        let prompt: ClientPrompt | null = null;
        // The kernel runs first: the clients then send its system prompt and tools, so prompts are the same size.
        for (const mode of ['kernel', 'priority', 'sequential', 'naive'] as const) {
          const r = await runMode(endpoint, spec, mode, prompt);
          modes[mode] = r.figures;
          prompt = r.prompt;
        }
        table.push({ agents, calls: CALLS, modes });
        if (agents === 200 || table.length === 3) await writeOutputs();
        const flat: BenchResult = { name: `compare.n${agents}`, agents, calls_per_agent: CALLS, limit_rps: ENDPOINT.requestsPerSecond };
        for (const mode of MODES) for (const k of Object.keys(modes[mode]) as (keyof RunFigures)[]) flat[`${mode}_${k}`] = modes[mode][k];
        flat['kernel_speedup_vs_sequential'] = Math.round((modes.sequential.makespan_s / modes.kernel.makespan_s) * 100) / 100;
        flat['kernel_speedup_vs_naive'] = Math.round((modes.naive.makespan_s / modes.kernel.makespan_s) * 100) / 100;
        return flat;
      } finally {
        await endpoint.close();
      }
    },
  };
}

async function writeOutputs(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const sorted = [...table].sort((a, b) => a.agents - b.agents);
  writeFileSync(join(OUT, 'compare.json'), JSON.stringify({ endpoint: ENDPOINT, calls_per_agent: CALLS, runs: sorted }, null, 2));
  const subtitle = `${CALLS} calls per agent; endpoint: ${ENDPOINT.requestsPerSecond} requests/s, ${ENDPOINT.tokensPerSecond.toLocaleString('en-US')} tokens/s, ` +
    `log-normal latency (median ${ENDPOINT.latencyMedianMs} ms, seed ${ENDPOINT.seed}); kernel: maxConcurrent 8; scripted answers, no model`;
  await writePlot(sorted, subtitle, join(OUT, 'compare'));
}

export const cases: BenchCase[] = [compareCase(10), compareCase(50), compareCase(200)];
