/**
 * Folds a Messages API event stream into content, tool calls and usage. Tool input JSON is
 * accumulated here from `input_json_delta` and parsed once at `content_block_stop`, so input the
 * model got wrong comes back as a MalformedToolUse instead of an exception.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { LlmBlock, LlmUsage, MalformedToolUse } from '../kernel/ports/llm';

/** What one streamed message amounted to. */
export interface StreamedMessage {
  /** in order, thinking blocks included (they go back to the API within a tool-use cycle) */
  content: LlmBlock[];
  malformed: MalformedToolUse[];
  stopReason: string;
  usage: LlmUsage;
  /** the model id the API answered with (may be a dated snapshot of the one asked for) */
  model: string;
}

/** A block being streamed; blocks we do not map (server tools) are tracked as `skip`. */
type Open =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; id: string; name: string; json: string }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'redacted'; data: string }
  | { kind: 'skip' };

/** Thrown when the stream ends before `message_stop`: the connection dropped mid-answer. */
export class IncompleteStreamError extends Error {
  constructor() {
    super('The Anthropic API stream ended before the message was complete');
    this.name = 'IncompleteStreamError';
  }
}

/** Reads the whole stream, calling `onText` with each text delta as it arrives. */
export async function collectStream(
  events: AsyncIterable<RawMessageStreamEvent>,
  onText: (delta: string) => void,
): Promise<StreamedMessage> {
  const blocks = new Map<number, Open>();
  const finished = new Map<number, LlmBlock>();
  const malformed: MalformedToolUse[] = [];
  const usage: LlmUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  let model = '';
  let stopReason = '';
  let stopped = false;

  for await (const event of events) {
    switch (event.type) {
      case 'message_start': {
        model = event.message.model;
        const u = event.message.usage;
        usage.inputTokens = u.input_tokens ?? 0;
        usage.outputTokens = u.output_tokens ?? 0;
        usage.cacheReadTokens = u.cache_read_input_tokens ?? 0;
        usage.cacheWriteTokens = u.cache_creation_input_tokens ?? 0;
        break;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') blocks.set(event.index, { kind: 'text', text: block.text ?? '' });
        else if (block.type === 'tool_use') blocks.set(event.index, { kind: 'tool', id: block.id, name: block.name, json: '' });
        else if (block.type === 'thinking') blocks.set(event.index, { kind: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
        else if (block.type === 'redacted_thinking') blocks.set(event.index, { kind: 'redacted', data: block.data });
        else blocks.set(event.index, { kind: 'skip' });
        break;
      }
      case 'content_block_delta': {
        const open = blocks.get(event.index);
        if (event.delta.type === 'text_delta' && open?.kind === 'text') {
          open.text += event.delta.text;
          if (event.delta.text) onText(event.delta.text);
        } else if (event.delta.type === 'input_json_delta' && open?.kind === 'tool') {
          open.json += event.delta.partial_json;
        } else if (event.delta.type === 'thinking_delta' && open?.kind === 'thinking') {
          open.thinking += event.delta.thinking;
        } else if (event.delta.type === 'signature_delta' && open?.kind === 'thinking') {
          open.signature = event.delta.signature;
        }
        break;
      }
      case 'content_block_stop': {
        const open = blocks.get(event.index);
        blocks.delete(event.index);
        const done = open && finish(open, malformed);
        if (done) finished.set(event.index, done);
        break;
      }
      case 'message_delta': {
        stopReason = event.delta.stop_reason ?? stopReason;
        // These counters are cumulative totals for the message: overwrite, never add.
        usage.outputTokens = event.usage.output_tokens ?? usage.outputTokens;
        if (event.usage.input_tokens != null) usage.inputTokens = event.usage.input_tokens;
        if (event.usage.cache_read_input_tokens != null) usage.cacheReadTokens = event.usage.cache_read_input_tokens;
        if (event.usage.cache_creation_input_tokens != null) usage.cacheWriteTokens = event.usage.cache_creation_input_tokens;
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
    }
  }
  if (!stopped) throw new IncompleteStreamError();
  // A block still open at message_stop (a truncated tool call) is finished as it stands.
  for (const [index, open] of blocks) {
    const done = finish(open, malformed);
    if (done) finished.set(index, done);
  }
  const content = [...finished.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
  return { content, malformed, stopReason, usage, model };
}

function finish(open: Open, malformed: MalformedToolUse[]): LlmBlock | null {
  switch (open.kind) {
    case 'text':
      return { type: 'text', text: open.text };
    case 'tool':
      return finishToolUse(open, malformed);
    case 'thinking':
      return { type: 'thinking', thinking: open.thinking, signature: open.signature };
    case 'redacted':
      return { type: 'redacted_thinking', data: open.data };
    case 'skip':
      return null;
  }
}

/**
 * Parses the accumulated input. Input that is not a JSON object is reported as malformed; the
 * block stays in the content with `{}` as input, because the API requires every tool_use in the
 * history to be answered by a tool_result with its id (the caller answers it with an error).
 */
function finishToolUse(open: { id: string; name: string; json: string }, malformed: MalformedToolUse[]): LlmBlock {
  const raw = open.json;
  if (raw.trim() === '') return { type: 'tool_use', id: open.id, name: open.name, input: {} };
  try {
    const input: unknown = JSON.parse(raw);
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
      return { type: 'tool_use', id: open.id, name: open.name, input };
    }
    malformed.push({ id: open.id, name: open.name, raw, error: 'tool input must be a JSON object' });
  } catch (error) {
    malformed.push({ id: open.id, name: open.name, raw, error: (error as Error).message });
  }
  return { type: 'tool_use', id: open.id, name: open.name, input: {} };
}
