/** remember: an agent stores a fact in its long-term memory (or the workspace's shared one). */
import type { AgentMemories } from './agentMemory';
import { MemoryQuotaError } from './memoryPort';
import type { Tool, ToolContext, ToolOutcome } from '../kernel/ports/tools';

interface RememberInput {
  fact: string;
  tags?: string[];
  shared?: boolean;
}

/** Creates the remember tool over a workspace's memories. */
export function rememberTool(memories: AgentMemories): Tool {
  return {
    name: 'remember',
    description:
      'Store a fact in long-term memory so it can be found later with recall {"query": …}, also after a restart. ' +
      'Use it for lasting knowledge: decisions, conventions, where things are, what failed and why. ' +
      'shared: true makes it available to every agent in this workspace (default: only you). Tags help finding it.',
    inputSchema: {
      type: 'object',
      properties: {
        fact: { type: 'string', minLength: 1, maxLength: 8000, description: 'the fact, self-contained' },
        tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 12, description: 'a few keywords' },
        shared: { type: 'boolean', description: 'visible to every agent in this workspace' },
      },
      required: ['fact'],
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: [],
    async prepare(raw: unknown, context: ToolContext) {
      const input = raw as RememberInput;
      const short = input.fact.length > 80 ? `${input.fact.slice(0, 80)}…` : input.fact;
      return {
        subject: { kind: 'tool' as const, summary: `remember${input.shared ? ' (shared)' : ''}: ${short}`, input },
        run: async (): Promise<ToolOutcome> => {
          try {
            const { memory, existed } = memories.remember(context.pid, input.fact, { tags: input.tags, shared: input.shared });
            const who = memory.owner === null ? 'shared: every agent in this workspace can recall it' : 'yours: only you can recall it';
            return { content: `${existed ? 'already remembered; refreshed' : 'remembered'} as memory #${memory.id} (${who})`, isError: false };
          } catch (err) {
            if (err instanceof MemoryQuotaError) return { content: err.message, isError: true };
            throw err;
          }
        },
      };
    },
  };
}
