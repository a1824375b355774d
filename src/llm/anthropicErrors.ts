/**
 * Turns what the SDK throws into one description: the status, whether a retry can help, and a
 * message that says what failed and what to do. The API key is scrubbed from every message.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { Clock } from '../kernel/ports/clock';
import { IncompleteStreamError } from './anthropicStream';
import { isRetryableStatus, retryAfterFromHeaders } from './retryPolicy';

/** A failed attempt, classified. */
export interface CallFailure {
  /** HTTP status; in-stream errors get the status of their type (overloaded_error → 529); 0 for no response */
  status: number;
  retryable: boolean;
  /** what the server asked us to wait, if it said */
  retryAfterMs: number | null;
  /** for the user: what failed and what to do, key-free */
  message: string;
}

const STREAM_ERROR_STATUS: Record<string, number> = {
  overloaded_error: 529,
  api_error: 500,
  rate_limit_error: 429,
  timeout_error: 504,
};

/** How a failure looks from a caller's chair, per status. */
function advice(status: number, model: string): string {
  if (status === 400) return 'the request was invalid; this is likely an AIOS bug, please report it with the request id';
  if (status === 401) return 'the API key was rejected: set a valid key in ANTHROPIC_API_KEY or run "AIOS: Set API Key" in VS Code';
  if (status === 402) return 'billing problem on the Anthropic account: check the plan or credits in the Anthropic Console';
  if (status === 403) return `the API key may not use model '${model}': check the key's workspace and permissions`;
  if (status === 404) return `model '${model}' was not found: check the model id in the agent's settings`;
  if (status === 413) return 'the prompt is too large: lower the agent\'s context budget';
  if (status === 429) return 'rate limited: the scheduler should pause this agent and try later';
  if (status === 529) return 'the Anthropic API is overloaded: try again in a few minutes';
  if (status >= 500) return 'the Anthropic API failed on its side: try again later, and check status.claude.com if it persists';
  return 'see the message above';
}

/** Removes every occurrence of `secret` (the API key) from `text`. */
export function redact(text: string, secret: string | null): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/** Classifies one error thrown by the SDK (or by stream collection) for a call to `model`. */
export function classifyFailure(error: unknown, model: string, baseURL: string, clock: Clock): CallFailure {
  if (error instanceof APIConnectionTimeoutError) {
    return { status: 0, retryable: false, retryAfterMs: null, message: `The Anthropic API at ${baseURL} did not answer in time: check the network, or raise the provider timeout` };
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { status: 0, retryable: false, retryAfterMs: null, message: `Could not reach the Anthropic API at ${baseURL}${cause}. Check the network, and the base URL (the aios.anthropic.baseUrl setting or the ANTHROPIC_BASE_URL environment variable)` };
  }
  if (error instanceof IncompleteStreamError) {
    return { status: 0, retryable: false, retryAfterMs: null, message: `${error.message}: the connection dropped; the step can be retried` };
  }
  if (error instanceof APIError) {
    return apiError(error as APIError, model, clock);
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 0, retryable: false, retryAfterMs: null, message: `Anthropic call failed: ${message}` };
}

/** An API error (HTTP, or an error event in the stream) as a failure with advice. */
function apiError(error: APIError, model: string, clock: Clock): CallFailure {
  const type = error.type ?? null;
  const status = error.status ?? (type ? STREAM_ERROR_STATUS[type] : undefined) ?? 0;
  const detail = error.apiMessage ?? (error.status ? null : error.message);
  const where = error.requestID ? ` (request id ${error.requestID})` : '';
  const what = `Anthropic API error ${status || 'in stream'}${type ? ` ${type}` : ''}${detail ? `: ${detail}` : ''}${where}`;
  // A 429 for a spent monthly cap will not clear by waiting minutes: do not retry it.
  if (error.errorCode === 'enforced_spend_limit_reached') {
    return { status, retryable: false, retryAfterMs: null, message: `${what}. The organization reached its monthly spend limit: raise the limit in the Anthropic Console or wait for the next month` };
  }
  const shouldRetry = error.headers?.get('x-should-retry');
  const retryable = shouldRetry === 'false' ? false : shouldRetry === 'true' || isRetryableStatus(status);
  return { status, retryable, retryAfterMs: retryAfterFromHeaders(error.headers, clock), message: `${what}. ${capitalize(advice(status, model))}` };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
