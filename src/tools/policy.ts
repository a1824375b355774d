/**
 * The approval policy: decides allow / ask / deny for each tool call from the agent's
 * capabilities, the tool's risk and the developer's standing rules, and keeps those rules.
 */
import { randomUUID } from 'node:crypto';
import type { RuleScope } from '../kernel/ports/approvals';
import type { ApprovalPolicy, PolicyDecision, PolicyRequest, StandingRule } from '../kernel/ports/policy';
import type { KernelStore } from '../kernel/ports/store';
import type { Risk } from '../kernel/types';
import { callTarget, derivePattern, describeCoverage, matchesPathGlob, patternMatches } from './rulePatterns';

/**
 * Workspace paths whose change is always critical risk, through every tool and every change set:
 * editor, VCS and kernel state (a settings.json, a git hook or core.fsmonitor, the roles file and
 * the database all end up running code or changing how AIOS decides).
 */
export const PROTECTED_PATHS: readonly string[] = ['.git', '.vscode', '.aios', '.devcontainer', '.devcontainer.json'];

/** Risk levels from which the policy asks by default; `critical` asks whatever this says. */
export type AskThreshold = 'medium' | 'high' | 'critical';

/** What a RulePolicy needs. */
export interface RulePolicyOptions {
  /** where `always` rules are persisted and loaded from */
  store: Pick<KernelStore, 'putRule' | 'deleteRule' | 'listRules'>;
  /** the kernel session; `session` rules created here carry it */
  session: string;
  idGen?: () => string;
  /** lowest risk that asks when no rule allows the call; default 'medium' */
  askAtOrAbove?: AskThreshold;
  /** more workspace-relative paths or globs (aios.approvals.protectedPaths) whose change is critical, besides PROTECTED_PATHS */
  protectedPaths?: readonly string[];
}

const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** ApprovalPolicy backed by standing rules: `always` rules in the store, all rules in memory. */
export class RulePolicy implements ApprovalPolicy {
  private readonly store: RulePolicyOptions['store'];
  private readonly session: string;
  private readonly idGen: () => string;
  private readonly askAtOrAbove: AskThreshold;
  private readonly live = new Map<string, StandingRule>();
  private readonly protectedGlobs: string[];

  constructor(options: RulePolicyOptions) {
    this.store = options.store;
    this.session = options.session;
    this.idGen = options.idGen ?? randomUUID;
    this.askAtOrAbove = options.askAtOrAbove ?? 'medium';
    this.protectedGlobs = [...PROTECTED_PATHS, ...(options.protectedPaths ?? [])].flatMap((p) => {
      const clean = p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
      return clean ? [clean, `${clean}/**`] : [];
    });
    // Only `always` rules outlive a session; anything else found in the store is not ours to apply.
    for (const rule of this.store.listRules()) {
      if (rule.scope === 'always') this.live.set(rule.id, rule);
    }
  }

  /** allow / ask / deny for one call; see the decision order in the comments below. */
  decide(request: PolicyRequest, now: number): PolicyDecision {
    const { tool } = request;
    // (a) Capabilities are a hard limit: no rule and no developer answer can widen them here.
    const missing = tool.capabilities.filter((c) => !request.agentCapabilities.includes(c));
    if (missing.length) {
      return {
        verdict: 'deny',
        rule: null,
        reason: `the agent lacks the ${plural('capability', missing.length)} ${missing.join(', ')} that ${tool.name} needs`,
      };
    }
    // (c) before (b): a critical call must reach the developer even if a rule would match it.
    if (tool.risk === 'critical') {
      return { verdict: 'ask', rule: null, reason: `${tool.name} is critical risk: it always asks`, risk: 'critical' };
    }
    const guarded = this.protectedTarget(request);
    if (guarded) {
      return { verdict: 'ask', rule: null, reason: `${guarded} is a protected path (editor, VCS or kernel state): changing it is critical risk and always asks`, risk: 'critical' };
    }
    this.prune(now);
    const rule = this.findRule(request);
    if (rule) {
      const what = rule.pattern === null ? 'any input' : rule.pattern;
      return { verdict: 'allow', rule: rule.id, reason: `allowed by ${rule.scope} rule for ${tool.name} (${what})` };
    }
    if (RISK_ORDER[tool.risk] >= RISK_ORDER[this.askAtOrAbove]) {
      return { verdict: 'ask', rule: null, reason: `${tool.risk} risk asks by default (asking at ${this.askAtOrAbove} risk and above)` };
    }
    return { verdict: 'allow', rule: null, reason: `${tool.risk} risk is allowed by default` };
  }

  /**
   * Turns "always allow" into a rule with the narrowest pattern for this call. Throws for
   * critical tools and for calls no safe pattern can describe (compound commands).
   * `ttlMs` optionally makes the rule expire.
   */
  remember(request: PolicyRequest, scope: RuleScope, now: number, ttlMs?: number): StandingRule {
    const { tool } = request;
    if (tool.risk === 'critical') {
      throw new Error(`${tool.name} is critical risk: it always asks, so no standing rule can be created for it`);
    }
    const guarded = this.protectedTarget(request);
    if (guarded) throw new Error(`${guarded} is a protected path: changing it always asks, so no standing rule can be created for it`);
    this.prune(now);
    const pattern = derivePattern(callTarget(request.input, request.subject));
    const pid = scope === 'agent' ? request.pid : null;
    const session = scope === 'session' ? this.session : null;
    const expiresAt = ttlMs === undefined ? null : now + ttlMs;
    const existing = [...this.live.values()].find(
      (r) => r.tool === tool.name && r.pattern === pattern && r.scope === scope && r.pid === pid && r.session === session,
    );
    // Re-approving the same thing refreshes the rule instead of piling up duplicates.
    const rule: StandingRule = existing
      ? { ...existing, expiresAt }
      : { id: this.idGen(), tool: tool.name, pattern, scope, pid, session, expiresAt, createdAt: now };
    this.live.set(rule.id, rule);
    if (scope === 'always') this.store.putRule(rule);
    return rule;
  }

  /** What "always allow" would cover for this call, in words; null when no rule can be made (critical, compound command). */
  coverage(request: PolicyRequest): string | null {
    if (request.tool.risk === 'critical' || this.protectedTarget(request)) return null;
    try {
      return describeCoverage(request.tool.name, callTarget(request.input, request.subject));
    } catch {
      return null;
    }
  }

  /** The first protected path a writing call touches, or null. */
  private protectedTarget(request: PolicyRequest): string | null {
    const writes = request.tool.capabilities.includes('fs.write') || request.subject.kind === 'edit';
    if (!writes) return null;
    const target = callTarget(request.input, request.subject);
    if (target.kind !== 'paths') return null;
    // A path no rule can read (absolute, climbing out) is treated as protected: err towards asking.
    if (target.paths === null) return 'a path outside the workspace';
    return target.paths.find((p) => this.protectedGlobs.some((g) => matchesPathGlob(g, [p]) || matchesPathGlob(g, [p.toLowerCase()]))) ?? null;
  }

  /** All rules currently held (expired ones disappear at the next decide or remember). */
  rules(): StandingRule[] {
    return [...this.live.values()];
  }

  /** Removes a rule from memory and, if persisted, from the store; false when no such rule. */
  removeRule(id: string): boolean {
    const rule = this.live.get(id);
    if (!rule) return false;
    this.live.delete(id);
    if (rule.scope === 'always') this.store.deleteRule(id);
    return true;
  }

  private findRule(request: PolicyRequest): StandingRule | undefined {
    const target = callTarget(request.input, request.subject);
    for (const rule of this.live.values()) {
      if (rule.tool !== request.tool.name) continue;
      if (rule.scope === 'agent' && rule.pid !== request.pid) continue;
      if (rule.scope === 'session' && rule.session !== request.session) continue;
      if (patternMatches(rule.pattern, target)) return rule;
    }
    return undefined;
  }

  private prune(now: number): void {
    for (const rule of [...this.live.values()]) {
      if (rule.expiresAt !== null && rule.expiresAt <= now) this.removeRule(rule.id);
    }
  }
}

function plural(word: string, count: number): string {
  return count === 1 ? word : word.replace(/y$/, 'ies');
}
