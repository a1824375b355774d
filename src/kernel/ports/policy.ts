/** The approval policy port: allow, ask or deny a tool call; the developer's standing rules (implemented in src/tools/policy.ts). */
import type { Capability, Pid, Risk } from '../types';
import type { ApprovalSubject, RuleScope } from './approvals';
import type { ToolSpec } from './tools';

/** A developer's standing rule: allow a tool (optionally only for inputs matching a pattern). */
export interface StandingRule {
  id: string;
  tool: string;
  /**
   * null matches any input; otherwise a path glob (file tools, matched against the
   * workspace-relative path) or a command prefix as words (`npm test` matches `npm test -- -g x`
   * but not `npm testing`).
   */
  pattern: string | null;
  scope: RuleScope;
  /** set when scope is `agent` */
  pid: Pid | null;
  /** set when scope is `session`: the kernel session the rule belongs to */
  session: string | null;
  /** ms since epoch, or null for no expiry */
  expiresAt: number | null;
  createdAt: number;
}

/** What the policy decides on. */
export interface PolicyRequest {
  pid: Pid;
  /** the kernel session (one run of the kernel host or CLI) */
  session: string;
  /** what the agent is allowed to do */
  agentCapabilities: readonly Capability[];
  tool: ToolSpec;
  input: unknown;
  subject: ApprovalSubject;
}

/** allow / ask / deny, with the rule that decided (if any) and a human reason. */
export interface PolicyDecision {
  verdict: 'allow' | 'ask' | 'deny';
  /** id of the standing rule that allowed it, or null */
  rule: string | null;
  reason: string;
  /** the risk this call was judged at when higher than its tool's (a write to a protected path is critical) */
  risk?: Risk;
}

/** Decides tool calls; keeps the standing rules. Agents never reach it through a tool. */
export interface ApprovalPolicy {
  decide(request: PolicyRequest, now: number): PolicyDecision;
  /** turns a developer's "always allow" answer into a standing rule (persisted) */
  remember(request: PolicyRequest, scope: RuleScope, now: number): StandingRule;
  /** what a remembered rule would allow, in words (shown before it is saved); null when none can be made */
  coverage(request: PolicyRequest): string | null;
  rules(): StandingRule[];
  removeRule(id: string): boolean;
}
