/**
 * The request checks of the Messages API that our provider could get wrong, so the local server
 * rejects what the real API would reject: too many cache breakpoints, empty text blocks,
 * tool_use / tool_result pairs that do not match, and thinking blocks not handed back verbatim.
 */

type Json = Record<string, unknown>;

/** The API's limit on blocks with cache_control in one request. */
const MAX_BREAKPOINTS = 4;

/** Returns the API-style error message for an invalid body, or null when it is acceptable. */
export function validateMessagesBody(body: Json): string | null {
  if (typeof body['model'] !== 'string' || !body['model']) return 'model: Field required';
  if (typeof body['max_tokens'] !== 'number') return 'max_tokens: Field required';
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';

  const breakpoints = countCacheControl(body['tools']) + countCacheControl(body['system']) +
    (messages as Json[]).reduce((n, m) => n + countCacheControl(m['content']), 0);
  if (breakpoints > MAX_BREAKPOINTS) {
    return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`;
  }

  let pendingToolUses: string[] = [];
  for (const [i, message] of (messages as Json[]).entries()) {
    const blocks = blocksOf(message['content']);
    if (blocks.some((b) => b['type'] === 'text' && b['text'] === '')) return `messages.${i}: text content blocks must be non-empty`;
    const results = blocks.filter((b) => b['type'] === 'tool_result').map((b) => String(b['tool_use_id']));
    const unexpected = results.filter((id) => !pendingToolUses.includes(id));
    if (unexpected.length) {
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    const unanswered = pendingToolUses.filter((id) => !results.includes(id));
    if (unanswered.length) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}.`;
    }
    pendingToolUses = message['role'] === 'assistant' ? blocks.filter((b) => b['type'] === 'tool_use').map((b) => String(b['id'])) : [];
  }
  return null;
}

function blocksOf(content: unknown): Json[] {
  return Array.isArray(content) ? (content as Json[]) : typeof content === 'string' ? [{ type: 'text', text: content }] : [];
}

function countCacheControl(value: unknown): number {
  return Array.isArray(value) ? (value as Json[]).filter((b) => b && b['cache_control'] != null).length : 0;
}

/** What the server handed out with thinking: signature → thinking text, and the tool calls that came with it. */
export interface ThinkingLedger {
  signatures: Map<string, string>;
  toolUses: Set<string>;
}

/**
 * Thinking blocks must come back unchanged (the signature covers the text), and the last assistant
 * turn of a tool-use cycle that had thinking must start with it again.
 */
export function validateThinking(body: Json, ledger: ThinkingLedger): string | null {
  const messages = body['messages'] as Json[];
  for (const [i, message] of messages.entries()) {
    for (const [j, block] of blocksOf(message['content']).entries()) {
      if (block['type'] === 'thinking' && ledger.signatures.get(String(block['signature'])) !== block['thinking']) {
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      }
    }
  }
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
