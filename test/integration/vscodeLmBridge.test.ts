/**
 * VS Code language models (vscode.lm) at the protocol boundary: the real kernel host, forked as
 * the extension forks it, asks a FAKE extension side for the editor's chat models and sends it
 * chat requests with tools over the real JSON-RPC protocol. The fake answers as vscode.lm does
 * (streamed text parts, tool call parts, no usage: tokens come from countTokens) and rejects what
 * it rejects (a tool result that answers no tool call, a tool name vscode.lm refuses).
 * code-server 4.100 lets an extension register a chat model only through the proposed
 * `chatProvider` API (vscode.lm.registerChatModelProvider, behind --enable-proposed-api; the
 * finalized registerLanguageModelChatProvider came later), so the extension side is a fake here.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CancellationToken, createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { toExtension, toHost, type InitializeParams, type SpawnParams } from '../../src/protocol/hostMethods';
import type { EventView, StateSnapshot } from '../../src/protocol/hostTypes';
import { toExtensionModels, toHostModels, type LmChatParams, type LmChatResult } from '../../src/protocol/modelMethods';

const ROOT = resolve(__dirname, '..', '..');

/** What the fake editor's model answers for one request. */
type LmTurn = { text?: string; toolCalls?: Array<{ callId: string; name: string; input: Record<string, unknown> }>; stall?: boolean };

/** The extension side of the connection, with a fake vscode.lm behind it. */
class FakeEditor {
  readonly chats: LmChatParams[] = [];
  readonly events: EventView[] = [];
  readonly stderr: string[] = [];
  readonly cancelled: string[] = [];
  turns: LmTurn[] = [];
  lmAvailable = true;
  readonly connection: MessageConnection;

  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    const c = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    c.onRequest(toExtensionModels.credentials, () => ({ keys: {}, anthropicHeaders: {} }));
    c.onRequest(toExtensionModels.lmModels, () => (this.lmAvailable
      ? { available: true as const, models: [{ id: 'copilot-gpt-4o', vendor: 'copilot', family: 'gpt-4o', name: 'GPT-4o', maxInputTokens: 64_000 }] }
      : { available: false as const, reason: 'VS Code 1.90.0 cannot give tools to its language models (needs VS Code 1.95 or later)' }));
    c.onRequest(toExtensionModels.lmChat, (p, token) => this.chat(p, token));
    c.onNotification(toExtension.changed, (b) => void this.events.push(...b.events));
    c.listen();
    this.connection = c;
  }

  static start(): FakeEditor {
    return new FakeEditor(fork(join(ROOT, 'src', 'host', 'main.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: ROOT }));
  }

  /** vscode.lm's rules, then the scripted answer streamed as lmText notifications. */
  private async chat(p: LmChatParams, token: CancellationToken): Promise<LmChatResult> {
    this.chats.push(p);
    if (p.vendor !== 'copilot' || p.family !== 'gpt-4o') throw new ResponseError(-32060, `no language model ${p.vendor}/${p.family} in this editor`);
    for (const t of p.tools) if (!/^[\w-]+$/.test(t.name)) throw new ResponseError(-32060, `Invalid tool name "${t.name}"`);
    let open = new Set<string>();
    for (const m of p.messages) {
      for (const part of m.parts) {
        if (part.type === 'toolResult' && (m.role !== 'user' || !open.has(part.callId))) throw new ResponseError(-32060, `tool result ${part.callId} answers no tool call`);
      }
      open = new Set(m.role === 'assistant' ? m.parts.flatMap((x) => (x.type === 'toolCall' ? [x.callId] : [])) : []);
    }
    const turn = this.turns.shift() ?? { text: 'no more turns' };
    const text = turn.text ?? '';
    for (let i = 0; i < text.length; i += 4) {
      if (token.isCancellationRequested) break;
      void this.connection.sendNotification(toHostModels.lmText, { requestId: p.requestId, text: text.slice(i, i + 4) });
    }
    if (turn.stall) {
      await new Promise<void>((resolveStall) => token.onCancellationRequested(() => resolveStall()));
      this.cancelled.push(p.requestId);
      throw new ResponseError(-32800, 'Canceled');
    }
    const parts: LmChatResult['parts'] = [...(text ? [{ type: 'text' as const, text }] : []), ...(turn.toolCalls ?? []).map((c) => ({ type: 'toolCall' as const, ...c }))];
    // countTokens of this fake: one token per 4 characters
    const input = Math.ceil((p.system.length + JSON.stringify(p.messages).length + JSON.stringify(p.tools).length) / 4);
    return { model: 'copilot-gpt-4o', parts, inputTokens: input, outputTokens: Math.ceil(JSON.stringify(parts).length / 4) };
  }

  state(): Promise<StateSnapshot> {
    return this.connection.sendRequest(toHost.state);
  }

  async until<T>(what: string, probe: (s: StateSnapshot) => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe(await this.state());
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; host log:\n${this.stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.connection.sendRequest(toHost.shutdown).catch(() => undefined);
    this.connection.dispose();
    if (this.child.connected) this.child.disconnect();
    await exited;
  }
}

function params(workspace: string, dbPath: string): InitializeParams {
  return {
    workspace, dbPath, askAtOrAbove: 'medium', approvalTimeoutMs: 60_000,
    scheduler: { policy: 'priority', maxConcurrent: 4, requestsPerMinute: null, tokensPerMinute: null },
    globalMemoryBytes: 512 * 2 ** 20, agentQuotaBytes: 64 * 2 ** 20,
    sandbox: { enabled: false, image: null, dockerHost: null, memoryBytes: 256 * 2 ** 20, cpus: 1, pids: 128 },
    models: { anthropicBaseUrl: '', anthropicHeaders: {}, endpoints: {}, models: {} },
  };
}

function spawn(extra: Partial<SpawnParams> = {}): SpawnParams {
  return {
    task: 'Say what README.md is about', role: 'reviewer', priority: 50, model: 'vscode-lm:copilot/gpt-4o',
    budgets: { tokens: 200_000, dollars: null, steps: 10 }, context: { tokens: 100_000, high: 0.9, low: 0.7 },
    capabilities: ['fs.read'], parent: null, ...extra,
  };
}

describe('vscode.lm through the kernel host and a fake extension side (protocol boundary)', function () {
  this.timeout(30_000);
  let dir: string;
  let workspace: string;
  let editor: FakeEditor | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aios-lm-'));
    workspace = join(dir, 'ws');
    cpSync(join(ROOT, 'demo'), workspace, { recursive: true });
  });
  afterEach(async () => {
    await editor?.stop();
    editor = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('an agent thinks with the editor\'s model: streamed text, a tool call run by the kernel, its result sent back, tokens counted, no dollars', async () => {
    editor = FakeEditor.start();
    await editor.connection.sendRequest(toHost.initialize, params(workspace, join(dir, 'aios.db')));
    editor.turns = [
      { text: 'Let me read it.', toolCalls: [{ callId: 'tc_1', name: 'read_file', input: { path: 'README.md' } }] },
      { text: 'It describes the demo project.' },
    ];
    const agent = await editor.connection.sendRequest(toHost.spawn, spawn());
    assert.equal(agent.billing, 'tokens-only');
    const done = await editor.until('the agent to finish', (s) => s.agents.find((a) => a.pid === agent.pid && ['done', 'failed'].includes(a.state)));
    assert.equal(done.state, 'done', done.reason ?? '');
    assert.equal(done.result, 'It describes the demo project.');
    assert.equal(editor.chats.length, 2);
    const second = editor.chats[1]!;
    assert.ok(JSON.stringify(second.messages[0]).includes('Say what README.md is about'), 'the task goes along');
    const result = second.messages.flatMap((m) => m.parts).find((x) => x.type === 'toolResult');
    assert.ok(result && result.type === 'toolResult' && result.callId === 'tc_1' && !result.isError, `the tool result answers the call: ${JSON.stringify(result)}`);
    assert.ok(done.usage.inputTokens > 0 && done.usage.outputTokens > 0, 'countTokens figures reach the budget');
    assert.equal(done.usage.dollars, 0);
    assert.equal(done.usage.steps, 2);
    // Events reach the extension in batches (at most one per 100 ms): the last batch may come after `done` is visible.
    await editor.until('the agent.output event to reach the extension', () => (editor!.events.some((e) => e.type === 'agent.output') ? true : undefined));
  });

  it('a dollar budget on a VS Code language model is refused at spawn, saying to budget tokens and requests', async () => {
    editor = FakeEditor.start();
    await editor.connection.sendRequest(toHost.initialize, params(workspace, join(dir, 'aios.db')));
    const err = await editor.connection.sendRequest(toHost.spawn, spawn({ budgets: { tokens: null, dollars: 2, steps: null } })).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /reports no dollar cost.*budget it in tokens and steps \(requests\)/);
    assert.equal((await editor.state()).agents.length, 0);
  });

  it('kill mid-stream cancels the editor\'s request', async () => {
    editor = FakeEditor.start();
    await editor.connection.sendRequest(toHost.initialize, params(workspace, join(dir, 'aios.db')));
    editor.turns = [{ text: 'Thinking very slowly', stall: true }];
    const agent = await editor.connection.sendRequest(toHost.spawn, spawn());
    await editor.until('the request to reach the editor', () => (editor!.chats.length ? true : undefined));
    await editor.connection.sendRequest(toHost.kill, { pid: agent.pid });
    await editor.until('the editor to see the cancellation', () => (editor!.cancelled.length ? true : undefined));
    const killed = await editor.until('killed', (s) => s.agents.find((a) => a.pid === agent.pid && a.state === 'killed'));
    assert.equal(killed.usage.steps, 0);
  });

  it('a model the editor does not have fails the agent with the editor\'s reason', async () => {
    editor = FakeEditor.start();
    await editor.connection.sendRequest(toHost.initialize, params(workspace, join(dir, 'aios.db')));
    const agent = await editor.connection.sendRequest(toHost.spawn, spawn({ model: 'vscode-lm:copilot/gpt-9' }));
    const failed = await editor.until('the agent to fail', (s) => s.agents.find((a) => a.pid === agent.pid && a.state === 'failed'));
    assert.match(failed.reason ?? '', /VS Code language model copilot\/gpt-9: no language model copilot\/gpt-9 in this editor/);
  });

  it('the configured-model list comes from the host; an unknown price shows as null (—), never 0', async () => {
    editor = FakeEditor.start();
    const p = params(workspace, join(dir, 'aios.db'));
    p.models!.endpoints['work'] = { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'none', models: ['qwen3-coder'], supportsTools: true, facts: {} };
    await editor.connection.sendRequest(toHost.initialize, p);
    const models = await editor.connection.sendRequest(toHostModels.models);
    const work = models.find((m) => m.spec === 'work:qwen3-coder');
    assert.ok(work);
    assert.equal(work.price, null);
    assert.equal(work.ready, true);
    assert.ok(models.find((m) => m.spec === 'ollama:qwen3:8b')?.price?.input === 0);
    const openai = models.find((m) => m.spec === 'openai:gpt-4.1');
    assert.equal(openai?.ready, !!process.env['OPENAI_API_KEY']);
  });
});
