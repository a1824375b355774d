import type { MemoryHit } from './memoryPort';
import type { ContextView } from '../kernel/kernel';
import { blocksText } from '../kernel/context/page';
import { ToolInputError, type Tool, type ToolContext } from '../kernel/ports/tools';
import type { Pid } from '../kernel/types';

const MAX_RECALL_CHARS = 40_000;

/** What recall searches besides swapped pages: the agent's and the workspace's long-term memories (AgentMemories). */
export interface MemoryRecall {
  recall(pid: Pid, query: string, topK: number): MemoryHit[];
}

/**
 * `recall`: reads a swapped-out page back by id, or searches (BM25) the agent's swapped pages
 * and — when memories are given — its long-term memories and the workspace's shared ones, in
 * two labelled sections. The content comes back as this call's result, appended to the
 * context, so the prompt prefix (and the prompt cache) stays intact.
 */
export function recallTool(pager: ContextView, memories?: MemoryRecall): Tool {
  const what = memories ? 'swapped pages and your long-term memories (yours and those shared in this workspace)' : 'swapped pages';
  return {
    name: 'recall',
    description: 'Read back context that was swapped out to keep your context within its budget, or search what you remembered. ' +
      `Give {"page": ID} for a page named in a "[… swapped out …]" note, or {"query": "words"} to search ${what} by relevance.`,
    inputSchema: {
      type: 'object',
      properties: {
        page: { type: 'integer', minimum: 1, description: 'id of a swapped page' },
        query: { type: 'string', minLength: 1, description: `words to search ${what} for` },
        top_k: { type: 'integer', minimum: 1, maximum: 20, description: 'how many hits per section (default 5)' },
      },
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: [],
    async prepare(input: unknown, context: ToolContext) {
      const { page, query, top_k } = input as { page?: number; query?: string; top_k?: number };
      if ((page === undefined) === (query === undefined)) throw new ToolInputError('recall needs exactly one of "page" (an id) or "query" (words to search)');
      return {
        subject: { kind: 'tool' as const, summary: page !== undefined ? `recall page ${page}` : `search ${memories ? 'swapped context and memories' : 'swapped context'} for "${query}"`, input },
        run: async () => {
          if (page !== undefined) {
            const got = pager.pageIn(context.pid, page);
            const text = blocksText(got.blocks);
            const body = text.length > MAX_RECALL_CHARS ? `${text.slice(0, MAX_RECALL_CHARS)}\n[… truncated: ${text.length - MAX_RECALL_CHARS} more characters]` : text;
            return { content: `page ${page} (${got.page.kind}, ${got.page.role}):\n${body}`, isError: false };
          }
          const k = top_k ?? 5;
          const hits = pager.search(context.pid, query!, k);
          if (!memories) {
            if (hits.length === 0) return { content: `no swapped page matches "${query}"`, isError: false };
            return { content: hits.map((h) => `page ${h.id} (${h.kind}): ${h.snippet}`).join('\n') + '\nRecall a page by id to read it whole.', isError: false };
          }
          const found = memories.recall(context.pid, query!, k);
          if (hits.length === 0 && found.length === 0) return { content: `nothing matches "${query}" in your swapped context or your long-term memories`, isError: false };
          const sections = [
            hits.length
              ? `Swapped-out context (recall a page with {"page": ID} to read it whole):\n${hits.map((h) => `  page ${h.id} (${h.kind}): ${h.snippet}`).join('\n')}`
              : 'Swapped-out context: no page matches.',
            found.length
              ? `Long-term memories (yours and shared in this workspace):\n${found.map((h) => `  memory #${h.memory.id} [${h.memory.owner === null ? 'shared' : 'yours'}]${h.memory.tags.length ? ` (tags: ${h.memory.tags.join(', ')})` : ''}: ${h.snippet}`).join('\n')}`
              : 'Long-term memories: none match.',
          ];
          return { content: sections.join('\n\n'), isError: false };
        },
      };
    },
  };
}
