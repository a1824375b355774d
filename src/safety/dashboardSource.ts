import type { AuditState } from '../kernel/ports/store';
import type { ConfigVersion, Firing, GateResult, HealthSample, Proposal, ProposalStatus } from './config';
import type { EvaluationSource } from './evaluation';
import type { ApprovalCount, ApprovalRecordRow, StateRecordRow, UsagePoint } from './records';

/** What the dashboard reads from the safety tables (SafetyStore implements it). */
export interface DashboardSource extends EvaluationSource {
  usageSince(from: number): UsagePoint[];
  statesBetween(from: number, to: number): { before: StateRecordRow[]; during: StateRecordRow[] };
  approvalCounts(): ApprovalCount[];
  recentApprovals(limit: number): ApprovalRecordRow[];
  cacheTotals(): { inputTokens: number; cacheReadTokens: number; scriptedSteps: number };
  /** the audit hash chain's state (absent: the dashboard shows none) */
  auditState?(): AuditState;
  firings(limit: number): Firing[];
  healthSamples(from: number, to: number, limit?: number): HealthSample[];
  proposals(statuses?: readonly ProposalStatus[], limit?: number): Proposal[];
  gates(proposalId: string): GateResult[];
  activeConfig(): ConfigVersion | undefined;
}
