/**
 * The provider layer's cost, against local servers that answer instantly:
 * - providers.openai.overhead / providers.anthropic.overhead: one whole streamed call (text and a
 *   tool call) through our provider, minus the same answer read with plain fetch (the endpoint's
 *   own time as any client sees it). Calls alternate, and the overhead is the median of the
 *   per-pair differences. Target: ≤ 1 ms.
 * - providers.*.first_token: from the server writing the first text chunk to the provider's
 *   onText receiving it. Target: ≤ 20 ms.
 * - providers.vscode_lm.bridge: one call through the vscode.lm provider and the JSON-RPC bridge
 *   (in-memory streams) to an extension side that answers at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { LlmProvider, LlmRequest } from '../src/kernel/ports/llm';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AnthropicProvider } from '../src/llm/anthropic';
import { OpenAiCompatProvider } from '../src/llm/openaiCompat';
import { VsCodeLmProvider } from '../src/llm/vscodeLm';
import { LmBridgeClient } from '../src/host/lmBridgeClient';
import { toExtensionModels, toHostModels } from '../src/protocol/modelMethods';
import { round, summarize, type BenchCase, type BenchResult } from './harness';

type Kind = 'openai' | 'anthropic';

/** The SSE body of one answer: text in 8 pieces, one tool call in 4. */
function body(kind: Kind): string[] {
  const words = 'The file has three functions and one of them is unused.'.match(/.{1,8}/g)!;
  const args = JSON.stringify({ path: 'src/main.ts', start: 1, end: 40 }).match(/.{1,12}/g)!;
  if (kind === 'openai') {
    const c = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'gpt-4.1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    return [
      c({ role: 'assistant', content: '' }),
      ...words.map((w) => c({ content: w })),
      c({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '' } }] }),
      ...args.map((a) => c({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
      c({}, 'tool_calls'),
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'gpt-4.1', choices: [], usage: { prompt_tokens: 900, completion_tokens: 40, total_tokens: 940, prompt_tokens_details: { cached_tokens: 800 } } })}\n\n`,
      'data: [DONE]\n\n',
    ];
  }
  const e = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...(data as object) })}\n\n`;
  return [
    e('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 800, cache_creation_input_tokens: 0 } } }),
    e('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ...words.map((w) => e('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } })),
    e('content_block_stop', { index: 0 }),
    e('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} } }),
    ...args.map((a) => e('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: a } })),
    e('content_block_stop', { index: 1 }),
    e('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } }),
    e('message_stop', {}),
  ];
}

/** A server that streams `body(kind)`; the first text chunk goes out `firstDelayMs` after the headers, its time recorded. */
async function sseServer(kind: Kind, firstDelayMs: number): Promise<{ url: string; firstWrite: () => number; close(): Promise<void>; server: Server }> {
  const chunks = body(kind);
  const firstText = kind === 'openai' ? 1 : 2;
  let firstWrite = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < firstText; i++) res.write(chunks[i]);
      const rest = () => {
        firstWrite = performance.now();
        for (let i = firstText; i < chunks.length; i++) res.write(chunks[i]);
        res.end();
      };
      if (firstDelayMs > 0) setTimeout(rest, firstDelayMs);
      else rest();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, firstWrite: () => firstWrite, server, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const REQUEST: LlmRequest = {
  model: 'gpt-4.1', session: '1', system: 'You are a coding agent. '.repeat(40), maxTokens: 1024, cache: { system: true, messages: [0] },
  tools: [{ name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in src/main.ts?' }] }],
};

function providerFor(kind: Kind, url: string): LlmProvider {
  return kind === 'openai'
    ? new OpenAiCompatProvider({ name: 'openai', baseURL: `${url}/v1`, apiKey: 'sk-bench-0123456789', keyHint: 'x', price: { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 } })
    : new AnthropicProvider({ apiKey: 'sk-ant-bench-0123456789', baseURL: url });
}

async function rawCall(kind: Kind, url: string): Promise<void> {
  const res = await fetch(kind === 'openai' ? `${url}/v1/chat/completions` : `${url}/v1/messages`, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true }), headers: { 'content-type': 'application/json' } });
  await res.text();
}

/** The same call through the bare SDK (no mapping, no retry loop, no collection): the SDK's own share. */
async function sdkCall(kind: Kind, url: string, anthropic: Anthropic, openai: OpenAI, request: LlmRequest): Promise<void> {
  if (kind === 'openai') {
    const stream = await openai.chat.completions.create({ model: request.model, messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
    for await (const _ of stream) void _;
  } else {
    const stream = await anthropic.messages.create({ model: request.model, max_tokens: 64, messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const _ of stream) void _;
  }
  void url;
}

async function overhead(kind: Kind): Promise<BenchResult> {
  const s = await sseServer(kind, 0);
  const provider = providerFor(kind, s.url);
  const request = { ...REQUEST, model: kind === 'openai' ? 'gpt-4.1' : 'claude-sonnet-4-6' };
  const anthropic = new Anthropic({ apiKey: 'sk-ant-bench-0123456789', baseURL: s.url, maxRetries: 0 });
  const openai = new OpenAI({ apiKey: 'sk-bench-0123456789', baseURL: `${s.url}/v1`, maxRetries: 0 });
  try {
    for (let i = 0; i < 30; i++) { await rawCall(kind, s.url); await sdkCall(kind, s.url, anthropic, openai, request); await provider.call(request); }
    const ours: number[] = [];
    const overHttp: number[] = [];
    const overSdk: number[] = [];
    const deadline = performance.now() + 3000;
    while (performance.now() < deadline || ours.length < 60) {
      const t0 = performance.now();
      await rawCall(kind, s.url);
      const t1 = performance.now();
      await sdkCall(kind, s.url, anthropic, openai, request);
      const t2 = performance.now();
      await provider.call(request);
      const t3 = performance.now();
      ours.push(t3 - t2);
      overHttp.push((t3 - t2) - (t1 - t0));
      overSdk.push((t3 - t2) - (t2 - t1));
    }
    const median = (xs: number[]) => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
    return summarize(`providers.${kind}.overhead`, ours, 1, { over_raw_http_p50_ms: median(overHttp), our_layer_over_sdk_p50_ms: median(overSdk), target_overhead_ms: 1 });
  } finally {
    await s.close();
  }
}

async function firstToken(kind: Kind): Promise<BenchResult> {
  const s = await sseServer(kind, 5);
  const provider = providerFor(kind, s.url);
  const request = { ...REQUEST, model: kind === 'openai' ? 'gpt-4.1' : 'claude-sonnet-4-6' };
  try {
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      let seen = 0;
      await provider.call(request, { onText: () => { if (!seen) seen = performance.now(); } });
      if (i >= 10) lat.push(seen - s.firstWrite());
    }
    return summarize(`providers.${kind}.first_token`, lat, 1, { target_ms: 20, max_ms: round(Math.max(...lat)) });
  } finally {
    await s.close();
  }
}

async function lmBridge(): Promise<BenchResult> {
  const a = new PassThrough();
  const b = new PassThrough();
  const host = createMessageConnection(new StreamMessageReader(a), new StreamMessageWriter(b));
  const ext = createMessageConnection(new StreamMessageReader(b), new StreamMessageWriter(a));
  ext.onRequest(toExtensionModels.lmChat, (p) => {
    void ext.sendNotification(toHostModels.lmText, { requestId: p.requestId, text: 'The file has three functions.' });
    return { model: 'copilot-gpt-4o', parts: [{ type: 'text' as const, text: 'The file has three functions.' }, { type: 'toolCall' as const, callId: 'c1', name: 'read_file', input: { path: 'a' } }], inputTokens: 900, outputTokens: 40 };
  });
  host.listen();
  ext.listen();
  const client = new LmBridgeClient(host);
  const provider = new VsCodeLmProvider(client, 'copilot', 'gpt-4o');
  try {
    for (let i = 0; i < 50; i++) await provider.call(REQUEST);
    const times: number[] = [];
    const deadline = performance.now() + 1500;
    while (performance.now() < deadline || times.length < 50) {
      const t0 = performance.now();
      await provider.call(REQUEST);
      times.push(performance.now() - t0);
    }
    return summarize('providers.vscode_lm.bridge', times, 1, { target_overhead_ms: 1 });
  } finally {
    client.dispose();
    host.dispose();
    ext.dispose();
  }
}

export const cases: BenchCase[] = [
  { name: 'providers.openai.overhead', run: () => overhead('openai') },
  { name: 'providers.anthropic.overhead', run: () => overhead('anthropic') },
  { name: 'providers.openai.first_token', run: () => firstToken('openai') },
  { name: 'providers.anthropic.first_token', run: () => firstToken('anthropic') },
  { name: 'providers.vscode_lm.bridge', run: () => lmBridge() },
];
