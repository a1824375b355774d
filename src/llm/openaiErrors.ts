/**
 * Turns what the openai SDK throws (or stream collection) into one description: status, whether a
 * retry can help, the wait the server asked for, and a message that says what failed and what to
 * do. The caller scrubs the key from the message; model text in it is escaped.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { Clock } from '../kernel/ports/clock';
import { escapeControl } from '../text/displayText';
import type { CallFailure } from './anthropicErrors';
import { IncompleteChatError, MalformedChunkError } from './openaiStream';
import { isRetryableStatus, retryAfterFromHeaders } from './retryPolicy';

/** Who is called, for messages: `OpenRouter at https://openrouter.ai/api/v1`. */
export interface EndpointLabel {
  name: string;
  baseUrl: string;
  /** what to do about a missing or rejected key */
  keyHint: string;
}

function advice(status: number, model: string, where: EndpointLabel): string {
  if (status === 400) return 'the endpoint refused the request; if the model does not support tools or this request shape, choose another model, else report it as an AIOS bug';
  if (status === 401) return `the API key was rejected: ${where.keyHint || 'check the key'}`;
  if (status === 402) return 'payment required: check the credits or plan of the account';
  if (status === 403) return `the key may not use model '${model}': check its permissions`;
  if (status === 404) return `model '${model}' (or the path) was not found at ${where.baseUrl}: check the model id and the base URL${where.name === 'ollama' ? ` (ollama pull ${model})` : ''}`;
  if (status === 413) return "the prompt is too large: lower the agent's context budget";
  if (status === 429) return 'rate limited: the scheduler pauses this agent and tries later';
  if (status >= 500) return `${where.name} failed on its side: try again later`;
  return 'see the message above';
}

/** Classifies one failed attempt at calling `model` on `where`. */
export function classifyOpenAiFailure(error: unknown, model: string, where: EndpointLabel, clock: Clock): CallFailure {
  const at = `${where.name} at ${where.baseUrl}`;
  if (error instanceof APIConnectionTimeoutError) {
    return { status: 0, retryable: false, retryAfterMs: null, message: `${at} did not answer in time: check that the server runs and the network, or raise the provider timeout` };
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const local = where.name === 'ollama' ? ' (is Ollama running? start it with `ollama serve`)' : where.name === 'lmstudio' ? ' (is the LM Studio server started?)' : '';
    return { status: 0, retryable: false, retryAfterMs: null, message: `Could not reach ${at}${cause}${local}. Check the base URL (aios.endpoints, or the provider's *_BASE_URL variable) and the network` };
  }
  if (error instanceof IncompleteChatError) {
    return { status: 0, retryable: false, retryAfterMs: null, message: `${at}: ${error.message}; the connection dropped, the step can be retried` };
  }
  if (error instanceof MalformedChunkError || error instanceof SyntaxError) {
    const detail = error instanceof SyntaxError ? `a chunk is not JSON (${escapeControl(error.message).slice(0, 200)})` : escapeControl(error.message);
    return { status: 0, retryable: false, retryAfterMs: null, message: `${at} sent a stream AIOS cannot read: ${detail}. The server does not speak the Chat Completions streaming format correctly: check the base URL points at an OpenAI-compatible /v1 endpoint` };
  }
  if (error instanceof APIError) {
    const e = error as APIError; // instanceof alone gives APIError<any, any, any>
    const status = e.status ?? 0;
    const body = e.error as { message?: unknown } | undefined;
    const detail = typeof body?.message === 'string' ? escapeControl(body.message).slice(0, 500) : null;
    const where2 = e.requestID ? ` (request id ${e.requestID})` : '';
    const what = `${at}: error ${status || 'in stream'}${e.code ? ` ${e.code}` : ''}${detail ? `: ${detail}` : ''}${where2}`;
    const retryable = status === 0 ? false : isRetryableStatus(status);
    return { status, retryable, retryAfterMs: retryAfterFromHeaders(e.headers, clock), message: `${what}. ${capitalize(advice(status, model, where))}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 0, retryable: false, retryAfterMs: null, message: `${at}: the call failed: ${escapeControl(message)}` };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
