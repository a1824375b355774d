/**
 * Proposes configuration changes from the collected data (docs/safety.md "Improvement loop"):
 * - a larger context budget for a role whose agents page-fault often;
 * - an `always` rule for a low/medium-risk action the developer approved many times, never denied;
 * - a shorter time slice when agents wait long in the queue, a longer one when they are
 *   preempted often without waiting.
 * Router keyword weights would come from routing records; there are none yet, so none is proposed.
 */
import type { Risk } from '../kernel/types';
import { changeKey, describeChange, type Evidence, type GlobalCaps, type ProposalChange, type RuleTarget, type TunableConfig } from './config';
import { plural } from '../text/plural';

/** What the proposer reads (SafetyStore implements it). */
export interface ProposerSource {
  pagingByRole(): Array<{ role: string; agents: number; faults: number; evictions: number; contextTokens: number }>;
  developerApprovals(): Array<{ tool: string; risk: string; target: RuleTarget; allowed: number; denied: number }>;
  schedulerSince(from: number): { dispatches: number; meanWaitMs: number; preempts: number };
}

/** Thresholds of the proposer. */
export interface ProposerConfig {
  /** page faults per agent of a role that call for a larger budget */
  faultsPerAgent: number;
  /** how much larger */
  contextGrowth: number;
  /** developer approvals of the same action (and no denial) that call for a rule */
  approvalsForRule: number;
  /** look at the scheduler over this window, ms */
  schedulerWindowMs: number;
  /** at least this many dispatches before judging the slice */
  minDispatches: number;
  /** mean queue wait that calls for a shorter slice, ms */
  longWaitMs: number;
  /** mean wait under which frequent preemptions call for a longer slice, ms */
  shortWaitMs: number;
  /** preemptions per dispatch that count as frequent */
  preemptRatio: number;
}

export const DEFAULT_PROPOSER: ProposerConfig = {
  faultsPerAgent: 3, contextGrowth: 1.5, approvalsForRule: 5, schedulerWindowMs: 30 * 60_000,
  minDispatches: 20, longWaitMs: 5000, shortWaitMs: 200, preemptRatio: 0.5,
};

/** A proposal before it has an id and a status. */
export interface Draft {
  key: string;
  change: ProposalChange;
  summary: string;
  rationale: string;
  evidence: Evidence[];
}

const RULE_RISKS: readonly string[] = ['low', 'medium'];

/** Every change the data calls for under `current`. */
export function proposeChanges(source: ProposerSource, current: TunableConfig, caps: GlobalCaps, now: number, config: ProposerConfig = DEFAULT_PROPOSER): Draft[] {
  const drafts: Draft[] = [];
  for (const r of source.pagingByRole()) {
    if (r.agents === 0) continue;
    const perAgent = r.faults / r.agents;
    if (perAgent < config.faultsPerAgent) continue;
    const from = current.roleContextTokens[r.role] ?? null;
    const base = from ?? r.contextTokens;
    const to = Math.min(caps.contextTokensMax, Math.round((base * config.contextGrowth) / 1000) * 1000);
    if (to <= base) continue;
    drafts.push(draft({ kind: 'context_budget', role: r.role, from, to },
      `agents of role '${r.role}' recalled evicted pages ${round(perAgent)} times each on average (${r.faults} faults, ${plural(r.agents, 'agent')}): their context is too small for their work`,
      [{ metric: `page faults per '${r.role}' agent`, value: round(perAgent), threshold: config.faultsPerAgent, sample: r.agents }]));
  }
  for (const a of source.developerApprovals()) {
    if (!RULE_RISKS.includes(a.risk) || a.denied > 0 || a.allowed < config.approvalsForRule) continue;
    if (current.approvalRules.some((r) => r.tool === a.tool && JSON.stringify(r.target) === JSON.stringify(a.target))) continue;
    drafts.push(draft({ kind: 'approval_rule', rule: { tool: a.tool, risk: a.risk as Risk, target: a.target } },
      `the developer approved this ${a.allowed} times and never denied it`,
      [{ metric: `developer approvals of ${a.tool} on this target`, value: a.allowed, threshold: config.approvalsForRule, sample: a.allowed }]));
  }
  const s = source.schedulerSince(now - config.schedulerWindowMs);
  if (s.dispatches >= config.minDispatches) {
    const slice = current.sliceSteps;
    if (s.meanWaitMs > config.longWaitMs && slice > caps.sliceStepsMin) {
      drafts.push(draft({ kind: 'time_slice', from: slice, to: Math.max(caps.sliceStepsMin, Math.floor(slice / 2)) },
        `ready agents waited ${Math.round(s.meanWaitMs)} ms on average for a model slot over ${s.dispatches} dispatches: a shorter slice lets them take turns sooner`,
        [{ metric: 'mean queue wait (ms)', value: Math.round(s.meanWaitMs), threshold: config.longWaitMs, sample: s.dispatches }]));
    } else if (s.meanWaitMs < config.shortWaitMs && s.preempts / s.dispatches > config.preemptRatio && slice < caps.sliceStepsMax) {
      drafts.push(draft({ kind: 'time_slice', from: slice, to: Math.min(caps.sliceStepsMax, slice * 2) },
        `agents were preempted ${s.preempts} times in ${s.dispatches} dispatches while hardly waiting (${Math.round(s.meanWaitMs)} ms): a longer slice switches less`,
        [{ metric: 'preemptions per dispatch', value: round(s.preempts / s.dispatches), threshold: config.preemptRatio, sample: s.dispatches }]));
    }
  }
  return drafts;
}

function draft(change: ProposalChange, rationale: string, evidence: Evidence[]): Draft {
  return { key: changeKey(change), change, summary: describeChange(change), rationale, evidence };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
