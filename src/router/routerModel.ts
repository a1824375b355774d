/**
 * Asking a model for a role when the router is not confident: one small call with a
 * `choose_role` tool whose input is `{role, reason, confidence}`. Only for real models: the
 * scripted model's answer would be a script, not a judgement, so no chooser is made for it.
 */
import type { LlmProvider } from '../kernel/ports/llm';
import type { RoleChooser } from './routerService';

const CHOOSE_ROLE = 'choose_role';

/** A chooser that asks `provider` (model id `model`); null when the provider is scripted. */
export function modelRoleChooser(provider: LlmProvider, model: string, maxTokens = 300): RoleChooser | null {
  if (provider.scripted) return null;
  return async (request, signal) => {
    const roles = request.roles.map((r) => `- ${r.name}: ${r.description}`).join('\n');
    const guess = request.match.tier === 'none' ? 'The keyword router found nothing.' : `The keyword router guessed ${request.match.role} (${request.match.reason}, confidence ${request.match.confidence}).`;
    const response = await provider.call({
      model,
      session: 'router',
      system: `You route software tasks to the agent role best suited to do them. Roles:\n${roles}\nAnswer by calling ${CHOOSE_ROLE} once.`,
      tools: [{
        name: CHOOSE_ROLE,
        description: 'Give the role that should take the task, and why in one sentence.',
        inputSchema: {
          type: 'object',
          properties: {
            role: { type: 'string', enum: request.roles.map((r) => r.name) },
            reason: { type: 'string' },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
          },
          required: ['role', 'reason'],
        },
      }],
      messages: [{ role: 'user', content: [{ type: 'text', text: `Task: ${request.task}\n\n${guess}` }] }],
      maxTokens,
      cache: { system: false, messages: [] },
      signal,
    });
    for (const block of response.content) {
      if (block.type !== 'tool_use' || block.name !== CHOOSE_ROLE) continue;
      const input = block.input as { role?: unknown; reason?: unknown; confidence?: unknown };
      if (typeof input.role !== 'string') continue;
      return {
        role: input.role,
        reason: typeof input.reason === 'string' ? input.reason : '(no reason given)',
        confidence: typeof input.confidence === 'number' ? input.confidence : undefined,
      };
    }
    return null;
  };
}
