/**
 * AnthropicProvider through the real @anthropic-ai/sdk against the local Messages API server.
 * Nothing here talks to a real model: every answer comes from the server's script.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnthropicProvider, MissingApiKeyError, type AnthropicProviderOptions } from '../../src/llm/anthropic';
import type { LlmMessage, LlmRequest } from '../../src/kernel/ports/llm';
import { RateLimitedError } from '../../src/kernel/ports/llm';
import { startMessagesServer, type MessagesServer } from '../support/messagesServer';
import { until, within } from '../support/waits';

const KEY = 'sk-ant-test-SECRET-7f3a9c';
// Not a deprecated id: the SDK prints a console warning for deprecated ones (claude-sonnet-4-5).
const MODEL = 'claude-sonnet-4-6';
const LONG_SYSTEM = 'You are a careful coding agent working in a VS Code workspace. '.repeat(80); // ~5 000 chars, over 1 024 tokens

const TOOLS = [
  { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'write_file', description: 'Write a file', inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } } },
];

function user(text: string): LlmMessage {
  return { role: 'user', content: [{ type: 'text', text }] };
}
function assistant(text: string): LlmMessage {
  return { role: 'assistant', content: [{ type: 'text', text }] };
}

function request(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: MODEL,
    session: '1',
    system: LONG_SYSTEM,
    tools: TOOLS,
    messages: [user('Add a README')],
    maxTokens: 1024,
    cache: { system: false, messages: [] },
    ...overrides,
  };
}

describe('AnthropicProvider against the local Messages API server', () => {
  let server: MessagesServer;
  let sleeps: number[];
  let logs: string[];

  function provider(options: AnthropicProviderOptions = {}): AnthropicProvider {
    return new AnthropicProvider({
      apiKey: KEY,
      baseURL: server.url,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      log: (_level, message) => void logs.push(message),
      ...options,
    });
  }

  beforeEach(async () => {
    server = await startMessagesServer();
    sleeps = [];
    logs = [];
  });
  afterEach(async () => {
    await server.close();
  });

  describe('answers', () => {
    it('streams text to onText in several deltas and returns the whole text', async () => {
      const text = 'I will add a README with install and usage sections.';
      server.push({ text });
      const deltas: string[] = [];
      const response = await provider().call(request(), { onText: (d) => deltas.push(d) });

      assert.ok(deltas.length > 3, `expected several deltas, got ${deltas.length}`);
      assert.equal(deltas.join(''), text);
      assert.deepEqual(response.content, [{ type: 'text', text }]);
      assert.equal(response.stopReason, 'end_turn');
      assert.equal(response.scripted, false);
      const sent = server.requests[0]!;
      assert.equal(sent.body!['stream'], true);
      assert.equal(sent.apiKey, KEY);
      assert.equal(sent.body!['model'], MODEL);
    });

    it('round-trips a tool call: tool_use out, tool_result (with is_error) back in', async () => {
      server.push({ text: 'Writing it.', toolCalls: [{ id: 'toolu_01', name: 'write_file', input: { path: 'README.md', content: '# Demo' } }] });
      const first = await provider().call(request());
      assert.equal(first.stopReason, 'tool_use');
      assert.deepEqual(first.content[1], { type: 'tool_use', id: 'toolu_01', name: 'write_file', input: { path: 'README.md', content: '# Demo' } });
      assert.deepEqual(first.malformed, []);

      server.push({ text: 'Done.' });
      const messages: LlmMessage[] = [
        user('Add a README'),
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', toolUseId: 'toolu_01', content: 'permission denied', isError: true }] },
      ];
      const second = await provider().call(request({ messages }));
      assert.deepEqual(second.content, [{ type: 'text', text: 'Done.' }]);

      const sent = server.requests[1]!.body!['messages'] as Array<{ content: Array<Record<string, unknown>> }>;
      assert.deepEqual(sent[1]!.content[1], { type: 'tool_use', id: 'toolu_01', name: 'write_file', input: { path: 'README.md', content: '# Demo' } });
      assert.deepEqual(sent[2]!.content[0], { type: 'tool_result', tool_use_id: 'toolu_01', content: 'permission denied', is_error: true });
      const tools = server.requests[1]!.body!['tools'] as Array<Record<string, unknown>>;
      assert.deepEqual(tools.map((t) => t['name']), ['read_file', 'write_file']);
      assert.deepEqual(tools[0]!['input_schema'], { type: 'object', properties: { path: { type: 'string' } } });
    });

    it('returns tool input that is not JSON in `malformed` with the raw text, and the conversation stays valid', async () => {
      const raw = '{"path": "README.md", "content": "# Dem';
      server.push({ toolCalls: [{ id: 'toolu_bad', name: 'write_file', rawInput: raw }] });
      const response = await provider().call(request());

      assert.equal(response.malformed.length, 1);
      assert.equal(response.malformed[0]!.id, 'toolu_bad');
      assert.equal(response.malformed[0]!.name, 'write_file');
      assert.equal(response.malformed[0]!.raw, raw);
      assert.ok(response.malformed[0]!.error.length > 0);
      assert.deepEqual(response.content, [{ type: 'tool_use', id: 'toolu_bad', name: 'write_file', input: {} }]);

      // Answering it with an error result is a request the API accepts (the server checks the pairing).
      server.push({ text: 'Retrying with valid JSON.' });
      const next = await provider().call(request({
        messages: [
          user('Add a README'),
          { role: 'assistant', content: response.content },
          { role: 'user', content: [{ type: 'tool_result', toolUseId: 'toolu_bad', content: 'input was not valid JSON', isError: true }] },
        ],
      }));
      assert.equal(next.stopReason, 'end_turn');
    });

    it('asks for thinking when the model setting says +thinking, and hands thinking blocks back verbatim, even from a new provider', async () => {
      const thinkingModel = `${MODEL}+thinking=2048`;
      server.push({ thinking: 'The user wants a README: write it with one call.', text: 'Writing.', toolCalls: [{ id: 'toolu_t', name: 'write_file', input: { path: 'README.md' } }] });
      const first = await provider().call(request({ model: thinkingModel, maxTokens: 1024 }));
      assert.deepEqual(first.content.map((b) => b.type), ['thinking', 'text', 'tool_use']);
      const asked = server.requests[0]!.body!;
      assert.equal(asked['model'], MODEL, 'the +thinking suffix is a setting, not part of the model id');
      assert.deepEqual(asked['thinking'], { type: 'enabled', budget_tokens: 2048 });
      assert.ok((asked['max_tokens'] as number) > 2048, 'max_tokens is raised above the thinking budget, as the API requires');
      assert.equal(first.model, MODEL);

      // A fresh provider (as after a host restart, with the turn restored from SQLite) sends the
      // stored blocks back, and the API accepts the tool-use cycle.
      server.push({ text: 'Done.' });
      const messages: LlmMessage[] = [
        user('Add a README'),
        { role: 'assistant', content: JSON.parse(JSON.stringify(first.content)) as LlmMessage['content'] },
        { role: 'user', content: [{ type: 'tool_result', toolUseId: 'toolu_t', content: 'ok', isError: false }] },
      ];
      const second = await provider().call(request({ model: thinkingModel, messages, cache: { system: false, messages: [1] } }));
      assert.deepEqual(second.content, [{ type: 'text', text: 'Done.' }]);
      const sent = (server.requests[1]!.body!['messages'] as Array<{ content: Array<Record<string, unknown>> }>)[1]!.content;
      assert.deepEqual(sent.map((b) => b['type']), ['thinking', 'text', 'tool_use']);
      assert.equal(sent[0]!['thinking'], 'The user wants a README: write it with one call.');
      assert.equal(sent[0]!['cache_control'], undefined, 'a breakpoint never lands on a thinking block');
      assert.deepEqual(sent[2]!['cache_control'], { type: 'ephemeral' });

      // Without the thinking block the API refuses the cycle: this is why the pager keeps them.
      server.push({ text: 'unused' });
      const stripped: LlmMessage[] = [messages[0]!, { role: 'assistant', content: first.content.filter((b) => b.type !== 'thinking') }, messages[2]!];
      const error = await provider({ maxRetries: 0 }).call(request({ model: thinkingModel, messages: stripped })).then(() => null, (e: unknown) => e as Error);
      assert.match(error!.message, /400 invalid_request_error: .*must start with a thinking block/);
    });

    it('does not ask for thinking without +thinking, and the server never returns thinking unasked', async () => {
      server.push({ text: 'plain' });
      await provider().call(request());
      assert.equal(server.requests[0]!.body!['thinking'], undefined);
      server.push({ thinking: 'unasked', text: 'x' });
      const error = await provider({ maxRetries: 0 }).call(request()).then(() => null, (e: unknown) => e as Error);
      assert.match(error!.message, /did not ask for thinking/);
    });

    it('refuses a thinking budget the API would refuse, before calling it', async () => {
      const error = await provider().call(request({ model: `${MODEL}+thinking=500` })).then(() => null, (e: unknown) => e as Error);
      assert.match(error!.message, /at least 1024/);
      assert.equal(server.requests.length, 0);
    });

    it('computes the cost from the usage the server reports', async () => {
      server.push({ text: 'x'.repeat(400) });
      const response = await provider().call(request({ cache: { system: true, messages: [] } }));
      const u = response.usage;
      assert.ok(u.inputTokens > 0 && u.outputTokens === 100 && u.cacheWriteTokens > 0);
      const expected = (u.inputTokens * 3 + u.outputTokens * 15 + u.cacheWriteTokens * 3.75 + u.cacheReadTokens * 0.3) / 1e6;
      assert.ok(Math.abs(response.costUsd - expected) < 1e-12, `${response.costUsd} vs ${expected}`);
      assert.equal(response.model, MODEL);
    });

    it('costs an unknown model 0 and warns once instead of guessing', async () => {
      server.push({ text: 'a' }, { text: 'b' });
      const p = provider();
      const first = await p.call(request({ model: 'claude-sonnet-9-9' }));
      await p.call(request({ model: 'claude-sonnet-9-9' }));
      assert.equal(first.costUsd, 0);
      assert.equal(logs.filter((l) => l.includes("No price known for model 'claude-sonnet-9-9'")).length, 1);
    });
  });

  describe('prompt caching', () => {
    type Block = Record<string, unknown>;
    const marked = (blocks: Block[] | undefined): number[] =>
      (blocks ?? []).flatMap((b, i) => (b['cache_control'] ? [i] : []));

    it('puts breakpoints on the last tool and the system prompt when cache.system is set', async () => {
      server.push({ text: 'ok' });
      await provider().call(request({ cache: { system: true, messages: [0] } }));
      const body = server.requests[0]!.body!;
      assert.deepEqual(marked(body['tools'] as Block[]), [1]);
      assert.deepEqual(marked(body['system'] as Block[]), [0]);
      assert.deepEqual((body['system'] as Block[])[0]!['cache_control'], { type: 'ephemeral' });
      const messages = body['messages'] as Array<{ content: Block[] }>;
      assert.deepEqual(marked(messages[0]!.content), [0]);
    });

    it('sends at most 4 breakpoints, keeping the latest, on the last block of each listed message', async () => {
      server.push({ text: 'ok' });
      const messages = [user('m0'), assistant('m1'), user('m2'), { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'm3a' }, { type: 'text' as const, text: 'm3b' }] }, user('m4')];
      await provider().call(request({ messages, cache: { system: true, messages: [0, 1, 3, 4] } }));
      const body = server.requests[0]!.body!;
      const sent = body['messages'] as Array<{ content: Block[] }>;
      const all = marked(body['tools'] as Block[]).length + marked(body['system'] as Block[]).length +
        sent.reduce((n, m) => n + marked(m.content).length, 0);
      assert.equal(all, 4);
      assert.deepEqual(marked(body['tools'] as Block[]), [], 'the earliest breakpoints (tools, system) give way');
      assert.deepEqual(marked(body['system'] as Block[]), []);
      assert.deepEqual(sent.map((m) => marked(m.content)), [[0], [0], [], [1], [0]]);
    });

    it('reports the cache reads and writes the API counted, and prices a read cheaper than a write', async () => {
      server.push({ text: 'one' }, { text: 'two' });
      const p = provider();
      const req = request({ cache: { system: true, messages: [0] } });
      const first = await p.call(req);
      const second = await p.call(req);
      // The numbers come from the server's message_start event; the provider must carry them over as they are.
      for (const [response, recorded] of [[first, server.requests[0]!], [second, server.requests[1]!]] as const) {
        assert.deepEqual(
          { read: response.usage.cacheReadTokens, write: response.usage.cacheWriteTokens, input: response.usage.inputTokens },
          { read: recorded.cache!.cache_read_input_tokens, write: recorded.cache!.cache_creation_input_tokens, input: recorded.cache!.input_tokens },
        );
      }
      assert.ok(first.usage.cacheWriteTokens > 0 && second.usage.cacheReadTokens > 0, 'the second identical call is a cache read');
      assert.ok(second.costUsd < first.costUsd, 'a cache read costs less than the write');
    });

    it("keeps an agent's real prompt prefix stable from step to step, so each step reads the previous one's cache", async () => {
      const { KernelSession } = await import('../../src/session/kernelSession');
      const dir = mkdtempSync(join(tmpdir(), 'aios-cache-'));
      mkdirSync(join(dir, 'ws'));
      writeFileSync(join(dir, 'ws', 'notes.md'), 'line\n'.repeat(50));
      server.push(
        { text: 'Reading.', toolCalls: [{ name: 'read_file', input: { path: 'notes.md' } }] },
        { text: 'Listing.', toolCalls: [{ name: 'list_dir', input: { path: '.' } }] },
        { text: 'Reading again.', toolCalls: [{ name: 'search_text', input: { query: 'line' } }] },
        { text: 'Done.' },
      );
      const session = KernelSession.open({
        dbPath: join(dir, 'aios.db'), workspace: join(dir, 'ws'), sandbox: false, controlPollMs: 0,
        approvals: { ask: () => Promise.resolve({ decision: 'deny', reason: 'test' }) },
        providers: { anthropic: { apiKey: KEY, baseURL: server.url, log: () => {} } },
      });
      try {
        // A long task keeps the stable prefix above the model's minimum cacheable length.
        const task = 'Summarise the notes for the team. ' + 'Keep every heading and every list. '.repeat(200);
        const { pid } = session.kernel.spawn({ task, model: MODEL });
        await session.runtime.idle();
        assert.equal(session.kernel.agents.get(pid).state, 'done', session.kernel.agents.get(pid).reason ?? '');
      } finally {
        await session.close();
      }
      const steps = server.requests.filter((r) => r.cache);
      assert.equal(steps.length, 4);
      for (const [i, step] of steps.entries()) {
        if (i === 0) continue;
        const read = step.cache!.cache_read_input_tokens;
        const before = steps[i - 1]!.cache!;
        assert.ok(read >= before.cache_read_input_tokens + before.cache_creation_input_tokens,
          `step ${i + 1} reads ${read} cached tokens, less than step ${i} had cached: the prompt prefix changed between steps`);
      }
    });
  });

  describe('retries', () => {
    it('honours retry-after on 429, tells onRetry, then succeeds', async () => {
      server.fail(2, { kind: 'status', status: 429, headers: { 'retry-after': '2' } });
      server.push({ text: 'finally' });
      const retries: Array<{ status: number; retryAfterMs: number; attempt: number }> = [];
      const response = await provider().call(request(), { onRetry: (info) => retries.push(info) });

      assert.deepEqual(response.content, [{ type: 'text', text: 'finally' }]);
      assert.deepEqual(retries, [
        { status: 429, retryAfterMs: 2000, attempt: 1 },
        { status: 429, retryAfterMs: 2000, attempt: 2 },
      ]);
      assert.deepEqual(sleeps, [2000, 2000]);
      assert.equal(server.requests.length, 3);
      assert.equal(server.requests[0]!.headers['x-stainless-retry-count'], '0', 'the SDK itself does not retry');
    });

    it('prefers retry-after-ms when the server sends it', async () => {
      server.fail(1, { kind: 'status', status: 429, headers: { 'retry-after': '9', 'retry-after-ms': '1250' } });
      server.push({ text: 'ok' });
      await provider().call(request());
      assert.deepEqual(sleeps, [1250]);
    });

    it('throws RateLimitedError with retryAfterMs when 429s outlast the retries', async () => {
      server.fail(10, { kind: 'status', status: 429, headers: { 'retry-after': '3' } });
      const error = await provider({ maxRetries: 2 }).call(request()).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof RateLimitedError, `got ${String(error)}`);
      assert.equal(error.retryAfterMs, 3000);
      assert.match(error.message, /429/);
      assert.equal(server.requests.length, 3);
    });

    it('fails a 429 at once when the server asks for a wait longer than the provider will sleep', async () => {
      server.fail(10, { kind: 'status', status: 429, headers: { 'retry-after': '600' } });
      const error = await provider().call(request()).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 600_000);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(sleeps, []);
    });

    it('does not retry a 429 for a spent monthly limit', async () => {
      server.fail(10, { kind: 'status', status: 429, errorCode: 'enforced_spend_limit_reached', message: 'spend limit reached' });
      const error = await provider().call(request()).then(() => null, (e: unknown) => e as Error);
      assert.ok(error && !(error instanceof RateLimitedError));
      assert.match(error.message, /monthly spend limit/);
      assert.equal(server.requests.length, 1);
    });

    it('retries 500 twice with exponential back-off, then succeeds', async () => {
      server.fail(2, { kind: 'status', status: 500 });
      server.push({ text: 'recovered' });
      const statuses: number[] = [];
      const response = await provider().call(request(), { onRetry: (info) => statuses.push(info.status) });
      assert.deepEqual(response.content, [{ type: 'text', text: 'recovered' }]);
      assert.deepEqual(statuses, [500, 500]);
      assert.deepEqual(sleeps, [750, 1500], 'base 1 s doubling, jitter fixed at 0.5');
    });

    it('retries 529 and an overloaded_error inside the stream', async () => {
      server.fail(1, { kind: 'status', status: 529 });
      server.fail(1, { kind: 'stream-error', errorType: 'overloaded_error' });
      server.push({ text: 'ok' });
      const statuses: number[] = [];
      const response = await provider().call(request(), { onRetry: (info) => statuses.push(info.status) });
      assert.deepEqual(statuses, [529, 529]);
      assert.equal(response.stopReason, 'end_turn');
    });

    it('gives up on 5xx after the retries with the status and what to do', async () => {
      server.fail(10, { kind: 'status', status: 503 });
      const error = await provider({ maxRetries: 1 }).call(request()).then(() => null, (e: unknown) => e as Error);
      assert.ok(error && !(error instanceof RateLimitedError));
      assert.match(error.message, /503/);
      assert.match(error.message, /try again later/);
    });

    it('does not retry a 400', async () => {
      server.fail(1, { kind: 'status', status: 400, message: 'messages: roles must alternate' });
      const error = await provider().call(request()).then(() => null, (e: unknown) => e as Error);
      assert.match(error!.message, /400 invalid_request_error: messages: roles must alternate/);
      assert.equal(server.requests.length, 1);
    });
  });

  describe('abort', () => {
    it('cancels a request that hangs before any answer, within a second', async () => {
      server.fail(1, { kind: 'hang', stage: 'before-headers' });
      const controller = new AbortController();
      const pending = provider().call(request({ signal: controller.signal }));
      await server.waitForRequests(1);
      controller.abort();
      // The server never answers: only the abort ends the call.
      const error = await within(pending.then(() => null, (e: unknown) => e as Error), 1000, 'the aborted call ending');
      assert.equal(error?.name, 'AbortError');
      await until(() => server.requests[0]!.clientClosed, 'the connection closing', 1000);
    });

    it('cancels a stream that stalls mid-answer instead of returning a cut-off answer', async () => {
      server.fail(1, { kind: 'hang', stage: 'mid-stream' });
      server.push({ text: 'This answer never finishes.' });
      const controller = new AbortController();
      const pending = provider().call(request({ signal: controller.signal }), { onText: () => controller.abort() });
      const error = await pending.then(() => null, (e: unknown) => e as Error);
      assert.equal(error?.name, 'AbortError');
      await until(() => server.requests[0]!.clientClosed, 'the connection closing', 1000);
    });

    it('cuts a retry wait short', async () => {
      server.fail(1, { kind: 'status', status: 429, headers: { 'retry-after': '30' } });
      const controller = new AbortController();
      const p = new AnthropicProvider({ apiKey: KEY, baseURL: server.url, log: () => {} }); // real sleep
      // retry-after is 30 s: only the abort, sent once the wait has begun, ends the call within 1.
      const call = p.call(request({ signal: controller.signal }), { onRetry: () => setImmediate(() => controller.abort()) })
        .then(() => null, (e: unknown) => e as Error);
      const error = await within(call, 1000, 'the aborted retry wait ending');
      assert.equal(error?.name, 'AbortError');
    });
  });

  describe('the API key', () => {
    const saved = process.env['ANTHROPIC_API_KEY'];
    afterEach(() => {
      if (saved === undefined) delete process.env['ANTHROPIC_API_KEY'];
      else process.env['ANTHROPIC_API_KEY'] = saved;
    });

    it('fails with one clear message when no key is set, without calling the API', async () => {
      delete process.env['ANTHROPIC_API_KEY'];
      const p = new AnthropicProvider({ baseURL: server.url });
      const error = await p.call(request()).then(() => null, (e: unknown) => e as Error);
      assert.ok(error instanceof MissingApiKeyError);
      assert.match(error.message, /ANTHROPIC_API_KEY/);
      assert.match(error.message, /AIOS: Set API Key/);
      assert.equal(server.requests.length, 0);
    });

    it('reads the key from ANTHROPIC_API_KEY', async () => {
      process.env['ANTHROPIC_API_KEY'] = 'sk-from-env';
      server.push({ text: 'ok' });
      await new AnthropicProvider({ baseURL: server.url }).call(request());
      assert.equal(server.requests[0]!.apiKey, 'sk-from-env');
    });

    it('never appears in error messages or logs, however the server fails', async () => {
      const failures: Array<[string, () => void]> = [
        ['401 echoing the key', () => server.fail(1, { kind: 'status', status: 401, errorType: 'authentication_error', message: 'invalid x-api-key', echoKey: true })],
        ['400 echoing the key', () => server.fail(1, { kind: 'status', status: 400, echoKey: true })],
        ['500 forever echoing the key', () => server.fail(10, { kind: 'status', status: 500, echoKey: true })],
        ['429 forever echoing the key', () => server.fail(10, { kind: 'status', status: 429, echoKey: true, headers: { 'retry-after': '1' } })],
        ['stream error echoing the key', () => server.fail(10, { kind: 'stream-error', errorType: 'api_error', message: 'boom', echoKey: true })],
      ];
      for (const [name, arrange] of failures) {
        arrange();
        const before = server.requests.length;
        const error = await provider({ maxRetries: 1 }).call(request()).then(() => null, (e: unknown) => e as Error);
        assert.ok(error, `${name}: expected a failure`);
        assert.equal(server.requests[before]!.apiKey, KEY, `${name}: the server did see the key`);
        assertKeyFree(name, error);
        server.clearFaults();
      }
      assert.ok(logs.length > 0);
      for (const line of logs) assert.ok(!line.includes(KEY), `log line leaks the key: ${line}`);

      // Unreachable server: the connection error must not carry it either.
      const url = server.url;
      await server.close();
      const unreachable = await new AnthropicProvider({ apiKey: KEY, baseURL: url, maxRetries: 0, log: () => {} })
        .call(request()).then(() => null, (e: unknown) => e as Error);
      assert.match(unreachable!.message, /Could not reach the Anthropic API/);
      assertKeyFree('connection refused', unreachable!);
      server = await startMessagesServer(); // for afterEach
    });
  });
});

function assertKeyFree(name: string, error: Error): void {
  const props = Object.getOwnPropertyNames(error).map((p) => String((error as unknown as Record<string, unknown>)[p]));
  for (const text of [error.message, String(error.stack), ...props]) {
    assert.ok(!text.includes(KEY), `${name}: the key leaks in ${text.slice(0, 200)}`);
  }
}


