/** remember: an agent stores a fact in its long-term memory (or the workspace's shared one). */
import type { AgentMemories } from './agentMemory';
import { MemoryQuotaError } from './memoryPort';
import { z } from 'zod';
import { defineTool } from '../kernel/ports/toolInput';
import type { Tool, ToolOutcome } from '../kernel/ports/tools';

const RememberInput = z.strictObject({
  fact: z.string().min(1).max(8000).describe('the fact, self-contained'),
  tags: z.array(z.string().min(1).max(64)).max(12).optional().describe('a few keywords'),
  shared: z.boolean().optional().describe('visible to every agent in this workspace'),
});

/** Creates the remember tool over a workspace's memories. */
export function rememberTool(memories: AgentMemories): Tool {
  return defineTool({
    name: 'remember',
    description:
      'Store a fact in long-term memory so it can be found later with recall {"query": …}, also after a restart. ' +
      'Use it for lasting knowledge: decisions, conventions, where things are, what failed and why. ' +
      'shared: true makes it available to every agent in this workspace (default: only you). Tags help finding it.',
    input: RememberInput,
    risk: 'low',
    capabilities: [],
    async prepare(input, context) {
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
  });
}
