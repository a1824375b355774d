/**
 * Quality gates. L0: automatic invariants (well-formed, never loosens `critical` approvals,
 * within the global caps). L1 is the regression replay (regression.ts). L2 is the developer:
 * `reviewText` is what the CLI prints; the extension shows `proposalView` (host/dashboardData.ts).
 */
import type { ToolSpec } from '../kernel/ports/tools';
import type { Risk } from '../kernel/types';
import { changeKey, describeChange, type GateCheck, type GateResult, type GlobalCaps, type Proposal, type TunableConfig } from './config';
import { plural } from '../text/plural';

const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Looks up a tool's declared risk. */
export interface ToolRisks {
  get(name: string): Pick<ToolSpec, 'risk'> | undefined;
}

/** L0: checks a proposal against the current configuration and the caps. */
export function l0Gate(p: Proposal, current: TunableConfig, caps: GlobalCaps, now: number, tools?: ToolRisks): GateResult {
  const checks: GateCheck[] = [wellFormed(p, current), notLooseningCritical(p, caps, tools), withinCaps(p, caps)];
  const passed = checks.every((c) => c.passed);
  return {
    proposalId: p.id, level: 'L0', at: now, passed,
    summary: passed ? 'invariants hold' : `failed: ${checks.filter((c) => !c.passed).map((c) => c.detail).join('; ')}`,
    checks,
  };
}

function wellFormed(p: Proposal, current: TunableConfig): GateCheck {
  const c = p.change;
  const bad = (detail: string): GateCheck => ({ name: 'well-formed', passed: false, detail });
  if (p.key !== changeKey(c)) return bad(`key ${p.key} does not match the change (${changeKey(c)})`);
  switch (c.kind) {
    case 'context_budget': {
      if (!c.role.trim()) return bad('the role is empty');
      if (!Number.isInteger(c.to) || c.to <= 0) return bad(`context budget ${c.to} is not a positive whole number of tokens`);
      const now = current.roleContextTokens[c.role] ?? null;
      if (now !== null && c.from !== now) return bad(`stale: role '${c.role}' is at ${now} tokens now, not ${c.from}`);
      if (c.from !== null && c.to <= c.from) return bad(`the budget would not grow (${c.from} → ${c.to})`);
      break;
    }
    case 'time_slice':
      if (!Number.isInteger(c.to) || c.to <= 0) return bad(`time slice ${c.to} is not a positive whole number of steps`);
      if (c.from !== current.sliceSteps) return bad(`stale: the slice is ${current.sliceSteps} steps now, not ${c.from}`);
      if (c.to === c.from) return bad('the slice would not change');
      break;
    case 'approval_rule': {
      const t = c.rule.target;
      if (!c.rule.tool.trim()) return bad('the rule names no tool');
      if (t.kind === 'command' ? !t.command.trim() : !t.path.trim()) return bad('the rule has an empty target');
      if (t.kind === 'path' && (t.path.startsWith('/') || t.path.split('/').includes('..'))) return bad(`path ${t.path} is not inside the workspace`);
      break;
    }
  }
  return { name: 'well-formed', passed: true, detail: describeChange(c) };
}

function notLooseningCritical(p: Proposal, caps: GlobalCaps, tools?: ToolRisks): GateCheck {
  const name = 'never loosens critical approvals';
  if (p.change.kind !== 'approval_rule') return { name, passed: true, detail: 'no approval rule is changed' };
  const rule = p.change.rule;
  const declared = tools?.get(rule.tool)?.risk;
  const risk = declared && RISK_ORDER[declared] > RISK_ORDER[rule.risk] ? declared : rule.risk;
  if (risk === 'critical') return { name, passed: false, detail: `${rule.tool} is critical risk: it must always ask` };
  if (RISK_ORDER[risk] > RISK_ORDER[caps.ruleRiskMax]) return { name, passed: false, detail: `${rule.tool} is ${risk} risk, above the ${caps.ruleRiskMax} the loop may allow` };
  return { name, passed: true, detail: `${rule.tool} is ${risk} risk (at most ${caps.ruleRiskMax} may be allowed)` };
}

function withinCaps(p: Proposal, caps: GlobalCaps): GateCheck {
  const name = 'within global caps';
  const c = p.change;
  if (c.kind === 'context_budget' && (c.to > caps.contextTokensMax || c.to < caps.contextTokensMin)) {
    return { name, passed: false, detail: `context budget ${c.to} is outside ${caps.contextTokensMin}–${caps.contextTokensMax} tokens` };
  }
  if (c.kind === 'time_slice' && (c.to > caps.sliceStepsMax || c.to < caps.sliceStepsMin)) {
    return { name, passed: false, detail: `time slice ${c.to} is outside ${caps.sliceStepsMin}–${caps.sliceStepsMax} steps` };
  }
  return { name, passed: true, detail: 'budgets stay within the caps' };
}

/** L2 on a terminal: what the developer reads before answering approve or reject. */
export function reviewText(p: Proposal, gates: readonly GateResult[]): string {
  const lines = [
    `Proposal ${p.id.slice(0, 8)}: ${p.summary}`,
    `  why: ${p.rationale}`,
    ...p.evidence.map((e) => `  evidence: ${e.metric} = ${e.value} (threshold ${e.threshold}, from ${plural(e.sample, 'record')})`),
  ];
  for (const g of gates) {
    lines.push(`  ${g.level} ${g.passed ? 'passed' : 'FAILED'}: ${g.summary}`);
    for (const c of g.checks) lines.push(`     ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  }
  return lines.join('\n');
}
