/**
 * A local HTTP server that speaks POST /v1/messages closely enough for the real @anthropic-ai/sdk:
 * JSON and SSE streaming answers (text and tool use), API-shaped errors, injected failures
 * (429 with retry-after, 5xx, 529, in-stream errors, hangs), request recording, and simulated
 * prompt caching. It answers from a script; nothing here is a model.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkThinkingBlocks, MessagesRules, minCacheableTokens, thinkingRequested, type ThinkingLedger } from '../../src/llm/messagesRules';
import { PromptCacheSim, type CacheUsage } from './promptCacheSim';

/**
 * One scripted answer. A tool call with `rawInput` streams that text verbatim as its input JSON.
 * `thinking` comes first, as a signed thinking block (as models with thinking on answer).
 */
export interface ServerTurn {
  thinking?: string;
  text?: string;
  toolCalls?: Array<{ id?: string; name: string; input?: Record<string, unknown>; rawInput?: string }>;
  stopReason?: string;
  /** default: output characters / 4 */
  outputTokens?: number;
}

/** A failure to inject into the next request(s). `echoKey` puts the presented API key in the error text. */
export type Fault =
  | { kind: 'status'; status: number; errorType?: string; message?: string; headers?: Record<string, string>; errorCode?: string; echoKey?: boolean }
  | { kind: 'hang'; stage: 'before-headers' | 'mid-stream' }
  | { kind: 'stream-error'; errorType: string; message?: string; echoKey?: boolean };

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** lower-cased names */
  headers: Record<string, string>;
  /** parsed JSON body (null if it was not JSON) */
  body: Record<string, unknown> | null;
  /** the key from x-api-key or `Authorization: Bearer`, null when absent */
  apiKey: string | null;
  /** what the cache simulation decided (null for rejected requests) */
  cache: CacheUsage | null;
  /** true once the client closed the connection before the answer was complete */
  clientClosed: boolean;
}

/** Options of the server. */
export interface MessagesServerOptions {
  /** a queue of answers, or a function of the request */
  turns?: ServerTurn[] | ((request: RecordedRequest) => ServerTurn);
  /** the only accepted key; any non-empty key when unset */
  apiKey?: string;
  /** base time source; `advance()` adds to it */
  now?: () => number;
  minCacheTokens?: (model: string) => number;
  /** characters per text_delta / input_json_delta (default 6) */
  chunk?: number;
  /**
   * Called for each valid request before it is answered (the benchmarks' rate-limited endpoint):
   * resolve null to answer (after any latency the hook waits), or a refusal to send instead.
   */
  admit?: (request: RecordedRequest) => Promise<Refusal | null>;
}

/** An answer the `admit` hook sends instead of the scripted one, e.g. 429 with retry-after. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** A running server. */
export interface MessagesServer {
  /** base URL for the SDK, e.g. http://127.0.0.1:4321 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** queues answers (when `turns` is a queue) */
  push(...turns: ServerTurn[]): void;
  /** the next `times` requests get `fault` instead of an answer */
  fail(times: number, fault: Fault): void;
  /** drops faults not yet used */
  clearFaults(): void;
  /** moves the server's clock (prompt-cache TTL) forward */
  advance(ms: number): void;
  /** resolves when at least `count` requests have arrived */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a free port. */
export async function startMessagesServer(options: MessagesServerOptions = {}): Promise<MessagesServer> {
  const queue: ServerTurn[] = Array.isArray(options.turns) ? [...options.turns] : [];
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let offset = 0;
  const now = (): number => (options.now ?? Date.now)() + offset;
  const cache = new PromptCacheSim(now, options.minCacheTokens ?? minCacheableTokens);
  const rules = new MessagesRules();
  const chunk = options.chunk ?? 6;
  const ledger: ThinkingLedger = { signatures: new Map(), toolUses: new Set() };

  const nextTurn = (request: RecordedRequest): ServerTurn | null =>
    typeof options.turns === 'function' ? options.turns(request) : (queue.shift() ?? null);

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const recorded = record(req, raw);
      requests.push(recorded);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      res.on('close', () => {
        if (!res.writableFinished) recorded.clientClosed = true;
      });
      handle(recorded, res);
    });
  });

  function handle(request: RecordedRequest, res: ServerResponse): void {
    if (request.method !== 'POST' || request.path !== '/v1/messages') {
      return sendError(res, 404, 'not_found_error', `Not found: ${request.method} ${request.path}`);
    }
    if (!request.apiKey) return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (options.apiKey !== undefined && request.apiKey !== options.apiKey) {
      return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    const fault = faults.shift();
    if (fault?.kind === 'status') {
      const message = (fault.message ?? defaultMessage(fault.status)) + (fault.echoKey ? ` (key ${request.apiKey})` : '');
      return sendError(res, fault.status, fault.errorType ?? errorTypeOf(fault.status), message, fault.headers, fault.errorCode);
    }
    if (fault?.kind === 'hang' && fault.stage === 'before-headers') return; // answered only by the client giving up
    if (!request.body) return sendError(res, 400, 'invalid_request_error', 'request body is not valid JSON');
    const invalid = rules.check(request.body) ?? checkThinkingBlocks(request.body, ledger);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid);
    if (!options.admit) return answer(request, request.body, res, fault);
    const body = request.body;
    void options.admit(request).then(
      (refusal) => {
        if (refusal) sendError(res, refusal.status, errorTypeOf(refusal.status), refusal.message, refusal.headers);
        else answer(request, body, res, fault);
      },
      (error: unknown) => sendError(res, 400, 'invalid_request_error', `test server: ${(error as Error).message}`),
    );
  }

  function answer(request: RecordedRequest, body: Record<string, unknown>, res: ServerResponse, fault: Fault | undefined): void {
    request.body = body;

    request.cache = cache.account(request.body);
    // An in-stream error fails before any content, so it does not use up a scripted answer.
    const turn = fault?.kind === 'stream-error' ? {} : nextTurn(request);
    if (!turn) return sendError(res, 400, 'invalid_request_error', 'test server: no scripted turn left for this request');
    // The API returns thinking only to a request that turned it on; a script that says otherwise is wrong.
    if (turn.thinking && !thinkingRequested(request.body)) {
      return sendError(res, 400, 'invalid_request_error', 'test server: the scripted turn has thinking, but the request did not ask for thinking');
    }
    const message = buildMessage(request.body, turn, request.cache);
    for (const block of message.blocks) {
      if (block.type === 'thinking') ledger.signatures.set(block.signature, block.thinking);
      if (block.type === 'tool_use' && turn.thinking) ledger.toolUses.add(block.id);
    }
    if (request.body['stream'] !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${randomUUID()}` });
      res.end(JSON.stringify(message.json));
      return;
    }
    streamMessage(res, message, chunk, fault ?? null, request.apiKey);
  }

  function record(req: IncomingMessage, raw: string): RecordedRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1];
    let body: Record<string, unknown> | null;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      body = null;
    }
    return {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      headers,
      body,
      apiKey: headers['x-api-key'] || bearer || null,
      cache: null,
      clientClosed: false,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push: (...turns) => void queue.push(...turns),
    fail: (times, fault) => {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    clearFaults: () => void faults.splice(0),
    advance: (ms) => void (offset += ms),
    waitForRequests: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A message to send, in both shapes. */
interface BuiltMessage {
  json: Record<string, unknown>;
  blocks: Array<
    | { type: 'thinking'; thinking: string; signature: string }
    | { type: 'text'; text: string }
    | { type: 'tool_use'; id: string; name: string; json: string }
  >;
  usage: CacheUsage & { output_tokens: number };
  stopReason: string;
  model: string;
  id: string;
}

function buildMessage(body: Record<string, unknown>, turn: ServerTurn, cacheUsage: CacheUsage): BuiltMessage {
  const blocks: BuiltMessage['blocks'] = [];
  if (turn.thinking) {
    const signature = createHash('sha256').update(`signed:${turn.thinking}:${randomUUID()}`).digest('base64');
    blocks.push({ type: 'thinking', thinking: turn.thinking, signature });
  }
  if (turn.text) blocks.push({ type: 'text', text: turn.text });
  for (const call of turn.toolCalls ?? []) {
    const id = call.id ?? `toolu_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    blocks.push({ type: 'tool_use', id, name: call.name, json: call.rawInput ?? JSON.stringify(call.input ?? {}) });
  }
  const outChars = blocks.reduce((n, b) => n + (b.type === 'text' ? b.text.length : b.type === 'thinking' ? b.thinking.length : b.json.length), 0);
  // The real API never generates more than max_tokens: a longer answer stops there.
  const wanted = turn.outputTokens ?? Math.max(1, Math.ceil(outChars / 4));
  const limit = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : Infinity;
  const usage = { ...cacheUsage, output_tokens: Math.min(wanted, limit) };
  const stopReason = wanted > limit ? 'max_tokens' : turn.stopReason ?? (turn.toolCalls?.length ? 'tool_use' : 'end_turn');
  const model = String(body['model']);
  const id = `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const content = blocks.map((b) => (b.type === 'tool_use' ? { type: 'tool_use', id: b.id, name: b.name, input: safeParse(b.json) } : b));
  const json = { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage };
  return { json, blocks, usage, stopReason, model, id };
}

/** Writes the SSE event sequence of the Messages API, optionally broken by a fault. */
function streamMessage(res: ServerResponse, message: BuiltMessage, chunk: number, fault: Fault | null, key: string | null): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${randomUUID()}` });
  const send = (event: string, data: unknown): void => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const { output_tokens: _output, ...inputUsage } = message.usage;
  send('message_start', {
    type: 'message_start',
    message: { id: message.id, type: 'message', role: 'assistant', model: message.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...inputUsage, output_tokens: 1 } },
  });
  send('ping', { type: 'ping' });
  if (fault?.kind === 'stream-error') {
    const text = (fault.message ?? 'Overloaded') + (fault.echoKey ? ` (key ${key})` : '');
    send('error', { type: 'error', error: { type: fault.errorType, message: text } });
    res.end();
    return;
  }
  for (const [index, block] of message.blocks.entries()) {
    if (block.type === 'thinking') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const piece of pieces(block.thinking, chunk)) {
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } });
      }
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
    } else if (block.type === 'text') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of pieces(block.text, chunk)) {
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      }
    } else {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      for (const piece of pieces(block.json, chunk)) {
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    }
    // A mid-stream hang leaves the answer open after the first block's deltas, until the client gives up.
    if (fault?.kind === 'hang') return;
    send('content_block_stop', { type: 'content_block_stop', index });
  }
  if (fault?.kind === 'hang') return;
  send('message_delta', { type: 'message_delta', delta: { stop_reason: message.stopReason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
  errorCode?: string,
): void {
  const error: Record<string, unknown> = { type, message };
  if (errorCode) error['details'] = { error_code: errorCode };
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomUUID()}`, ...headers });
  res.end(JSON.stringify({ type: 'error', error, request_id: `req_${randomUUID()}` }));
}

function errorTypeOf(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status === 401) return 'authentication_error';
  if (status === 400) return 'invalid_request_error';
  return 'api_error';
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Number of request tokens has exceeded your per-minute rate limit';
  if (status === 529) return 'Overloaded';
  return 'Internal server error';
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}
