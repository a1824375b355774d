/**
 * AnthropicProvider through the real @anthropic-ai/sdk against the local Messages API server.
 * Nothing here talks to a real model: every answer comes from the server's script.
 */
import assert from 'node:assert/strict';
import { AnthropicProvider, MissingApiKeyError, type AnthropicProviderOptions } from '../../src/llm/anthropic';
import type { LlmMessage, LlmRequest } from '../../src/kernel/ports';
import { RateLimitedError } from '../../src/kernel/ports';
import { startMessagesServer, type MessagesServer } from '../support/messagesServer';

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

    it('keeps thinking blocks in the content and hands them back verbatim, even from a new provider', async () => {
      server.push({ thinking: 'The user wants a README: write it with one call.', text: 'Writing.', toolCalls: [{ id: 'toolu_t', name: 'write_file', input: { path: 'README.md' } }] });
      const first = await provider().call(request());
      assert.deepEqual(first.content.map((b) => b.type), ['thinking', 'text', 'tool_use']);

      // A fresh provider (as after a host restart, with the turn restored from SQLite) sends the
      // stored blocks back, and the API accepts the tool-use cycle.
      server.push({ text: 'Done.' });
      const messages: LlmMessage[] = [
        user('Add a README'),
        { role: 'assistant', content: JSON.parse(JSON.stringify(first.content)) as LlmMessage['content'] },
        { role: 'user', content: [{ type: 'tool_result', toolUseId: 'toolu_t', content: 'ok', isError: false }] },
      ];
      const second = await provider().call(request({ messages, cache: { system: false, messages: [1] } }));
      assert.deepEqual(second.content, [{ type: 'text', text: 'Done.' }]);
      const sent = (server.requests[1]!.body!['messages'] as Array<{ content: Array<Record<string, unknown>> }>)[1]!.content;
      assert.deepEqual(sent.map((b) => b['type']), ['thinking', 'text', 'tool_use']);
      assert.equal(sent[0]!['thinking'], 'The user wants a README: write it with one call.');
      assert.equal(sent[0]!['cache_control'], undefined, 'a breakpoint never lands on a thinking block');
      assert.deepEqual(sent[2]!['cache_control'], { type: 'ephemeral' });

      // Without the thinking block the API refuses the cycle: this is why the pager keeps them.
      server.push({ text: 'unused' });
      const stripped: LlmMessage[] = [messages[0]!, { role: 'assistant', content: first.content.filter((b) => b.type !== 'thinking') }, messages[2]!];
      const error = await provider({ maxRetries: 0 }).call(request({ messages: stripped })).then(() => null, (e: unknown) => e as Error);
      assert.match(error!.message, /400 invalid_request_error: .*must start with a thinking block/);
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

    it('reads the cached prefix on a second identical call', async () => {
      server.push({ text: 'one' }, { text: 'two' });
      const p = provider();
      const req = request({ cache: { system: true, messages: [0] } });
      const first = await p.call(req);
      const second = await p.call(req);
      assert.equal(first.usage.cacheReadTokens, 0);
      assert.ok(first.usage.cacheWriteTokens > 1024, `first call writes the prefix, got ${first.usage.cacheWriteTokens}`);
      assert.equal(second.usage.cacheReadTokens, first.usage.cacheWriteTokens);
      assert.equal(second.usage.cacheWriteTokens, 0);
      assert.ok(second.costUsd < first.costUsd, 'a cache hit is cheaper');
    });

    it('hits the previous step through a rolling message breakpoint', async () => {
      server.push({ text: 'one' }, { text: 'two' });
      const p = provider();
      const first = await p.call(request({ messages: [user('step 1')], cache: { system: true, messages: [0] } }));
      const grown = [user('step 1'), assistant('one'), user('step 2')];
      const second = await p.call(request({ messages: grown, cache: { system: true, messages: [2] } }));
      assert.equal(second.usage.cacheReadTokens, first.usage.cacheWriteTokens, 'the prefix up to step 1 is read back');
      assert.ok(second.usage.cacheWriteTokens > 0, 'the new tail is written');
    });

    it('writes the cache again after the 5-minute TTL, and a hit refreshes the TTL', async () => {
      server.push({ text: '1' }, { text: '2' }, { text: '3' }, { text: '4' });
      const p = provider();
      const req = request({ cache: { system: true, messages: [] } });
      const written = await p.call(req);
      server.advance(4 * 60_000);
      const hit = await p.call(req); // 4 min: a hit, which refreshes the entry
      server.advance(4 * 60_000);
      const refreshed = await p.call(req); // 8 min after the write, 4 after the hit
      server.advance(6 * 60_000);
      const expired = await p.call(req);

      assert.ok(hit.usage.cacheReadTokens > 0);
      assert.equal(refreshed.usage.cacheReadTokens, written.usage.cacheWriteTokens);
      assert.equal(expired.usage.cacheReadTokens, 0);
      assert.equal(expired.usage.cacheWriteTokens, written.usage.cacheWriteTokens);
    });

    it('does not cache a prefix under the minimum length', async () => {
      server.push({ text: '1' }, { text: '2' });
      const p = provider();
      const req = request({ system: 'Short system prompt.', tools: [], cache: { system: true, messages: [] } });
      await p.call(req);
      const second = await p.call(req);
      assert.equal(second.usage.cacheReadTokens, 0);
      assert.equal(second.usage.cacheWriteTokens, 0);
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
      const started = Date.now();
      controller.abort();
      const error = await pending.then(() => null, (e: unknown) => e as Error);
      assert.equal(error?.name, 'AbortError');
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      await waitFor(() => server.requests[0]!.clientClosed);
    });

    it('cancels a stream that stalls mid-answer instead of returning a cut-off answer', async () => {
      server.fail(1, { kind: 'hang', stage: 'mid-stream' });
      server.push({ text: 'This answer never finishes.' });
      const controller = new AbortController();
      const pending = provider().call(request({ signal: controller.signal }), { onText: () => controller.abort() });
      const error = await pending.then(() => null, (e: unknown) => e as Error);
      assert.equal(error?.name, 'AbortError');
      await waitFor(() => server.requests[0]!.clientClosed);
    });

    it('cuts a retry wait short', async () => {
      server.fail(1, { kind: 'status', status: 429, headers: { 'retry-after': '30' } });
      const controller = new AbortController();
      const p = new AnthropicProvider({ apiKey: KEY, baseURL: server.url, log: () => {} }); // real sleep
      const started = Date.now();
      const error = await p.call(request({ signal: controller.signal }), { onRetry: () => setTimeout(() => controller.abort(), 20) })
        .then(() => null, (e: unknown) => e as Error);
      assert.equal(error?.name, 'AbortError');
      assert.ok(Date.now() - started < 1000);
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

async function waitFor(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
