/**
 * Thinking blocks the API needs back. Models with thinking on (adaptive thinking is the default,
 * or always on, for the 5.x models) answer a tool call with thinking blocks first, and the API
 * rejects the next request of that tool-use cycle unless those blocks come back verbatim, with
 * their signatures. LlmBlock has no thinking type, so the provider keeps each such assistant turn
 * here, keyed by its tool_use ids, and replays it when the kernel sends the turn back unchanged.
 */
import type { RedactedThinkingBlockParam, ThinkingBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { LlmBlock } from '../kernel/ports';

/** A block of an assistant turn as the API sent it: one of ours, or a thinking block to hand back as is. */
export type TurnBlock = LlmBlock | ThinkingBlockParam | RedactedThinkingBlockParam;

/** True for the blocks LlmBlock cannot carry. */
export function isThinkingBlock(block: TurnBlock): block is ThinkingBlockParam | RedactedThinkingBlockParam {
  return block.type === 'thinking' || block.type === 'redacted_thinking';
}

/** Recent assistant turns that carried thinking, bounded so a long-running host does not grow. */
export class ThinkingMemory {
  private readonly turns = new Map<string, TurnBlock[]>();

  constructor(private readonly capacity = 512) {}

  /** Keeps `turn` if it has thinking blocks and tool calls (only a tool-use cycle needs them back). */
  remember(turn: readonly TurnBlock[]): void {
    if (!turn.some(isThinkingBlock)) return;
    for (const block of turn) {
      if (block.type !== 'tool_use') continue;
      this.turns.set(block.id, [...turn]);
      if (this.turns.size > this.capacity) this.turns.delete(this.turns.keys().next().value!);
    }
  }

  /** The remembered turn for this assistant content, if the kernel sends it back unchanged; else null. */
  replay(content: readonly LlmBlock[]): TurnBlock[] | null {
    const toolUse = content.find((block) => block.type === 'tool_use');
    const turn = toolUse && this.turns.get(toolUse.id);
    if (!turn) return null;
    const ours = turn.filter((block) => !isThinkingBlock(block));
    // A turn the pager edited would not match its signature anyway: send it plain.
    return JSON.stringify(ours) === JSON.stringify(content) ? turn : null;
  }
}
