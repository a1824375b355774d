/**
 * A local HTTP server that speaks OpenAI Chat Completions (POST /v1/chat/completions, SSE
 * streaming, and GET /v1/models) closely enough for the real `openai` package: text streamed in
 * pieces, tool calls whose arguments arrive split across chunks, usage in a last chunk when
 * `stream_options.include_usage` asks for it (with cached prompt tokens), API-shaped errors, and
 * injected faults (status with retry-after, malformed chunks, a stream that stops, a hang).
 * Requests are validated as strictly as the real service (openaiValidation.ts). It answers from
 * a script; nothing here is a model.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateChatBody } from './openaiValidation';

/** One scripted answer. `rawArguments` streams that text verbatim as a call's arguments. */
export interface ChatTurn {
  text?: string;
  toolCalls?: Array<{ id?: string; name: string; input?: Record<string, unknown>; rawArguments?: string }>;
  /** prompt tokens reported as cached (prompt_tokens_details.cached_tokens) */
  cachedTokens?: number;
  /** default: prompt characters / 4 */
  promptTokens?: number;
  /** default: output characters / 4 */
  completionTokens?: number;
}

/** A failure to inject into the next request(s). */
export type ChatFault =
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string>; echoKey?: boolean }
  /** after `afterChunks` chunks, sends `data` (default: text that is not JSON) */
  | { kind: 'malformed'; afterChunks: number; data?: string }
  /** after `afterChunks` chunks the server stops sending, and keeps the connection open */
  | { kind: 'stall'; afterChunks: number }
  /** the answer ends (connection closed) after `afterChunks` chunks, with no finish_reason */
  | { kind: 'drop'; afterChunks: number }
  /** an error object in the stream, after `afterChunks` chunks (echoKey puts the key in its message) */
  | { kind: 'stream-error'; afterChunks: number; message?: string; echoKey?: boolean };

/** A request as the server received it. */
export interface ChatRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | null;
  apiKey: string | null;
  /** true once the client closed the connection before the answer was complete */
  clientClosed: boolean;
}

/** Options of the server. */
export interface OpenAiServerOptions {
  turns?: ChatTurn[] | ((request: ChatRequest) => ChatTurn);
  /** the only accepted key; when unset any key (or none, like Ollama) is accepted */
  apiKey?: string;
  /** characters per content / arguments piece (default 5) */
  chunk?: number;
  /** models listed by GET /v1/models */
  models?: string[];
  /** leave the usage chunk out even when asked for (servers that ignore include_usage) */
  noUsage?: boolean;
}

/** A running server. */
export interface OpenAiServer {
  /** base URL for the SDK, with /v1, e.g. http://127.0.0.1:4321/v1 */
  readonly url: string;
  readonly requests: ChatRequest[];
  push(...turns: ChatTurn[]): void;
  fail(times: number, fault: ChatFault): void;
  waitForRequests(count: number): Promise<void>;
  /** resolves when the client of request `index` has closed its connection */
  waitForClientClose(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a free port. */
export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<OpenAiServer> {
  const queue: ChatTurn[] = Array.isArray(options.turns) ? [...options.turns] : [];
  const faults: ChatFault[] = [];
  const requests: ChatRequest[] = [];
  const waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  const chunkSize = options.chunk ?? 5;
  const wake = () => {
    for (const w of waiters.filter((x) => x.ready())) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const waitFor = (ready: () => boolean) => (ready() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ready, resolve })));

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const recorded = record(req, raw);
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) recorded.clientClosed = true;
        wake();
      });
      wake();
      handle(recorded, res);
    });
  });

  function handle(request: ChatRequest, res: ServerResponse): void {
    if (options.apiKey !== undefined && request.apiKey !== options.apiKey) {
      const shown = request.apiKey ? `${request.apiKey.slice(0, 3)}***${request.apiKey.slice(-4)}` : 'none';
      return sendError(res, 401, 'invalid_request_error', `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key');
    }
    if (request.method === 'GET' && request.path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: (options.models ?? []).map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) }));
      return;
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') return sendError(res, 404, 'invalid_request_error', `Unknown request URL: ${request.method} ${request.path}`, 'unknown_url');
    const fault = faults.shift();
    if (fault?.kind === 'status') {
      const message = (fault.message ?? `test server: status ${fault.status}`) + (fault.echoKey ? ` (key ${request.apiKey})` : '');
      return sendError(res, fault.status, fault.status === 429 ? 'rate_limit_exceeded' : 'server_error', message, null, fault.headers);
    }
    if (!request.body) return sendError(res, 400, 'invalid_request_error', 'We could not parse the JSON body of your request.', null);
    const invalid = validateChatBody(request.body);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid, null);
    if (request.body['stream'] !== true) return sendError(res, 400, 'invalid_request_error', 'test server: only streaming requests are scripted', null);
    const turn = typeof options.turns === 'function' ? options.turns(request) : queue.shift();
    if (!turn) return sendError(res, 400, 'invalid_request_error', 'test server: no scripted turn left for this request', null);
    const chunks = buildChunks(request.body, turn, chunkSize, options.noUsage === true);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': `req_${randomUUID()}` });
    for (const [i, chunk] of chunks.entries()) {
      if (fault && fault.afterChunks === i) {
        if (fault.kind === 'stall') return;
        if (fault.kind === 'drop') return void res.end();
        if (fault.kind === 'malformed') return void res.end(`data: ${fault.data ?? '{"id": "chatcmpl-x", "choices": [{"delta": {"content": "oops"'}\n\n`);
        const message = (fault.message ?? 'The server had an error while processing your request.') + (fault.echoKey ? ` (key ${request.apiKey})` : '');
        return void res.end(`data: ${JSON.stringify({ error: { message, type: 'server_error', code: null } })}\n\n`);
      }
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...turns) => void queue.push(...turns),
    fail: (times, fault) => { for (let i = 0; i < times; i++) faults.push(fault); },
    waitForRequests: (count) => waitFor(() => requests.length >= count),
    waitForClientClose: (index) => waitFor(() => requests[index]?.clientClosed === true),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The chunks of one streamed answer: role, content pieces, each tool call's name then argument pieces, finish, usage. */
function buildChunks(body: Record<string, unknown>, turn: ChatTurn, size: number, noUsage: boolean): Record<string, unknown>[] {
  const id = `chatcmpl-${randomUUID()}`;
  const model = String(body['model']);
  const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, system_fingerprint: 'fp_test' };
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const out: Record<string, unknown>[] = [choice({ role: 'assistant', content: '' })];
  for (const piece of pieces(turn.text ?? '', size)) out.push(choice({ content: piece }));
  (turn.toolCalls ?? []).forEach((call, index) => {
    const args = call.rawArguments ?? JSON.stringify(call.input ?? {});
    out.push(choice({ tool_calls: [{ index, id: call.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of pieces(args, size)) out.push(choice({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(choice({}, turn.toolCalls?.length ? 'tool_calls' : 'stop'));
  const options = body['stream_options'] as { include_usage?: boolean } | undefined;
  if (options?.include_usage && !noUsage) {
    const prompt = turn.promptTokens ?? Math.ceil(JSON.stringify(body['messages']).length / 4 + JSON.stringify(body['tools'] ?? []).length / 4);
    const completion = turn.completionTokens ?? Math.ceil(((turn.text ?? '').length + JSON.stringify(turn.toolCalls ?? []).length) / 4);
    out.push({ ...base, choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: turn.cachedTokens ?? 0 }, completion_tokens_details: { reasoning_tokens: 0 } } });
  }
  return out;
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function sendError(res: ServerResponse, status: number, type: string, message: string, code: string | null, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${randomUUID()}`, ...headers });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

function record(req: IncomingMessage, raw: string): ChatRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
  let body: Record<string, unknown> | null;
  try {
    body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
  } catch {
    body = null;
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '')?.[1] ?? null;
  return { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, headers, body, apiKey: bearer, clientClosed: false };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}
