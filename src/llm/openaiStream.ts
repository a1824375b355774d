/**
 * Folds a Chat Completions chunk stream into content, tool calls and usage. Tool call arguments
 * arrive split across chunks (keyed by `index`) and are parsed once the stream ends, so arguments
 * the model got wrong come back as a MalformedToolUse. Usage comes in the last chunk
 * (`stream_options.include_usage`); cached prompt tokens are counted as cache reads.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { LlmBlock, LlmUsage, MalformedToolUse } from '../kernel/ports/llm';

/** What one streamed answer amounted to. */
export interface StreamedChat {
  content: LlmBlock[];
  malformed: MalformedToolUse[];
  /** mapped to the Anthropic names the kernel knows: end_turn, tool_use, max_tokens */
  stopReason: string;
  /** null when the server sent no usage chunk */
  usage: LlmUsage | null;
  model: string;
}

/** The stream ended before a finish_reason: the connection dropped mid-answer. */
export class IncompleteChatError extends Error {
  constructor() {
    super('The stream ended before the answer was complete (no finish_reason)');
    this.name = 'IncompleteChatError';
  }
}

/** A chunk the API would never send (a tool call without a name). */
export class MalformedChunkError extends Error {
  constructor(detail: string) {
    super(`The endpoint sent a malformed stream chunk: ${detail}`);
    this.name = 'MalformedChunkError';
  }
}

const STOP: Record<string, string> = { stop: 'end_turn', tool_calls: 'tool_use', function_call: 'tool_use', length: 'max_tokens', content_filter: 'refusal' };

/** Reads the whole stream, calling `onText` with each text delta as it arrives. */
export async function collectChat(chunks: AsyncIterable<ChatCompletionChunk>, onText: (delta: string) => void): Promise<StreamedChat> {
  let text = '';
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let usage: LlmUsage | null = null;
  let model = '';
  let finish: string | null = null;
  for await (const chunk of chunks) {
    if (typeof chunk !== 'object' || chunk === null) throw new MalformedChunkError('not a JSON object');
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = toUsage(chunk.usage);
    if (chunk.choices !== undefined && !Array.isArray(chunk.choices)) throw new MalformedChunkError('`choices` is not a list');
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta;
      if (delta?.content) {
        text += delta.content;
        onText(delta.content);
      }
      for (const call of delta?.tool_calls ?? []) {
        if (typeof call.index !== 'number') throw new MalformedChunkError('a tool call delta without an index');
        const open = calls.get(call.index) ?? { id: '', name: '', args: '' };
        if (call.id) open.id = call.id;
        if (call.function?.name) open.name += call.function.name;
        if (call.function?.arguments) open.args += call.function.arguments;
        calls.set(call.index, open);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  if (finish === null) throw new IncompleteChatError();
  const content: LlmBlock[] = text ? [{ type: 'text', text }] : [];
  const malformed: MalformedToolUse[] = [];
  for (const [index, call] of [...calls.entries()].sort((a, b) => a[0] - b[0])) {
    if (!call.name) throw new MalformedChunkError(`tool call ${index} has no function name`);
    const id = call.id || `call_${index}`;
    const parsed = parseArguments(call.args);
    if ('error' in parsed) malformed.push({ id, name: call.name, raw: call.args, error: parsed.error });
    content.push({ type: 'tool_use', id, name: call.name, input: 'input' in parsed ? parsed.input : {} });
  }
  return { content, malformed, stopReason: STOP[finish] ?? finish, usage, model };
}

function toUsage(u: NonNullable<ChatCompletionChunk['usage']>): LlmUsage {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return { inputTokens: Math.max(0, (u.prompt_tokens ?? 0) - cached), outputTokens: u.completion_tokens ?? 0, cacheReadTokens: cached, cacheWriteTokens: 0 };
}

/** Arguments text as an object: '' is {} (a call without arguments), anything else must be a JSON object. */
function parseArguments(raw: string): { input: Record<string, unknown> } | { error: string } {
  if (raw.trim() === '') return { input: {} };
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { input: value as Record<string, unknown> };
    return { error: 'tool arguments must be a JSON object' };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
