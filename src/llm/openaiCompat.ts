/**
 * OpenAI-compatible endpoints (OpenAI, OpenRouter, Ollama, LM Studio, vLLM, LiteLLM, a company
 * proxy): one streaming Chat Completions call per step through the official `openai` package,
 * with our own retry loop (every 429 reaches the scheduler through `onRetry`), a timeout per
 * attempt, abort on kill, and cost from the model table.
 */
import OpenAI, { APIConnectionTimeoutError } from 'openai';
import type { Clock } from '../kernel/ports/clock';
import type { LlmObserver, LlmProvider, LlmRequest, LlmResponse, LlmUsage } from '../kernel/ports/llm';
import { systemClock } from '../kernel/ports/clock';
import { RateLimitedError } from '../kernel/ports/llm';
import { abortError, isAbortError, realSleep, throwIfAborted, type Sleep } from './abort';
import type { ProviderLog } from './anthropic';
import { redact, type CallFailure } from './anthropicErrors';
import { classifyOpenAiFailure, type EndpointLabel } from './openaiErrors';
import { toChatParams, type MaxTokensField } from './openaiRequest';
import { collectChat, type StreamedChat } from './openaiStream';
import { costWith, type ModelPrice } from './prices';
import { backoffMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retryPolicy';

/** Options of OpenAiCompatProvider. */
export interface OpenAiCompatOptions {
  /** `openai`, `openrouter`, `ollama`, an endpoint name: used in messages and as the provider id */
  name: string;
  baseURL: string;
  /** null for local servers that take no key */
  apiKey: string | null;
  /** what to do about a missing or rejected key (names the env variable or the command) */
  keyHint: string;
  /** price per million tokens; null: unknown (cost 0, and dollar budgets are refused at spawn) */
  price: ModelPrice | null;
  maxTokensField?: MaxTokensField;
  maxRetries?: number;
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** used when a request's maxTokens is not positive (default 8192) */
  defaultMaxTokens?: number;
  /**
   * The longest the endpoint may stay silent in one attempt: before the answer starts, and between
   * two chunks of it (default 5 minutes). A stalled stream fails instead of holding its LLM slot.
   */
  timeoutMs?: number;
  headers?: Record<string, string>;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  log?: ProviderLog;
}

const DEFAULT_TIMEOUT_MS = 300_000;

/** Thrown by `call` when the endpoint needs a key and none was found. */
export class MissingEndpointKeyError extends Error {
  constructor(name: string, hint: string) {
    super(`No API key for ${name}: ${hint}`);
    this.name = 'MissingApiKeyError';
  }
}

/** Calls one OpenAI-compatible endpoint. */
export class OpenAiCompatProvider implements LlmProvider {
  readonly id: string;
  readonly scripted = false;
  private readonly client: OpenAI;
  private readonly label: EndpointLabel;
  private readonly policy: RetryPolicy;
  private readonly log: ProviderLog;

  constructor(private readonly options: OpenAiCompatOptions) {
    this.id = options.name;
    this.label = { name: options.name, baseUrl: options.baseURL, keyHint: options.keyHint };
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries };
    const sink = options.log ?? ((level, message) => { if (level !== 'info') console.warn(`[aios llm] ${message}`); });
    this.log = (level, message) => sink(level, redact(message, options.apiKey));
    // Our retries, our timeout handling; the key is always explicit so the SDK reads no OPENAI_* variable itself.
    this.client = new OpenAI({
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseURL,
      maxRetries: 0,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      defaultHeaders: options.headers,
      organization: null,
      project: null,
      logger: {
        error: (...args: unknown[]) => this.log('error', args.map(String).join(' ')),
        warn: (...args: unknown[]) => this.log('warn', args.map(String).join(' ')),
        info: () => {},
        debug: () => {},
      },
    });
  }

  /** One streamed call; retries 429/5xx itself; throws RateLimitedError when 429s outlast the retries. */
  async call(request: LlmRequest, observer: LlmObserver = {}): Promise<LlmResponse> {
    if (this.options.apiKey === null && this.options.keyHint) throw new MissingEndpointKeyError(this.options.name, this.options.keyHint);
    const maxTokens = request.maxTokens > 0 ? request.maxTokens : this.options.defaultMaxTokens ?? 8192;
    const params = toChatParams(request, request.model, maxTokens, this.options.maxTokensField ?? 'max_tokens');
    const clock = this.options.clock ?? systemClock;
    const sleep = this.options.sleep ?? realSleep;
    for (let retry = 0; ; retry++) {
      throwIfAborted(request.signal);
      let streamedText = false;
      const attempt = new SilenceTimer(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, request.signal);
      try {
        const stream = await this.client.chat.completions.create(params, { signal: attempt.signal });
        const chat = await collectChat(attempt.watch(stream), (delta) => {
          streamedText = true;
          observer.onText?.(delta);
        });
        // The SDK ends a stream quietly when its signal aborts: a cut-off answer must not pass as whole.
        throwIfAborted(request.signal);
        if (attempt.timedOut) throw new APIConnectionTimeoutError();
        return this.toResponse(request, chat);
      } catch (caught) {
        const error = attempt.timedOut ? new APIConnectionTimeoutError() : caught;
        if (request.signal?.aborted || (!attempt.timedOut && isAbortError(error))) throw abortError();
        const failure = classifyOpenAiFailure(error, request.model, this.label, clock);
        const wait = failure.retryAfterMs ?? backoffMs(retry + 1, this.policy, this.options.random ?? Math.random);
        // Text already shown cannot be taken back: a stream that failed midway is not retried.
        const canRetry = failure.retryable && !streamedText && retry < this.policy.maxRetries && wait <= this.policy.maxRetryAfterMs;
        if (!canRetry) throw this.finalError(failure, wait);
        this.log('warn', `${failure.message} (retry ${retry + 1} of ${this.policy.maxRetries} in ${wait} ms)`);
        observer.onRetry?.({ status: failure.status, retryAfterMs: wait, attempt: retry + 1 });
        await sleep(wait, request.signal);
      } finally {
        attempt.dispose();
      }
    }
  }

  private toResponse(request: LlmRequest, chat: StreamedChat): LlmResponse {
    const usage = chat.usage ?? this.estimate(request, chat);
    return {
      content: chat.content,
      malformed: chat.malformed,
      stopReason: chat.stopReason,
      usage,
      costUsd: this.options.price ? costWith(this.options.price, usage) : 0,
      model: chat.model || request.model,
      scripted: false,
    };
  }

  /** A server that ignores include_usage still counts against budgets: about 4 characters per token. */
  private estimate(request: LlmRequest, chat: StreamedChat): LlmUsage {
    this.log('warn', `${this.label.name} at ${this.label.baseUrl} sent no usage (stream_options.include_usage): tokens are estimated from characters`);
    const sent = request.system.length + JSON.stringify(request.tools).length + JSON.stringify(request.messages).length;
    return { inputTokens: Math.ceil(sent / 4), outputTokens: Math.ceil(JSON.stringify(chat.content).length / 4), cacheReadTokens: 0, cacheWriteTokens: 0 };
  }

  private finalError(failure: CallFailure, wait: number): Error {
    const message = redact(failure.message, this.options.apiKey);
    if (failure.status === 429 && failure.retryable) return new RateLimitedError(wait, message);
    return new Error(message);
  }
}

/**
 * One attempt's abort signal: aborts when the caller's does, or when the endpoint has been silent
 * for `ms` (before the answer, or between chunks). One timer, re-armed per chunk (which
 * AbortSignal.timeout cannot be); the two causes are joined by AbortSignal.any.
 */
class SilenceTimer {
  private readonly silence = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal;
  timedOut = false;

  constructor(ms: number, outer: AbortSignal | undefined) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.silence.abort();
    }, ms);
    this.signal = outer ? AbortSignal.any([outer, this.silence.signal]) : this.silence.signal;
  }

  /** Passes the chunks through, re-arming the timer on each. */
  async *watch<T>(chunks: AsyncIterable<T>): AsyncIterable<T> {
    for await (const chunk of chunks) {
      this.timer.refresh();
      yield chunk;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
