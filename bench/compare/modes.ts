/**
 * The four ways of running N agents × K model calls against one rate-limited endpoint:
 *   sequential  one agent after another, one call at a time (really run, not a sum of run times)
 *   naive       every agent at once, each retrying a 429 after the endpoint's retry-after
 *   kernel      the AIOS kernel (scheduler with the endpoint's limits, maxConcurrent 8)
 *   priority    the kernel again, with one agent in ten at priority 0 and the rest at 50
 * Naive and sequential clients use the same Anthropic provider (SDK, retries) as the kernel and
 * a prompt of the same size (the kernel's own system prompt and tools), so only the scheduling differs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import type { LlmMessage, LlmRequest, LlmToolSpec } from '../../src/kernel/ports/llm';
import { AnthropicProvider } from '../../src/llm/anthropic';
import { taskText } from './endpoint';

/** How a run is set up. */
export interface RunSpec {
  agents: number;
  calls: number;
  url: string;
  requestsPerSecond: number;
  tokensPerSecond: number;
}

/** The ways of running, in the order they are reported. */
export const MODES = ['sequential', 'naive', 'kernel', 'priority'] as const;
export type Mode = (typeof MODES)[number];

// Not a deprecated id: the SDK prints a warning per call for those.
const MODEL = 'claude-sonnet-4-6';
const KEY = 'compare-bench-key';

/** Agents with priority 0 in the `priority` mode: one in ten. */
export function isUrgent(agent: number): boolean {
  return agent % 10 === 0;
}

function provider(url: string): AnthropicProvider {
  return new AnthropicProvider({ apiKey: KEY, baseURL: url, maxRetries: 100, retry: { maxRetryAfterMs: 120_000 }, log: () => {} });
}

/** The prompt a client sends: the kernel's own system prompt and tool specs, for equal sizes. */
export interface ClientPrompt {
  system: string;
  tools: LlmToolSpec[];
}

/** One agent as a plain client: K calls, each answered tool call gets a short result. */
async function clientAgent(p: AnthropicProvider, prompt: ClientPrompt, agent: number, calls: number): Promise<void> {
  const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: taskText(agent, calls) }] }];
  for (let k = 0; k < calls; k++) {
    const request: LlmRequest = { model: MODEL, session: String(agent), system: prompt.system, tools: prompt.tools, messages, maxTokens: 1024, cache: { system: true, messages: [messages.length - 1] } };
    const response = await p.call(request);
    messages.push({ role: 'assistant', content: response.content });
    const uses = response.content.filter((b) => b.type === 'tool_use');
    if (uses.length === 0) return;
    messages.push({ role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, toolUseId: u.id, content: 'no matches', isError: false })) });
  }
}

/** Runs the agents as plain clients, one after another or all at once. */
export async function runClients(spec: RunSpec, prompt: ClientPrompt, concurrent: boolean): Promise<void> {
  const p = provider(spec.url);
  if (!concurrent) {
    for (let a = 0; a < spec.agents; a++) await clientAgent(p, prompt, a, spec.calls);
    return;
  }
  await Promise.all(Array.from({ length: spec.agents }, (_, a) => clientAgent(p, prompt, a, spec.calls)));
}

/** Runs the agents in one kernel session; with `priorities`, urgent agents get priority 0. */
export async function runKernel(spec: RunSpec, priorities: boolean): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'aios-compare-'));
  const ws = join(root, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'notes.md'), 'nothing to find here\n');
  const session = KernelSession.open({
    dbPath: join(root, 'aios.db'), workspace: ws, sandbox: false, controlPollMs: 0,
    approvals: { ask: () => Promise.resolve({ decision: 'deny', reason: 'benchmark' }) },
    scheduler: { maxConcurrent: 8, requestsPerMinute: spec.requestsPerSecond * 60, tokensPerMinute: spec.tokensPerSecond * 60 },
    providers: { anthropic: { apiKey: KEY, baseURL: spec.url, maxRetries: 100, retry: { maxRetryAfterMs: 120_000 }, log: () => {} } },
  });
  try {
    for (let a = 0; a < spec.agents; a++) {
      session.kernel.spawn({ task: taskText(a, spec.calls), model: MODEL, priority: priorities && isUrgent(a) ? 0 : 50, budgets: { steps: spec.calls + 2 } });
    }
    await session.runtime.idle();
    const failed = session.kernel.agents.list().filter((agent) => agent.state !== 'done');
    if (failed.length) throw new Error(`kernel: ${failed.length} agents did not finish, e.g. ${failed[0]!.state}: ${failed[0]!.reason ?? ''}`);
  } finally {
    await session.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The kernel's system prompt and tool specs, captured from its first request to the endpoint. */
export function promptOf(body: Record<string, unknown>): ClientPrompt {
  const system = (body['system'] as Array<{ text: string }> | undefined)?.map((b) => b.text).join('\n') ?? '';
  const tools = ((body['tools'] as Array<{ name: string; description: string; input_schema: Record<string, unknown> }> | undefined) ?? [])
    .map((t) => ({ name: t.name, description: t.description, inputSchema: t.input_schema }));
  return { system, tools };
}
