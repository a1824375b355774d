/**
 * Turns an LlmRequest into Messages API parameters: blocks, tools, and the prompt-cache
 * breakpoints (`cache_control`) that make the stable prefix cheap on the next step.
 */
import type {
  CacheControlEphemeral,
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { LlmBlock, LlmRequest } from '../kernel/ports/llm';
import { MAX_CACHE_BREAKPOINTS, MIN_THINKING_BUDGET } from './messagesRules';


const EPHEMERAL: CacheControlEphemeral = { type: 'ephemeral' };

/** A place a breakpoint can go, in prompt order (tools, then system, then messages). */
type Breakpoint = { at: 'tools' } | { at: 'system' } | { at: 'message'; index: number };

/** Thinking blocks: sent back as they came, never the carrier of a cache breakpoint. */
function isThinkingBlock(block: LlmBlock | ContentBlockParam): boolean {
  return block.type === 'thinking' || block.type === 'redacted_thinking';
}

/** The thinking budget of `+thinking` without a number. */
export const DEFAULT_THINKING_BUDGET = 4096;

/** A model setting split into the model id to send and the extended-thinking budget it asks for. */
export interface ThinkingModel {
  model: string;
  /** null: thinking off */
  thinkingBudget: number | null;
}

/**
 * `claude-sonnet-4-5+thinking` asks for extended thinking with the default budget,
 * `claude-sonnet-4-5+thinking=8000` with 8000 tokens (at least 1024, as the API requires).
 */
export function parseThinkingModel(setting: string): ThinkingModel {
  const match = /^(.*?)\+thinking(?:=(\d+))?$/.exec(setting.trim());
  if (!match) return { model: setting, thinkingBudget: null };
  const budget = match[2] === undefined ? DEFAULT_THINKING_BUDGET : Number(match[2]);
  if (budget < MIN_THINKING_BUDGET) {
    throw new Error(`Model setting '${setting}' asks for a thinking budget of ${budget} tokens; the API needs at least ${MIN_THINKING_BUDGET}: use +thinking=${MIN_THINKING_BUDGET} or more`);
  }
  return { model: match[1]!, thinkingBudget: budget };
}

/**
 * Builds the streaming Messages API request for `request`, with `maxTokens` as the output cap
 * (with thinking on, the cap covers thinking too, so it is raised above the budget when needed).
 */
export function toApiParams(request: LlmRequest, maxTokens: number): MessageCreateParamsStreaming {
  const { model, thinkingBudget } = parseThinkingModel(request.model);
  const tools: Tool[] = request.tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { type: 'object', ...tool.inputSchema },
  }));
  const system: TextBlockParam[] = request.system ? [{ type: 'text', text: request.system }] : [];
  const messages: MessageParam[] = request.messages.map((message) => ({ role: message.role, content: message.content.flatMap(toApiBlock) }));

  for (const point of chooseBreakpoints(request, messages, tools.length > 0, system.length > 0)) {
    if (point.at === 'tools') tools[tools.length - 1]!.cache_control = EPHEMERAL;
    else if (point.at === 'system') system[0]!.cache_control = EPHEMERAL;
    else setCacheControl(messages[point.index]!);
  }

  return {
    model,
    max_tokens: thinkingBudget !== null && maxTokens <= thinkingBudget ? thinkingBudget + maxTokens : maxTokens,
    ...(thinkingBudget !== null ? { thinking: { type: 'enabled' as const, budget_tokens: thinkingBudget } } : {}),
    messages,
    ...(system.length ? { system } : {}),
    ...(tools.length ? { tools } : {}),
    stream: true,
  };
}

/**
 * Where the breakpoints go. `cache.system` marks the end of tools and the end of system (two
 * breakpoints, so a change of system prompt still reuses the cached tools); each listed message
 * index marks that message's last block. Over the limit of 4, the latest ones are kept: they
 * cover the longest prefix, and the API looks back from a breakpoint for earlier cached prefixes.
 */
function chooseBreakpoints(
  request: LlmRequest,
  messages: readonly MessageParam[],
  hasTools: boolean,
  hasSystem: boolean,
): Breakpoint[] {
  const points: Breakpoint[] = [];
  if (request.cache.system) {
    if (hasTools) points.push({ at: 'tools' });
    if (hasSystem) points.push({ at: 'system' });
  }
  const indices = [...new Set(request.cache.messages)]
    .filter((index) => Number.isInteger(index) && index >= 0 && index < messages.length)
    .sort((a, b) => a - b);
  // A message whose blocks were all empty text has nothing to carry the breakpoint.
  const canCarry = (message: MessageParam): boolean => (message.content as ContentBlockParam[]).some((block) => !isThinkingBlock(block));
  for (const index of indices) if (canCarry(messages[index]!)) points.push({ at: 'message', index });
  return points.slice(-MAX_CACHE_BREAKPOINTS);
}

/** Marks the message's last block that can carry a breakpoint (thinking blocks cannot). */
function setCacheControl(message: MessageParam): void {
  const blocks = message.content as ContentBlockParam[];
  const last = blocks.filter((block) => !isThinkingBlock(block)).at(-1) as { cache_control?: CacheControlEphemeral } | undefined;
  if (last) last.cache_control = EPHEMERAL;
}

/** One block as API blocks; an empty text block becomes none, because the API rejects it. */
function toApiBlock(block: LlmBlock): ContentBlockParam[] {
  switch (block.type) {
    case 'thinking':
      return [{ type: 'thinking', thinking: block.thinking, signature: block.signature }];
    case 'redacted_thinking':
      return [{ type: 'redacted_thinking', data: block.data }];
    case 'text':
      return block.text ? [{ type: 'text', text: block.text }] : [];
    case 'tool_use':
      return [{ type: 'tool_use', id: block.id, name: block.name, input: isObject(block.input) ? block.input : {} }];
    case 'tool_result':
      return [{ type: 'tool_result', tool_use_id: block.toolUseId, content: block.content, is_error: block.isError }];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
