/**
 * Turns an LlmRequest into Chat Completions parameters: the system prompt as a `system` message,
 * tool results as `tool` messages right after the assistant message that called them, tool calls
 * with their arguments as JSON text, and usage asked for in the stream's last chunk.
 * Prompt caching needs no breakpoints here: OpenAI-compatible servers cache prefixes on their own.
 */
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { LlmMessage, LlmRequest } from '../kernel/ports/llm';

/** Which output cap a server understands: OpenAI's own API wants max_completion_tokens, most others max_tokens. */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/** Builds the streaming request for `request` with `maxTokens` as the output cap. */
export function toChatParams(request: LlmRequest, model: string, maxTokens: number, field: MaxTokensField): ChatCompletionCreateParamsStreaming {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) messages.push(...(m.role === 'assistant' ? assistantMessages(m) : userMessages(m)));
  const params: ChatCompletionCreateParamsStreaming = {
    model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (field === 'max_completion_tokens') params.max_completion_tokens = maxTokens;
  else params.max_tokens = maxTokens;
  if (request.tools.length) params.tools = request.tools.map(toTool);
  return params;
}

function toTool(t: LlmRequest['tools'][number]): ChatCompletionTool {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } };
}

/** Text and tool calls of one assistant turn; a turn with neither (thinking only) is left out, as the API rejects it. */
function assistantMessages(m: LlmMessage): ChatCompletionAssistantMessageParam[] {
  const text = m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const calls = m.content.flatMap((b) => (b.type === 'tool_use'
    ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }]
    : []));
  if (!text && calls.length === 0) return [];
  const message: ChatCompletionAssistantMessageParam = { role: 'assistant', content: text || null };
  if (calls.length) message.tool_calls = calls;
  return [message];
}

/** Tool results first (they must follow the assistant's tool calls), then the user's text. */
function userMessages(m: LlmMessage): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  for (const b of m.content) {
    if (b.type === 'tool_result') out.push({ role: 'tool', tool_call_id: b.toolUseId, content: b.isError ? `Error: ${b.content}` : b.content });
  }
  const text = m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n\n');
  if (text) out.push({ role: 'user', content: text });
  return out;
}
