/**
 * `alwaysAllow` from an MCP configuration as standing rules: those tools are allowed without
 * asking, after the same capability check, and never for critical risk. The rules are shown with
 * the developer's own; they are removed by editing the configuration, not from the Tools view.
 */
import type { RuleScope } from '../kernel/ports/approvals';
import type { ApprovalPolicy, PolicyDecision, PolicyRequest, StandingRule } from '../kernel/ports/policy';

/** The prefix of the ids of these rules. */
export const MCP_RULE_PREFIX = 'mcp-config:';

/** An ApprovalPolicy that also allows the tools a live MCP configuration lists in alwaysAllow. */
export class McpAlwaysAllowPolicy implements ApprovalPolicy {
  constructor(private readonly inner: ApprovalPolicy, private readonly allowed: () => ReadonlySet<string>) {}

  decide(request: PolicyRequest, now: number): PolicyDecision {
    const decision = this.inner.decide(request, now);
    if (decision.verdict !== 'ask' || request.tool.risk === 'critical') return decision;
    if (!this.allowed().has(request.tool.name)) return decision;
    return { verdict: 'allow', rule: `${MCP_RULE_PREFIX}${request.tool.name}`, reason: `allowed by alwaysAllow in the MCP configuration for ${request.tool.name}` };
  }

  coverage(request: PolicyRequest): string | null {
    return this.inner.coverage(request);
  }

  remember(request: PolicyRequest, scope: RuleScope, now: number): StandingRule {
    return this.inner.remember(request, scope, now);
  }

  rules(): StandingRule[] {
    const config = [...this.allowed()].sort().map((tool): StandingRule => ({
      id: `${MCP_RULE_PREFIX}${tool}`, tool, pattern: null, scope: 'always', pid: null, session: null, expiresAt: null, createdAt: 0,
    }));
    return [...this.inner.rules(), ...config];
  }

  removeRule(id: string): boolean {
    if (id.startsWith(MCP_RULE_PREFIX)) {
      throw new Error(`this rule comes from alwaysAllow in an MCP configuration file: remove ${id.slice(MCP_RULE_PREFIX.length)} from alwaysAllow there`);
    }
    return this.inner.removeRule(id);
  }
}
