/**
 * Applies a tunable configuration to a running kernel: the scheduler's slice, context budgets of
 * live agents by role, and standing approval rules (created and removed through the policy, so
 * they are audited and persisted like the developer's own).
 */
import type { Kernel, KernelSpawnOptions } from '../kernel/kernel';
import type { ApprovalSubject } from '../kernel/ports/approvals';
import type { ApprovalPolicy, PolicyRequest } from '../kernel/ports/policy';
import type { ToolCatalog, ToolSpec } from '../kernel/ports/tools';
import { isTerminal } from '../kernel/processTable';
import { APPLY_CHANGES } from '../kernel/step/toolCalls';
import { ruleKey, type ProposedRule, type TunableConfig } from './config';

/** Where a configuration takes effect. */
export interface ConfigTargets {
  /** makes `next` effective; `previous` is what was effective before */
  apply(next: TunableConfig, previous: TunableConfig): void;
}

/** ConfigTargets on a kernel, its policy and its tools. */
export function kernelTargets(kernel: Kernel, policy: ApprovalPolicy, tools: ToolCatalog, session: string): ConfigTargets {
  return {
    apply(next, previous) {
      if (next.sliceSteps !== kernel.scheduling.settings.sliceSteps) kernel.scheduling.configure({ sliceSteps: next.sliceSteps });
      const roles = new Set([...Object.keys(next.roleContextTokens), ...Object.keys(previous.roleContextTokens)]);
      for (const role of roles) {
        const wanted = next.roleContextTokens[role];
        if (previous.roleContextTokens[role] === wanted) continue;
        // Live agents get the larger of their own budget and the role's; without a role budget, their own again.
        for (const agent of kernel.agents.list()) {
          if (agent.role !== role || isTerminal(agent.state) || !kernel.contexts.has(agent.pid)) continue;
          kernel.contexts.setBudget(agent.pid, { ...agent.context, tokens: Math.max(agent.context.tokens, wanted ?? 0) });
        }
      }
      const keep = new Set(next.approvalRules.map(ruleKey));
      for (const rule of previous.approvalRules) {
        if (keep.has(ruleKey(rule))) continue;
        const request = ruleRequest(rule, tools, session);
        // remember() hands back the existing rule for the same call (no duplicate), which gives its id.
        if (request) policy.removeRule(policy.remember(request, 'always', kernel.clock.now()).id);
      }
      const had = new Set(previous.approvalRules.map(ruleKey));
      for (const rule of next.approvalRules) {
        if (had.has(ruleKey(rule))) continue;
        const request = ruleRequest(rule, tools, session);
        if (!request) throw new Error(`cannot apply a rule for unknown tool '${rule.tool}'`);
        policy.remember(request, 'always', kernel.clock.now());
      }
    },
  };
}

/** Spawn options with the configured context budget of the agent's role (an explicit one wins). */
export function withRoleDefaults(options: KernelSpawnOptions, config: TunableConfig): KernelSpawnOptions {
  const tokens = config.roleContextTokens[options.role ?? 'coder'];
  if (tokens === undefined || options.context?.tokens !== undefined) return options;
  return { ...options, context: { ...options.context, tokens } };
}

/** A policy request that stands for the rule's calls (what `remember` derives the pattern from). */
export function ruleRequest(rule: ProposedRule, tools: ToolCatalog, session: string): PolicyRequest | null {
  const spec: ToolSpec | undefined = tools.get(rule.tool) ?? (rule.tool === APPLY_CHANGES.name ? APPLY_CHANGES : undefined);
  if (!spec) return null;
  const t = rule.target;
  const input = t.kind === 'command' ? { command: t.command } : { path: t.path };
  const subject: ApprovalSubject = t.kind === 'command'
    ? { kind: 'command', summary: `run ${t.command}`, command: t.command, cwd: '/workspace' }
    : { kind: 'tool', summary: t.path, input };
  return { pid: 0, session, agentCapabilities: spec.capabilities, tool: spec, input, subject };
}
