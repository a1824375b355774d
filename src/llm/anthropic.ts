/**
 * The Anthropic provider: one streaming Messages API call per step through the official SDK,
 * with our own retry loop (so the scheduler hears about every 429 through `onRetry`), prompt-cache
 * breakpoints, and cost from prices.ts.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Clock } from '../kernel/ports/clock';
import type { LlmObserver, LlmProvider, LlmRequest, LlmResponse } from '../kernel/ports/llm';
import { systemClock } from '../kernel/ports/clock';
import { RateLimitedError } from '../kernel/ports/llm';
import { abortError, isAbortError, realSleep, throwIfAborted, type Sleep } from './abort';
import { classifyFailure, redact, type CallFailure } from './anthropicErrors';
import { toApiParams } from './anthropicRequest';
import { collectStream, type StreamedMessage } from './anthropicStream';
import { costOf, type ModelPrice } from './prices';
import { backoffMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retryPolicy';

/** Where log lines and warnings (an unpriced model, SDK warnings) go; the key is already scrubbed. */
export type ProviderLog = (level: 'warn' | 'error' | 'info', message: string) => void;

/** Options of AnthropicProvider; everything but the key has a default. */
export interface AnthropicProviderOptions {
  /** falls back to the ANTHROPIC_API_KEY environment variable */
  apiKey?: string;
  /** a gateway, or a local Messages API server in tests; default ANTHROPIC_BASE_URL, else https://api.anthropic.com */
  baseURL?: string;
  /** extra headers on every request (a gateway's); secret ones must also be listed in `secrets` */
  headers?: Record<string, string>;
  /** values scrubbed from every message and log line besides the key (secret gateway headers) */
  secrets?: string[];
  /** the price from settings, over the built-in table */
  priceOverride?: ModelPrice | null;
  /** retries after the first attempt (default 4) */
  maxRetries?: number;
  /** the rest of the retry policy */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** used when a request's maxTokens is not positive (default 8192) */
  defaultMaxTokens?: number;
  /** per HTTP attempt (default 10 minutes, the SDK's) */
  timeoutMs?: number;
  clock?: Clock;
  sleep?: Sleep;
  /** jitter source, in [0, 1) */
  random?: () => number;
  log?: ProviderLog;
}

const MISSING_KEY =
  'No Anthropic API key: set the ANTHROPIC_API_KEY environment variable, or run "AIOS: Set API Key" in VS Code.';

/** Thrown by `call` when no API key was given or found in ANTHROPIC_API_KEY. */
export class MissingApiKeyError extends Error {
  constructor() {
    super(MISSING_KEY);
    this.name = 'MissingApiKeyError';
  }
}

/** Calls Claude models through @anthropic-ai/sdk. */
export class AnthropicProvider implements LlmProvider {
  readonly id = 'anthropic';
  readonly scripted = false;
  private readonly apiKey: string | null;
  private readonly baseURL: string;
  private readonly policy: RetryPolicy;
  private readonly defaultMaxTokens: number;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly log: ProviderLog;
  private readonly client: Anthropic | null;
  private readonly unpricedWarned = new Set<string>();
  private readonly secrets: string[];
  private readonly priceOverride: ModelPrice | null;

  constructor(options: AnthropicProviderOptions = {}) {
    const key = options.apiKey ?? process.env['ANTHROPIC_API_KEY'] ?? '';
    this.apiKey = key.trim() || null;
    this.baseURL = options.baseURL ?? (process.env['ANTHROPIC_BASE_URL']?.trim() || 'https://api.anthropic.com');
    this.secrets = [...(this.apiKey ? [this.apiKey] : []), ...(options.secrets ?? []).filter((v) => v.length >= 4)];
    this.priceOverride = options.priceOverride ?? null;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries };
    this.defaultMaxTokens = options.defaultMaxTokens ?? 8192;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    const sink = options.log ?? defaultLog;
    this.log = (level, message) => sink(level, this.scrub(message));
    // The key is passed explicitly, so the SDK does not go looking for other credentials
    // (ANTHROPIC_AUTH_TOKEN, profiles on disk). maxRetries 0: retries are ours, see call().
    this.client = this.apiKey
      ? new Anthropic({
          apiKey: this.apiKey,
          baseURL: this.baseURL,
          maxRetries: 0,
          timeout: options.timeoutMs,
          defaultHeaders: options.headers,
          logger: sdkLogger(this.log),
        })
      : null;
  }

  /** One streamed call; retries 429/5xx itself; throws RateLimitedError when 429s outlast the retries. */
  async call(request: LlmRequest, observer: LlmObserver = {}): Promise<LlmResponse> {
    if (!this.client) throw new MissingApiKeyError();
    const maxTokens = request.maxTokens > 0 ? request.maxTokens : this.defaultMaxTokens;
    const params = toApiParams(request, maxTokens);
    for (let retry = 0; ; retry++) {
      throwIfAborted(request.signal);
      let streamedText = false;
      try {
        const stream = await this.client.messages.create(params, { signal: request.signal ?? null });
        const message = await collectStream(stream, (delta) => {
          streamedText = true;
          observer.onText?.(delta);
        });
        // The SDK ends a stream quietly when its signal aborts; never let a cut-off answer pass as whole.
        throwIfAborted(request.signal);
        return this.toResponse(request, message);
      } catch (error) {
        if (request.signal?.aborted || isAbortError(error)) throw abortError();
        const failure = classifyFailure(error, request.model, this.baseURL, this.clock);
        const wait = failure.retryAfterMs ?? backoffMs(retry + 1, this.policy, this.random);
        // Text already shown to the user cannot be taken back, so a stream that failed midway is not retried.
        const canRetry = failure.retryable && !streamedText && retry < this.policy.maxRetries && wait <= this.policy.maxRetryAfterMs;
        if (!canRetry) throw this.finalError(failure, wait);
        this.log('warn', `${failure.message} (retry ${retry + 1} of ${this.policy.maxRetries} in ${wait} ms)`);
        observer.onRetry?.({ status: failure.status, retryAfterMs: wait, attempt: retry + 1 });
        await this.sleep(wait, request.signal);
      }
    }
  }

  private toResponse(request: LlmRequest, message: StreamedMessage): LlmResponse {
    const model = message.model || request.model;
    const cost = costOf(model, message.usage, this.priceOverride);
    if (cost.warning && !this.unpricedWarned.has(model)) {
      this.unpricedWarned.add(model);
      this.log('warn', cost.warning);
    }
    return {
      content: message.content,
      malformed: message.malformed,
      stopReason: message.stopReason,
      usage: message.usage,
      costUsd: cost.usd,
      model,
      scripted: false,
    };
  }

  /** `text` without the key or any secret header value. */
  private scrub(text: string): string {
    return this.secrets.reduce((t, secret) => redact(t, secret), text);
  }

  /** The error a caller sees: RateLimitedError for a 429, a plain Error otherwise; key-free either way. */
  private finalError(failure: CallFailure, wait: number): Error {
    const message = this.scrub(failure.message);
    if (failure.status === 429 && failure.retryable) return new RateLimitedError(wait, message);
    return new Error(message);
  }
}

function defaultLog(level: 'warn' | 'error' | 'info', message: string): void {
  if (level !== 'info') console.warn(`[aios llm] ${message}`);
}

/** The SDK's logger, routed through ours so its lines are scrubbed of the key too. */
function sdkLogger(log: ProviderLog): NonNullable<ConstructorParameters<typeof Anthropic>[0]>['logger'] {
  const line = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ');
  return {
    error: (...args: unknown[]) => log('error', line(args)),
    warn: (...args: unknown[]) => log('warn', line(args)),
    info: (...args: unknown[]) => log('info', line(args)),
    debug: () => {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
