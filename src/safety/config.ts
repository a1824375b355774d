/**
 * The settings the improvement loop may change, as one versioned document, and the proposals
 * that change it. Types and pure helpers only.
 */
import type { Risk } from '../kernel/types';
import type { ScoreComponent } from './evaluator';

/** What a standing rule proposed by the loop covers: a command prefix or one workspace path. */
export type RuleTarget = { kind: 'command'; command: string } | { kind: 'path'; path: string };

/** An approval rule the loop proposes (always an `always` rule with the narrowest pattern). */
export interface ProposedRule {
  tool: string;
  risk: Risk;
  target: RuleTarget;
}

/** The tunable configuration. Versions of it are stored; one is active. */
export interface TunableConfig {
  /** the scheduler's round-robin slice, in steps */
  sliceSteps: number;
  /** context window (tokens) per role; a role not named keeps the spawn default */
  roleContextTokens: Record<string, number>;
  /** standing rules the loop added */
  approvalRules: ProposedRule[];
}

/** Limits no configuration may cross (the L0 gate checks them). */
export interface GlobalCaps {
  contextTokensMax: number;
  contextTokensMin: number;
  sliceStepsMin: number;
  sliceStepsMax: number;
  /** the highest risk a loop-made rule may allow without asking; `critical` can never be allowed */
  ruleRiskMax: Risk;
}

export const DEFAULT_CAPS: GlobalCaps = { contextTokensMax: 400_000, contextTokensMin: 4_000, sliceStepsMin: 1, sliceStepsMax: 32, ruleRiskMax: 'medium' };

/** One concrete change. */
export type ProposalChange =
  | { kind: 'context_budget'; role: string; from: number | null; to: number }
  | { kind: 'approval_rule'; rule: ProposedRule }
  | { kind: 'time_slice'; from: number; to: number };

/** A measured figure that made the loop propose something. */
export interface Evidence {
  metric: string;
  value: number;
  threshold: number;
  /** how many records the figure is computed from */
  sample: number;
}

/** Where a proposal is on its way through the gates. */
export type ProposalStatus = 'proposed' | 'rejected_l0' | 'rejected_l1' | 'awaiting_review' | 'rejected' | 'applied' | 'rolled_back' | 'superseded';

/** A proposed configuration change. */
export interface Proposal {
  id: string;
  at: number;
  /** what it changes; at most one open proposal per key */
  key: string;
  kind: ProposalChange['kind'];
  summary: string;
  rationale: string;
  change: ProposalChange;
  evidence: Evidence[];
  status: ProposalStatus;
  decidedAt: number | null;
  decidedBy: string | null;
  /** the configuration version it produced once applied */
  version: number | null;
}

/** Gate levels: automatic invariants, regression replay, the developer. */
export type GateLevel = 'L0' | 'L1' | 'L2';

/** One check of a gate. */
export interface GateCheck {
  name: string;
  passed: boolean;
  detail: string;
}

/** A gate's verdict on a proposal. */
export interface GateResult {
  proposalId: string;
  level: GateLevel;
  at: number;
  passed: boolean;
  summary: string;
  checks: GateCheck[];
}

/** A stored configuration version. */
export interface ConfigVersion {
  version: number;
  at: number;
  parent: number | null;
  proposalId: string | null;
  config: TunableConfig;
  status: 'active' | 'superseded' | 'rolled_back';
  /** system health when it became active (the rollback watch compares against it) */
  healthBefore: number | null;
  endedAt: number | null;
  reason: string | null;
}

/** A reactor firing as stored. */
export interface Firing {
  id: number;
  at: number;
  playbook: string;
  pid: number | null;
  action: string;
  outcome: string;
  message: string;
  detail: Record<string, unknown>;
}

/** A heartbeat sample. */
export interface HealthSample {
  at: number;
  score: number;
  storageMs: number;
  components: ScoreComponent[];
}

/** The configuration before the loop changed anything: the kernel's defaults. */
export function baseConfig(sliceSteps: number): TunableConfig {
  return { sliceSteps, roleContextTokens: {}, approvalRules: [] };
}

/** The configuration with one change made (a new object; the input is not touched). */
export function withChange(config: TunableConfig, change: ProposalChange): TunableConfig {
  switch (change.kind) {
    case 'context_budget':
      return { ...config, roleContextTokens: { ...config.roleContextTokens, [change.role]: change.to } };
    case 'time_slice':
      return { ...config, sliceSteps: change.to };
    case 'approval_rule':
      return { ...config, approvalRules: [...config.approvalRules.filter((r) => ruleKey(r) !== ruleKey(change.rule)), change.rule] };
  }
}

/** The identity of a rule: tool and target. */
export function ruleKey(rule: ProposedRule): string {
  return `${rule.tool} ${rule.target.kind}:${rule.target.kind === 'command' ? rule.target.command : rule.target.path}`;
}

/** The key a change is deduplicated by. */
export function changeKey(change: ProposalChange): string {
  switch (change.kind) {
    case 'context_budget': return `context_budget:${change.role}`;
    case 'time_slice': return 'time_slice';
    case 'approval_rule': return `approval_rule:${ruleKey(change.rule)}`;
  }
}

/** One sentence a developer can judge. */
export function describeChange(change: ProposalChange): string {
  switch (change.kind) {
    case 'context_budget':
      return `raise the context budget of role '${change.role}' from ${change.from === null ? 'the default' : `${change.from} tokens`} to ${change.to} tokens`;
    case 'time_slice':
      return `${change.to < change.from ? 'shorten' : 'lengthen'} the scheduler's time slice from ${change.from} to ${change.to} steps`;
    case 'approval_rule': {
      const t = change.rule.target;
      return `always allow ${change.rule.tool} (${change.rule.risk} risk) on ${t.kind === 'command' ? `commands starting with \`${t.command}\`` : `the file ${t.path}`} without asking`;
    }
  }
}
