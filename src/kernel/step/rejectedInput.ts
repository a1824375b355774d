/**
 * What a model sent that the kernel rejects is kept as evidence, not verbatim: a tool call whose
 * input fails its schema (or is larger than any tool accepts) is stored in the agent's context
 * with its size and its first characters. Storing it whole would let one bad answer of 15 MB
 * become twice that in the database (the page and its search index).
 */
import type { LlmBlock } from '../ports/llm';
import type { ToolCatalog } from '../ports/tools';

/** Inputs larger than this are never accepted by a tool (the file tools stop at 1 MiB). */
export const MAX_KEPT_INPUT_CHARS = 1024 * 1024;
/** Characters of a rejected input kept for the record. */
export const REJECTED_HEAD_CHARS = 2000;

/** The blocks to store: rejected tool inputs truncated, everything else as it came. */
export function keepRejectedSmall(content: readonly LlmBlock[], tools: ToolCatalog): LlmBlock[] {
  return content.map((b) => {
    if (b.type !== 'tool_use') return b;
    let text: string;
    try {
      text = JSON.stringify(b.input) ?? '';
    } catch {
      return { ...b, input: { rejected_input: { chars: null, head: '(nested too deep to store)' } } };
    }
    if (text.length <= REJECTED_HEAD_CHARS) return b;
    if (text.length <= MAX_KEPT_INPUT_CHARS && tools.validate(b.name, b.input).ok) return b;
    return { ...b, input: { rejected_input: { chars: text.length, head: `${text.slice(0, REJECTED_HEAD_CHARS)}…` } } };
  });
}
