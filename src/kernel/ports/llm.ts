/** The model provider port: implemented in src/llm/ (Anthropic, OpenAI-compatible, scripted, VS Code). */

/** Counts tokens of a text; real usage from the API replaces estimates when known. */
export interface TokenEstimator {
  estimate(text: string): number;
}

/**
 * A content block in a model conversation. Thinking blocks are kept verbatim (with their
 * signatures) because the API needs them back within a tool-use cycle; they are never shown.
 */
export type LlmBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; content: string; isError: boolean };

/** A message in a model conversation. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  content: LlmBlock[];
}

/** A tool offered to the model. */
export interface LlmToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the input */
  inputSchema: Record<string, unknown>;
}

/** One model call. */
export interface LlmRequest {
  model: string;
  /** stable id of the conversation (the agent's pid as text); the scripted provider keys its cursor on it */
  session: string;
  /**
   * How many model calls this conversation already had (the agent's steps). The scripted model
   * replays from this turn, so an agent restored after a restart continues where it was.
   */
  step?: number;
  system: string;
  tools: LlmToolSpec[];
  messages: LlmMessage[];
  maxTokens: number;
  /**
   * Where the stable prefix ends, for prompt caching: `system` puts a breakpoint after tools +
   * system; each index in `messages` puts one on the last block of that message. The provider
   * sends at most 4 in all, keeping the latest.
   */
  cache: { system: boolean; messages: number[] };
  signal?: AbortSignal;
}

/** A tool call whose input could not be parsed as JSON. */
export interface MalformedToolUse {
  id: string;
  name: string;
  raw: string;
  error: string;
}

/** Token counts of one call as reported by the API (or the script). */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** The result of one model call. */
export interface LlmResponse {
  content: LlmBlock[];
  /** tool calls whose input was not valid JSON; they go back to the model as errors */
  malformed: MalformedToolUse[];
  stopReason: string;
  usage: LlmUsage;
  costUsd: number;
  model: string;
  /** true when produced by the offline scripted model, not a real one */
  scripted: boolean;
}

/** Observer of an in-flight call. */
export interface LlmObserver {
  onText?(delta: string): void;
  /** the provider is retrying after a 429 or 5xx; `status` 429 means the scheduler should pause */
  onRetry?(info: { status: number; retryAfterMs: number; attempt: number }): void;
}

/** A model provider (Anthropic, scripted). */
export interface LlmProvider {
  /** e.g. `anthropic`, `scripted` */
  readonly id: string;
  readonly scripted: boolean;
  call(request: LlmRequest, observer?: LlmObserver): Promise<LlmResponse>;
}

/** Thrown by a provider when the API keeps answering 429 after its retries. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number, message: string) {
    super(message);
    this.name = 'RateLimitedError';
  }
}
