import type { ContextPager } from './contextPager';
import { blocksText } from './page';
import { ToolInputError, type Tool, type ToolContext } from './ports';

const MAX_RECALL_CHARS = 40_000;

/**
 * `recall`: reads a swapped-out page back by id, or searches the agent's swapped pages (BM25).
 * The content comes back as this call's result, appended to the context, so the prompt prefix
 * (and the prompt cache) stays intact.
 */
export function recallTool(pager: ContextPager): Tool {
  return {
    name: 'recall',
    description: 'Read back context that was swapped out to keep your context within its budget. ' +
      'Give {"page": ID} for a page named in a "[… swapped out …]" note, or {"query": "words"} to search swapped pages by relevance.',
    inputSchema: {
      type: 'object',
      properties: {
        page: { type: 'integer', minimum: 1, description: 'id of a swapped page' },
        query: { type: 'string', minLength: 1, description: 'words to search swapped pages for' },
        top_k: { type: 'integer', minimum: 1, maximum: 20, description: 'how many search hits (default 5)' },
      },
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: [],
    async prepare(input: unknown, context: ToolContext) {
      const { page, query, top_k } = input as { page?: number; query?: string; top_k?: number };
      if ((page === undefined) === (query === undefined)) throw new ToolInputError('recall needs exactly one of "page" (an id) or "query" (words to search)');
      return {
        subject: { kind: 'tool' as const, summary: page !== undefined ? `recall page ${page}` : `search swapped context for "${query}"`, input },
        run: async () => {
          if (page !== undefined) {
            const got = pager.pageIn(context.pid, page);
            const text = blocksText(got.blocks);
            const body = text.length > MAX_RECALL_CHARS ? `${text.slice(0, MAX_RECALL_CHARS)}\n[… truncated: ${text.length - MAX_RECALL_CHARS} more characters]` : text;
            return { content: `page ${page} (${got.page.kind}, ${got.page.role}):\n${body}`, isError: false };
          }
          const hits = pager.search(context.pid, query!, top_k ?? 5);
          if (hits.length === 0) return { content: `no swapped page matches "${query}"`, isError: false };
          return { content: hits.map((h) => `page ${h.id} (${h.kind}): ${h.snippet}`).join('\n') + '\nRecall a page by id to read it whole.', isError: false };
        },
      };
    },
  };
}
