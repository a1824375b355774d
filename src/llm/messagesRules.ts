/**
 * The Messages API's request rules, written once and executed in two places: the local Messages
 * API server of the tests (so the real SDK meets what the real API rejects) and the scripted
 * provider's strict mode (so the pager's real prompts meet the same rules in every runtime,
 * planner and E2E test). Each rule returns the API-style message of the 400 the real API answers.
 *
 * Sources: the Messages API reference (request fields, tool names, content blocks), the extended
 * thinking guide (budget, signatures, thinking blocks in tool-use cycles, no cache_control on
 * thinking) and the prompt caching guide (4 breakpoints, minimum cacheable length per model).
 */
import Ajv2020 from 'ajv/dist/2020';

type Json = Record<string, unknown>;

/** The API's limit on blocks with cache_control in one request. */
export const MAX_CACHE_BREAKPOINTS = 4;
/** Tool names: `^[a-zA-Z0-9_-]{1,64}$` (Messages API, `tools[].name`). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** The smallest thinking budget the API accepts. */
export const MIN_THINKING_BUDGET = 1024;

const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result', 'search_result']);
const ASSISTANT_BLOCKS = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result']);

/**
 * Minimum cacheable prompt length in tokens, as the prompt caching guide lists it: a prefix
 * shorter than this is processed without caching (no error, no cache write).
 * 4096: Opus 4.5 and later Opus 4.x, Haiku 4.5; 2048: Haiku 3 and 3.5; 1024: Sonnet 3.7 / 4 / 4.5 / 4.6,
 * Opus 4 / 4.1, and models the guide does not list (the scripted model among them).
 */
export function minCacheableTokens(model: string): number {
  const m = model.toLowerCase();
  if (/haiku-4|haiku-4-5|4-5-haiku/.test(m)) return 4096;
  if (/haiku/.test(m)) return 2048;
  if (/opus-4-(5|6|7|8|9)|opus-[5-9]/.test(m)) return 4096;
  return 1024;
}

/** True when the request turns extended thinking on; only then may the answer contain thinking blocks. */
export function thinkingRequested(body: Json): boolean {
  const thinking = body['thinking'] as Json | undefined;
  return thinking?.['type'] === 'enabled' || thinking?.['type'] === 'adaptive';
}

/** Checks whole requests; keeps the tool schemas it has already accepted, so a long run pays once per schema. */
export class MessagesRules {
  private readonly ajv = new Ajv2020({ strict: false, validateSchema: false });
  private readonly goodSchemas = new Set<string>();

  /** Returns the API-style error message for an invalid body, or null when the API would accept it. */
  check(body: Json): string | null {
    return checkFields(body) ?? this.checkTools(body['tools']) ?? checkMessages(body) ?? checkCacheControl(body) ?? checkThinkingConfig(body);
  }

  private checkTools(tools: unknown): string | null {
    if (tools === undefined) return null;
    if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
    const seen = new Set<string>();
    for (const [i, tool] of (tools as Json[]).entries()) {
      if (tool['type'] !== undefined && tool['type'] !== 'custom') continue; // server tools carry no schema
      const name = tool['name'];
      if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
        return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
      }
      if (seen.has(name)) return `tools: Tool names must be unique. Found duplicate: ${name}`;
      seen.add(name);
      const schema = tool['input_schema'];
      if (!isObject(schema)) return `tools.${i}.custom.input_schema: Field required`;
      if (schema['type'] !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
      const key = JSON.stringify(schema);
      if (this.goodSchemas.has(key)) continue;
      if (!this.ajv.validateSchema(schema)) {
        return `tools.${i}.custom.input_schema: JSON schema is invalid - it must match JSON Schema draft 2020-12 (${this.ajv.errorsText(this.ajv.errors)})`;
      }
      this.goodSchemas.add(key);
    }
    return null;
  }
}

function checkFields(body: Json): string | null {
  if (typeof body['model'] !== 'string' || !body['model']) return 'model: Field required';
  const maxTokens = body['max_tokens'];
  if (maxTokens === undefined) return 'max_tokens: Field required';
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) return 'max_tokens: Input should be a valid integer';
  if (maxTokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
  const system = body['system'];
  if (Array.isArray(system)) {
    for (const [i, block] of (system as Json[]).entries()) {
      if (block['type'] !== 'text') return `system.${i}.type: Input should be 'text'`;
      if (typeof block['text'] !== 'string' || !block['text'].trim()) return `system.${i}: text content blocks must contain non-whitespace text`;
    }
  } else if (system !== undefined && typeof system !== 'string') {
    return 'system: Input should be a valid string or a list of text blocks';
  }
  return null;
}

function checkMessages(body: Json): string | null {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  if ((messages[0] as Json)['role'] !== 'user') return 'messages.0.role: the first message must use the "user" role';
  let pendingToolUses: string[] = [];
  for (const [i, message] of (messages as Json[]).entries()) {
    const role = message['role'];
    if (role !== 'user' && role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const content = message['content'];
    if (typeof content === 'string') {
      if (!content.trim() && !(role === 'assistant' && i === messages.length - 1)) return `messages.${i}: text content blocks must contain non-whitespace text`;
    } else if (!Array.isArray(content) || content.length === 0) {
      if (!(role === 'assistant' && i === messages.length - 1)) return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    const blocks = blocksOf(content);
    const allowed = role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
    for (const [j, block] of blocks.entries()) {
      const type = String(block['type']);
      if (!allowed.has(type)) return `messages.${i}.content.${j}.type: \`${type}\` blocks are not allowed in a \`${String(role)}\` message`;
      if (type === 'text' && (typeof block['text'] !== 'string' || !block['text'].trim())) {
        return `messages.${i}.content.${j}: text content blocks must contain non-whitespace text`;
      }
      if (type === 'tool_use' && !isObject(block['input'])) return `messages.${i}.content.${j}.tool_use.input: Input should be a valid dictionary`;
    }
    const results = blocks.filter((b) => b['type'] === 'tool_result').map((b) => String(b['tool_use_id']));
    const firstOther = blocks.findIndex((b) => b['type'] !== 'tool_result');
    const lastResult = blocks.map((b) => b['type']).lastIndexOf('tool_result');
    if (results.length && firstOther !== -1 && firstOther < lastResult) {
      return `messages.${i}.content.${firstOther}: \`tool_result\` blocks must come first in the \`user\` message, before any other content`;
    }
    const unexpected = results.filter((id) => !pendingToolUses.includes(id));
    if (unexpected.length) {
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    const unanswered = pendingToolUses.filter((id) => !results.includes(id));
    if (unanswered.length) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    pendingToolUses = role === 'assistant' ? blocks.filter((b) => b['type'] === 'tool_use').map((b) => String(b['id'])) : [];
    const ids = blocks.filter((b) => b['type'] === 'tool_use').map((b) => String(b['id']));
    if (new Set(ids).size !== ids.length) return `messages.${i}: \`tool_use\` ids must be unique`;
  }
  return null;
}

function checkCacheControl(body: Json): string | null {
  const messages = body['messages'] as Json[];
  let count = countCacheControl(body['tools']) + countCacheControl(body['system']);
  for (const [i, message] of messages.entries()) {
    for (const [j, block] of blocksOf(message['content']).entries()) {
      if (block['cache_control'] == null) continue;
      count++;
      if (block['type'] === 'thinking' || block['type'] === 'redacted_thinking') {
        return `messages.${i}.content.${j}.${String(block['type'])}.cache_control: Extra inputs are not permitted (thinking blocks cannot be cached directly)`;
      }
    }
  }
  if (count > MAX_CACHE_BREAKPOINTS) {
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${count}.`;
  }
  return null;
}

function checkThinkingConfig(body: Json): string | null {
  const thinking = body['thinking'];
  if (thinking === undefined) return null;
  if (!isObject(thinking)) return 'thinking: Input should be an object';
  if (thinking['type'] === 'disabled') return null;
  if (thinking['type'] !== 'enabled') return `thinking.type: Input should be 'enabled' or 'disabled'`;
  const budget = thinking['budget_tokens'];
  if (typeof budget !== 'number' || !Number.isInteger(budget)) return 'thinking.enabled.budget_tokens: Field required';
  if (budget < MIN_THINKING_BUDGET) return `thinking.enabled.budget_tokens: Input should be greater than or equal to ${MIN_THINKING_BUDGET}`;
  if (budget >= (body['max_tokens'] as number)) return '`max_tokens` must be greater than `thinking.budget_tokens`';
  const choice = body['tool_choice'] as Json | undefined;
  if (choice && choice['type'] !== 'auto' && choice['type'] !== 'none') {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  return null;
}

/** What a server handed out with thinking: signature → thinking text, and the tool calls that came with it. */
export interface ThinkingLedger {
  signatures: Map<string, string>;
  toolUses: Set<string>;
}

/**
 * Thinking blocks must come back unchanged (the signature covers the text), and, with thinking
 * on, the last assistant turn of a tool-use cycle that had thinking must start with it again.
 */
export function checkThinkingBlocks(body: Json, ledger: ThinkingLedger): string | null {
  const messages = body['messages'] as Json[];
  for (const [i, message] of messages.entries()) {
    for (const [j, block] of blocksOf(message['content']).entries()) {
      if (block['type'] === 'thinking' && ledger.signatures.get(String(block['signature'])) !== block['thinking']) {
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      }
    }
  }
  if (!thinkingRequested(body)) return null;
  const lastAssistant = messages.map((m, i) => [m, i] as const).filter(([m]) => m['role'] === 'assistant').at(-1);
  if (!lastAssistant) return null;
  const [message, i] = lastAssistant;
  const blocks = blocksOf(message['content']);
  const hadThinking = blocks.some((b) => b['type'] === 'tool_use' && ledger.toolUses.has(String(b['id'])));
  if (hadThinking && blocks[0]?.['type'] !== 'thinking' && blocks[0]?.['type'] !== 'redacted_thinking') {
    return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(blocks[0]?.['type'])}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
  }
  return null;
}

function blocksOf(content: unknown): Json[] {
  return Array.isArray(content) ? (content as Json[]) : typeof content === 'string' ? [{ type: 'text', text: content }] : [];
}

function countCacheControl(value: unknown): number {
  return Array.isArray(value) ? (value as Json[]).filter((b) => b && b['cache_control'] != null).length : 0;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
