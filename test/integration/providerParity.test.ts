/**
 * The kernel behaves the same whichever provider an agent thinks with: the same scripted
 * conversation, served by the Messages API server (Anthropic SDK), the Chat Completions server
 * (openai SDK) and the editor's language models (the vscode.lm provider over a fake bridge),
 * under the same budgets and the same small context, ends the same way: same state, same budget
 * suspension at the same step, same tool calls, same pages evicted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import type { ApprovalClient } from '../../src/kernel/ports/approvals';
import type { Budgets, ContextBudget } from '../../src/kernel/types';
import { EMPTY_MODEL_SETTINGS } from '../../src/llm/modelCatalog';
import type { LmBridge } from '../../src/llm/vscodeLm';
import type { LmChatResult } from '../../src/protocol/modelMethods';
import { startMessagesServer } from '../support/messagesServer';
import { startOpenAiServer } from '../support/openaiServer';

const deny: ApprovalClient = { ask: async () => ({ decision: 'deny', reason: 'test' }) };
type Call = { name: string; input: Record<string, unknown> };
type Turn = { text: string; calls: Call[] };

/** The conversation every provider replays: three reads (two big files), then an answer. */
const CONVERSATION: Turn[] = [
  { text: 'Reading the notes.', calls: [{ name: 'read_file', input: { path: 'notes-a.txt' } }] },
  { text: 'And the second file.', calls: [{ name: 'read_file', input: { path: 'notes-b.txt' } }] },
  { text: 'One more.', calls: [{ name: 'read_file', input: { path: 'README.md' } }] },
  { text: 'The notes describe two lists of numbers.', calls: [] },
];

interface Provider {
  name: string;
  start(): Promise<{ spec: string; session: Partial<Parameters<typeof KernelSession.open>[0]>; requests(): number; close(): Promise<void> }>;
}

const PROVIDERS: Provider[] = [
  {
    name: 'anthropic',
    async start() {
      const server = await startMessagesServer({ apiKey: 'sk-ant-parity-0123456789' });
      server.push(...CONVERSATION.map((t, i) => ({ text: t.text, toolCalls: t.calls.map((c, j) => ({ id: `toolu_${i}_${j}`, name: c.name, input: c.input })), outputTokens: 20 })));
      return {
        spec: 'claude-sonnet-4-6',
        session: { providers: { settings: { ...EMPTY_MODEL_SETTINGS, anthropicBaseUrl: server.url }, credentials: { keys: { anthropic: 'sk-ant-parity-0123456789' }, anthropicHeaders: {} }, env: {} } },
        requests: () => server.requests.length,
        close: () => server.close(),
      };
    },
  },
  {
    name: 'openai-compatible',
    async start() {
      const server = await startOpenAiServer({ apiKey: 'sk-parity-0123456789' });
      server.push(...CONVERSATION.map((t, i) => ({ text: t.text, toolCalls: t.calls.map((c, j) => ({ id: `toolu_${i}_${j}`, name: c.name, input: c.input })), completionTokens: 20 })));
      return {
        spec: 'openai:gpt-4.1',
        session: { providers: { env: { OPENAI_API_KEY: 'sk-parity-0123456789', OPENAI_BASE_URL: server.url } } },
        requests: () => server.requests.length,
        close: () => server.close(),
      };
    },
  },
  {
    name: 'vscode-lm',
    async start() {
      let n = 0;
      const bridge: LmBridge = {
        async chat(p, onText) {
          const t = CONVERSATION[n] ?? { text: 'no more', calls: [] };
          const i = n++;
          onText(t.text);
          const parts: LmChatResult['parts'] = [{ type: 'text', text: t.text }, ...t.calls.map((c, j) => ({ type: 'toolCall' as const, callId: `toolu_${i}_${j}`, name: c.name, input: c.input }))];
          return { model: 'copilot-gpt-4o', parts, inputTokens: Math.ceil(JSON.stringify(p).length / 4), outputTokens: 20 };
        },
      };
      return { spec: 'vscode-lm:copilot/gpt-4o', session: { providers: { lm: bridge, env: {} } }, requests: () => n, close: async () => {} };
    },
  },
];

/** What a person would notice about a run. */
interface Outcome {
  state: string;
  budget: string | null;
  steps: number;
  tools: string[];
  evictions: number;
  requests: number;
}

async function run(provider: Provider, dir: string, budgets: Partial<Budgets>, context: Partial<ContextBudget>): Promise<Outcome> {
  const ws = join(dir, provider.name);
  mkdirSync(ws, { recursive: true });
  // two files whose contents alone overflow the small context: the pager must evict
  writeFileSync(join(ws, 'notes-a.txt'), Array.from({ length: 250 }, (_, i) => `a line ${i} ${'x'.repeat(20)}`).join('\n'));
  writeFileSync(join(ws, 'notes-b.txt'), Array.from({ length: 250 }, (_, i) => `b line ${i} ${'y'.repeat(20)}`).join('\n'));
  writeFileSync(join(ws, 'README.md'), '# parity\n');
  const started = await provider.start();
  const session = KernelSession.open({ dbPath: join(ws, 'aios.db'), workspace: ws, approvals: deny, sandbox: false, controlPollMs: 0, ...started.session });
  try {
    const agent = session.kernel.spawn({ task: 'Summarize the notes', model: started.spec, role: 'reviewer', capabilities: ['fs.read'], budgets, context });
    await session.runtime.idle();
    const a = session.kernel.agents.find(agent.pid)!;
    const events = session.store.queryEvents({ pid: agent.pid, limit: 10_000 }).reverse();
    const exceeded = events.find((e) => e.event.type === 'budget.exceeded');
    return {
      state: a.state,
      budget: exceeded?.event.type === 'budget.exceeded' ? exceeded.event.budget : null,
      steps: a.usage.steps,
      tools: events.flatMap((e) => (e.event.type === 'tool.call' ? [e.event.tool] : [])),
      evictions: events.filter((e) => e.event.type === 'pager.evicted').length,
      requests: started.requests(),
    };
  } finally {
    await session.close();
    await started.close();
  }
}

describe('the kernel behaves the same on every provider', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'aios-parity-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const scenarios: Array<{ name: string; budgets: Partial<Budgets>; context: Partial<ContextBudget>; expect: Partial<Outcome> }> = [
    { name: 'the whole conversation in a small context: done, with pages evicted', budgets: {}, context: { tokens: 4000 }, expect: { state: 'done', steps: 4, tools: ['read_file', 'read_file', 'read_file'] } },
    { name: 'a step (request) budget of 2: suspended after step 2', budgets: { steps: 2 }, context: { tokens: 4000 }, expect: { state: 'suspended', budget: 'steps', steps: 2 } },
    // The prompt alone is more than 50 tokens: the budget caps the call before it is made, so no request goes out.
    { name: 'a token budget of 50: suspended for tokens before any call is made', budgets: { tokens: 50 }, context: { tokens: 4000 }, expect: { state: 'suspended', budget: 'tokens', steps: 0, requests: 0 } },
  ];

  for (const s of scenarios) {
    it(s.name, async () => {
      const outcomes: Record<string, Outcome> = {};
      for (const p of PROVIDERS) outcomes[p.name] = await run(p, join(dir, s.name.slice(0, 10).replace(/\W/g, '')), s.budgets, s.context);
      const [first, ...rest] = Object.values(outcomes);
      for (const [key, value] of Object.entries(s.expect)) assert.deepEqual(first![key as keyof Outcome], value, `${key}: ${JSON.stringify(outcomes)}`);
      if (s.expect.state === 'done') assert.ok(first!.evictions > 0, `the small context made the pager evict: ${JSON.stringify(outcomes)}`);
      for (const o of rest) assert.deepEqual(o, first, `same outcome on every provider: ${JSON.stringify(outcomes, null, 1)}`);
    });
  }
});
