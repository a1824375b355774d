/**
 * Budgets are promises (issue 11, finding 2): the real Anthropic SDK against a loopback Messages
 * server that, like the real API, never generates more than max_tokens. A turn that wants
 * 8,500 output tokens must not be able to spend more than what the agent's budget has left.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelSession } from '../../src/session/kernelSession';
import type { ApprovalClient } from '../../src/kernel/ports/approvals';
import type { AgentRecord } from '../../src/kernel/types';
import { startMessagesServer, type MessagesServer, type RecordedRequest, type ServerTurn } from '../support/messagesServer';

const DENY: ApprovalClient = { ask: async () => ({ decision: 'deny', reason: 'test' }) };
const MODEL = 'claude-sonnet-4-6'; // $3 in, $15 out per million

function spent(a: AgentRecord): number {
  return a.usage.inputTokens + a.usage.outputTokens;
}

function systemText(r: RecordedRequest): string {
  const sys = r.body?.['system'];
  return typeof sys === 'string' ? sys : JSON.stringify(sys ?? '');
}

describe('budgets never overshoot (real SDK, loopback Messages API, real SQLite)', function () {
  this.timeout(30_000);
  let server: MessagesServer;
  let session: KernelSession | null = null;
  let dir: string;

  function open(turns: (r: RecordedRequest) => ServerTurn): Promise<MessagesServer> {
    return startMessagesServer({ turns, apiKey: 'sk-test-budget' }).then((s) => {
      server = s;
      dir = mkdtempSync(join(tmpdir(), 'aios-budget-'));
      mkdirSync(join(dir, 'ws'));
      session = KernelSession.open({
        dbPath: join(dir, 'aios.db'), workspace: join(dir, 'ws'), approvals: DENY, sandbox: false, controlPollMs: 0,
        providers: { anthropic: { apiKey: 'sk-test-budget', baseURL: s.url, maxRetries: 0 } },
        safety: { heartbeat: false, loopIntervalMs: 0 },
      });
      return s;
    });
  }

  afterEach(async () => {
    await session?.close();
    session = null;
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caps max_tokens so one call cannot spend more tokens than the budget has left, then refuses', async () => {
    await open(() => ({ text: 'x'.repeat(34_000), outputTokens: 8_500 }));
    // the prompt with the tool definitions is about 1,800 tokens: 3,000 leaves room for one short answer
    const pid = session!.kernel.spawn({ task: 'write a long essay', model: MODEL, budgets: { tokens: 3_000 } }).pid;
    await session!.runtime.idle();
    const agent = session!.kernel.agents.get(pid);
    assert.ok(spent(agent) <= 3_000, `spent ${spent(agent)} tokens against a budget of 3000`);
    assert.ok(spent(agent) > 2_000, `the first call was made, capped (spent ${spent(agent)})`);
    const asked = server.requests.map((r) => r.body?.['max_tokens'] as number);
    assert.ok(asked[0]! < 1_300, `max_tokens sent: ${asked.join(', ')}`);
    assert.equal(agent.state, 'suspended');
    assert.match(agent.reason ?? '', /budget.*3000.*raise the budget and resume/);
    const warnings = session!.store.queryEvents({ type: 'agent.budget_warning', limit: 10 }).map((e) => e.event);
    assert.deepEqual(warnings.map((w) => w.type === 'agent.budget_warning' && [w.pid, w.budget, w.limit]), [[pid, 'tokens', 3_000]]);
  });

  it('refuses the call outright when the budget cannot even hold the prompt', async () => {
    await open(() => ({ text: 'x'.repeat(34_000), outputTokens: 8_500 }));
    const pid = session!.kernel.spawn({ task: 'write a long essay', model: MODEL, budgets: { tokens: 1_000 } }).pid;
    await session!.runtime.idle();
    const agent = session!.kernel.agents.get(pid);
    assert.equal(server.requests.length, 0, 'no call was made');
    assert.equal(spent(agent), 0);
    assert.equal(agent.state, 'suspended');
    assert.match(agent.reason ?? '', /tokens budget: its 0 of 1000 used .*prompt, estimated/);
  });

  it('caps a call by the dollars left at the model\'s price', async () => {
    await open(() => ({ text: 'y'.repeat(40_000), outputTokens: 10_000 })); // $0.15 of output uncapped
    const pid = session!.kernel.spawn({ task: 'write a long essay', model: MODEL, budgets: { dollars: 0.05 } }).pid;
    await session!.runtime.idle();
    const agent = session!.kernel.agents.get(pid);
    assert.ok(agent.usage.dollars <= 0.05, `spent $${agent.usage.dollars} against $0.05`);
    assert.ok(agent.usage.dollars > 0.03, `the budget was used, not refused outright ($${agent.usage.dollars})`);
    assert.equal(agent.state, 'suspended');
    assert.match(agent.reason ?? '', /dollars budget/);
  });

  it('refuses a dollar budget on a model whose price is unknown, saying so', async () => {
    await open(() => ({ text: 'hello' }));
    assert.throws(() => session!.kernel.spawn({ task: 'hi', model: 'claude-unknown-9', budgets: { dollars: 1 } }), /No price is known for model 'claude-unknown-9'/);
    assert.equal(server.requests.length, 0, 'no call was made');
  });

  it('charges children to their parent: a plan\'s whole tree stays within the parent\'s budget', async () => {
    let planned = false;
    await open((r) => {
      if (systemText(r).includes('subtask of a plan')) return { text: 'z'.repeat(32_000), outputTokens: 8_000 };
      if (!planned) {
        planned = true;
        return {
          toolCalls: [{
            name: 'plan', input: {
              on_failure: 'retry',
              subtasks: [1, 2, 3].map((i) => ({ id: `part${i}`, role: 'coder', task: `write part ${i}`, depends_on: [] })),
            },
          }],
        };
      }
      return { text: 'z'.repeat(32_000), outputTokens: 8_000 };
    });
    const parent = session!.kernel.spawn({ task: 'write three parts', model: MODEL, budgets: { tokens: 10_000 } }).pid;
    await session!.runtime.idle();
    const tree = session!.kernel.agents.list();
    const total = tree.reduce((n, a) => n + spent(a), 0);
    assert.ok(tree.length >= 4, `the plan ran children (${tree.length} agents)`);
    assert.ok(total <= 10_000, `the tree spent ${total} tokens under a parent budget of 10000: ${tree.map((a) => `${a.pid}:${spent(a)}`).join(' ')}`);
    assert.equal(session!.kernel.steps.spentBy(parent).tokens, total, 'the parent is charged with its children');
  });
});
