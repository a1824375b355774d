/**
 * What "Always allow…" on a pending card would allow, in words: the same pattern the policy
 * derives when it remembers the answer (tools/rulePatterns.ts), for this agent only.
 */
import type { ApprovalSubject } from '../kernel/ports/approvals';
import type { ApprovalView } from '../protocol/hostTypes';
import { callTarget, derivePattern, needsExactRule } from '../tools/rulePatterns';

/** e.g. `edit_file on src/greet.js, for this agent`; null when no rule can be made (approve it once). */
export function alwaysAllowCovers(view: ApprovalView): string | null {
  if (!view.rememberable) return null;
  const subject = view.subject as ApprovalSubject;
  const input = subject.kind === 'tool' ? subject.input : subject.kind === 'command' ? { command: subject.command } : {};
  let pattern: string | null;
  try {
    pattern = derivePattern(callTarget(input, subject));
  } catch {
    return null;
  }
  const agent = `for ${view.agentName} only, until you remove the rule in the Tools view`;
  if (pattern === null) return `${view.tool} with any input, ${agent}`;
  const target = callTarget(input, subject);
  // Shells, interpreters and wrappers get an exact rule (rulePatterns.needsExactRule): say so.
  if (target.kind === 'command' && target.words && needsExactRule(target.words)) return `${view.tool} for exactly the command ${pattern} (nothing else), ${agent}`;
  if (target.kind === 'command') return `${view.tool} for commands starting with ${pattern}, ${agent}`;
  return `${view.tool} on ${pattern.replace(/\\(.)/g, '$1')}, ${agent}`;
}
