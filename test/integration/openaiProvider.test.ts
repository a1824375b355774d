/**
 * OpenAiCompatProvider through the real `openai` package against the local Chat Completions
 * server (test/support/openaiServer.ts). Nothing here talks to a real model.
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { LlmMessage, LlmRequest } from '../../src/kernel/ports/llm';
import { RateLimitedError } from '../../src/kernel/ports/llm';
import { createProvider } from '../../src/llm/factory';
import { OpenAiCompatProvider, type OpenAiCompatOptions } from '../../src/llm/openaiCompat';
import { startOpenAiServer, type OpenAiServer } from '../support/openaiServer';

const KEY = 'sk-proj-test-SECRET-51c0ffee';
const TOOLS = [
  { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  { name: 'write_file', description: 'Write a file', inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } } },
];

const user = (text: string): LlmMessage => ({ role: 'user', content: [{ type: 'text', text }] });

function request(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return { model: 'gpt-4.1', session: '1', system: 'You are a coding agent.', tools: TOOLS, messages: [user('Add a README')], maxTokens: 1024, cache: { system: true, messages: [0] }, ...overrides };
}

describe('OpenAiCompatProvider against the local Chat Completions server', () => {
  let server: OpenAiServer;
  let sleeps: number[];
  let logs: string[];

  function provider(options: Partial<OpenAiCompatOptions> = {}): OpenAiCompatProvider {
    return new OpenAiCompatProvider({
      name: 'openai', baseURL: server.url, apiKey: KEY, keyHint: 'set OPENAI_API_KEY', price: { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 },
      sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, log: (_l, m) => void logs.push(m), ...options,
    });
  }

  beforeEach(async () => {
    server = await startOpenAiServer({ apiKey: KEY, chunk: 3 });
    sleeps = [];
    logs = [];
  });
  afterEach(() => server.close());

  it('streams text as it arrives and assembles tool calls whose arguments came split across chunks', async () => {
    server.push({ text: 'I will read it first.', toolCalls: [{ id: 'call_a', name: 'read_file', input: { path: 'src/main.ts' } }, { id: 'call_b', name: 'write_file', input: { path: 'README.md', content: 'hello "world"\n' } }] });
    const deltas: string[] = [];
    const res = await provider().call(request(), { onText: (d) => deltas.push(d) });
    assert.ok(deltas.length > 3, `text arrived in pieces (${deltas.length})`);
    assert.equal(deltas.join(''), 'I will read it first.');
    assert.deepEqual(res.content, [
      { type: 'text', text: 'I will read it first.' },
      { type: 'tool_use', id: 'call_a', name: 'read_file', input: { path: 'src/main.ts' } },
      { type: 'tool_use', id: 'call_b', name: 'write_file', input: { path: 'README.md', content: 'hello "world"\n' } },
    ]);
    assert.equal(res.stopReason, 'tool_use');
    assert.equal(res.scripted, false);
    const body = server.requests[0]!.body!;
    assert.deepEqual(body['stream_options'], { include_usage: true });
    assert.equal(server.requests[0]!.headers['authorization'], `Bearer ${KEY}`);
  });

  it('reads usage from the final chunk, counts cached prompt tokens as cache reads, and prices them', async () => {
    server.push({ text: 'done', promptTokens: 10_000, cachedTokens: 8_000, completionTokens: 500 });
    const res = await provider().call(request());
    assert.deepEqual(res.usage, { inputTokens: 2_000, outputTokens: 500, cacheReadTokens: 8_000, cacheWriteTokens: 0 });
    // 2 000 × $2 + 8 000 × $0.50 + 500 × $8 per million
    assert.ok(Math.abs(res.costUsd - (2_000 * 2 + 8_000 * 0.5 + 500 * 8) / 1e6) < 1e-12);
  });

  it('sends a whole tool-use conversation the strict server accepts: system, assistant tool_calls, tool answers, text', async () => {
    server.push({ toolCalls: [{ id: 'call_1', name: 'read_file', input: { path: 'a.txt' } }] }, { text: 'The file says hi.' });
    const p = provider();
    const first = await p.call(request());
    const messages: LlmMessage[] = [
      user('Read a.txt'),
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }, ...first.content] },
      { role: 'user', content: [{ type: 'tool_result', toolUseId: 'call_1', content: 'hi', isError: false }, { type: 'text', text: '(1 page swapped out)' }] },
    ];
    const second = await p.call(request({ messages }));
    assert.equal(second.content[0]?.type === 'text' && second.content[0].text, 'The file says hi.');
    const sent = server.requests[1]!.body!['messages'] as Array<Record<string, unknown>>;
    assert.deepEqual(sent.map((m) => m['role']), ['system', 'user', 'assistant', 'tool', 'user']);
    assert.equal(sent[3]!['tool_call_id'], 'call_1');
  });

  it('the local server rejects what the real API rejects (so the tests above prove something)', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
    const bad = async (messages: unknown[], tools?: unknown[]) => {
      const err = await client.chat.completions.create({ model: 'gpt-4.1', messages, tools, stream: true } as never).then(() => null, (e: Error) => e);
      assert.ok(err instanceof OpenAI.BadRequestError, `rejected: ${JSON.stringify(messages)}`);
      return err.message;
    };
    assert.match(await bad([{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_x', content: 'r' }]), /must be a response to a preceeding message with 'tool_calls'/);
    assert.match(await bad([{ role: 'user', content: 'hi' }, { role: 'assistant', content: null }]), /expected a string, got null/);
    assert.match(await bad([{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'user', content: 'next' }]), /did not have response messages: c1/);
    assert.match(await bad([{ role: 'user', content: 'hi' }], [{ type: 'function', function: { name: 'read file', parameters: { type: 'object' } } }]), /does not match pattern/);
    assert.match(await bad([{ role: 'user', content: 'hi' }], [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }]), /Invalid schema for function 'f'/);
  });

  it('retries a 429 after the server\'s retry-after, telling the scheduler, then answers', async () => {
    server.fail(2, { kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    server.push({ text: 'ok' });
    const retries: Array<{ status: number; retryAfterMs: number }> = [];
    const res = await provider().call(request(), { onRetry: (r) => retries.push(r) });
    assert.equal(res.content[0]?.type === 'text' && res.content[0].text, 'ok');
    assert.deepEqual(sleeps, [3000, 3000]);
    assert.deepEqual(retries.map((r) => [r.status, r.retryAfterMs]), [[429, 3000], [429, 3000]]);
  });

  it('gives up on 429s after its retries with a RateLimitedError the scheduler can park on', async () => {
    server.fail(3, { kind: 'status', status: 429, headers: { 'retry-after-ms': '1500' } });
    const err = await provider({ maxRetries: 2 }).call(request()).then(() => null, (e: Error) => e);
    assert.ok(err instanceof RateLimitedError);
    assert.equal(err.retryAfterMs, 1500);
    assert.match(err.message, /error 429.*[Rr]ate limited/);
  });

  it('retries a 5xx with back-off and answers; a 500 that persists says what failed', async () => {
    server.fail(1, { kind: 'status', status: 503 });
    server.push({ text: 'recovered' });
    const res = await provider().call(request());
    assert.equal(res.content[0]?.type === 'text' && res.content[0].text, 'recovered');
    assert.deepEqual(sleeps, [750]); // base 1 s, half fixed + half jitter at 0.5
    server.fail(5, { kind: 'status', status: 500 });
    const err = await provider({ maxRetries: 1 }).call(request()).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /openai at http:\/\/127\.0\.0\.1:\d+\/v1: error 500.*failed on its side/);
  });

  it('a malformed chunk is a clear error, not a crash or a half answer', async () => {
    server.fail(1, { kind: 'malformed', afterChunks: 3 });
    server.push({ text: 'hello there, this is long enough' });
    const err = await provider().call(request()).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /sent a stream AIOS cannot read: a chunk is not JSON.*OpenAI-compatible \/v1 endpoint/);
    assert.equal(server.requests.length, 1, 'text was already shown: not retried');
  });

  it('a stream that stops without finish_reason fails as incomplete', async () => {
    server.fail(1, { kind: 'drop', afterChunks: 2 });
    server.push({ text: 'partial answer here' });
    const err = await provider().call(request()).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /ended before the answer was complete/);
  });

  it('an error object inside the stream is reported with its message', async () => {
    server.fail(1, { kind: 'stream-error', afterChunks: 1, message: 'upstream provider overloaded' });
    server.push({ text: 'never' });
    const err = await provider({ maxRetries: 0 }).call(request()).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /upstream provider overloaded/);
  });

  it('a slow stream killed mid-way aborts at once and closes the connection', async () => {
    server.fail(1, { kind: 'stall', afterChunks: 4 });
    server.push({ text: 'a slow answer that never finishes' });
    const controller = new AbortController();
    const seen: string[] = [];
    const pending = provider().call(request({ signal: controller.signal }), { onText: (d) => { seen.push(d); if (seen.length === 2) controller.abort(); } });
    const err = await pending.then(() => null, (e: Error) => e);
    assert.equal(err?.name, 'AbortError');
    await server.waitForClientClose(0);
    assert.equal(server.requests.length, 1);
  });

  it('a stream that goes silent fails after the timeout instead of holding the slot', async () => {
    server.fail(1, { kind: 'stall', afterChunks: 2 });
    server.push({ text: 'stalls after the first piece' });
    const err = await provider({ timeoutMs: 150 }).call(request()).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /did not answer in time/);
    await server.waitForClientClose(0);
  });

  it('a server that sends no usage still counts tokens (estimated) and says so', async () => {
    await server.close();
    server = await startOpenAiServer({ noUsage: true });
    server.push({ text: 'no usage here' });
    const res = await provider().call(request());
    assert.ok(res.usage.inputTokens > 0 && res.usage.outputTokens > 0);
    assert.ok(logs.some((l) => l.includes('sent no usage')));
  });

  it('arguments that are not JSON come back as malformed tool calls for the model to fix', async () => {
    server.push({ toolCalls: [{ id: 'call_bad', name: 'read_file', rawArguments: '{"path": "a.txt"' }] });
    const res = await provider().call(request());
    assert.equal(res.malformed.length, 1);
    assert.equal(res.malformed[0]!.id, 'call_bad');
    assert.equal(res.malformed[0]!.raw, '{"path": "a.txt"');
  });

  it('ollama: the default base URL can be overridden, no key is needed, and max_tokens is sent', async () => {
    await server.close();
    server = await startOpenAiServer();
    server.push({ text: 'local answer' });
    const { provider: p, model, resolved } = createProvider('ollama:qwen3:8b', { env: { OLLAMA_BASE_URL: server.url } });
    assert.equal(model, 'qwen3:8b');
    assert.equal(resolved.billing, 'usd');
    const res = await p.call(request({ model }));
    assert.equal(res.costUsd, 0);
    assert.equal(server.requests[0]!.body!['model'], 'qwen3:8b');
    assert.equal(server.requests[0]!.body!['max_tokens'], 1024);
    assert.equal(createProvider('ollama:x', { env: {} }).resolved.endpoint?.baseUrl, 'http://127.0.0.1:11434/v1');
  });

  it('no key for OpenAI: the error names the variable and the command, before any request', async () => {
    const { provider: p } = createProvider('openai:gpt-4.1', { env: { OPENAI_BASE_URL: server.url } });
    const err = await p.call(request()).then(() => null, (e: Error) => e);
    assert.match(err?.message ?? '', /No API key for openai: set the OPENAI_API_KEY environment variable, or run "AIOS: Set API Key"/);
    assert.equal(server.requests.length, 0);
  });
});
