/**
 * Everything the evaluator dashboard shows, computed from the stored records in one pure pass,
 * so the figures on screen are the kernel's and unit tests can check them. Built here, in the
 * host, from the safety layer's records: the safety layer knows nothing of the protocol.
 */
import type { KernelStore } from '../kernel/ports/store';
import type { KernelSession } from '../session/kernelSession';
import type { AgentRecord } from '../kernel/types';
import type {
  ApprovalsView, DashboardData, FiringView, ProposalView, SegmentKind, TimelineView, UsageView,
} from '../protocol/dashboard';
import { baseConfig, type GateResult, type Proposal } from '../safety/config';
import { health, scoreAgents, scoreTasks, withStepsInFlight } from '../safety/evaluation';
import type { DashboardSource } from '../safety/dashboardSource';
import type { ApprovalCount, ApprovalRecordRow, UsagePoint } from '../safety/records';
import { plural } from '../text/plural';


/** The proposal and its gates as the dashboard and the extension show them. */
export function proposalView(p: Proposal, gates: readonly GateResult[]): ProposalView {
  return {
    id: p.id,
    at: p.at,
    kind: p.kind,
    summary: p.summary,
    rationale: p.rationale,
    status: p.status,
    evidence: p.evidence.map((e) => ({ ...e })),
    gates: gates.map((g) => ({ level: g.level, passed: g.passed, summary: g.summary, checks: g.checks.map((c) => ({ ...c })) })),
    canDecide: p.status === 'awaiting_review',
  };
}

/** Dashboard settings. */
export interface DashboardOptions {
  /** the timeline and health window, ms (default 15 min) */
  windowMs: number;
  /** the heartbeat's alert threshold */
  threshold: number;
  /** timeline lanes shown (most recently active first) */
  maxLanes: number;
  /** usage series shown; the rest are summed into one */
  maxSeries: number;
  /** points of the usage series */
  buckets: number;
  /** tasks in the table */
  maxTasks: number;
  /** the scheduler's slice before any configuration version */
  baseSliceSteps: number;
}

export const DEFAULT_DASHBOARD: DashboardOptions = { windowMs: 15 * 60_000, threshold: 60, maxLanes: 24, maxSeries: 8, buckets: 60, maxTasks: 100, baseSliceSteps: 4 };

/** The dashboard of a running session, now. */
export function sessionDashboard(session: Pick<KernelSession, 'safety' | 'store' | 'kernel'>, now = session.kernel.clock.now()): DashboardData {
  const { safety, threshold, baseSliceSteps } = session.safety.dashboardInputs();
  return dashboardData({ safety, kernel: session.store }, now, { threshold, baseSliceSteps });
}

/** Computes the dashboard at `now` from the kernel's store and the safety tables. */
export function dashboardData(stores: { safety: DashboardSource; kernel: Pick<KernelStore, 'listAgents'> }, now: number, options: Partial<DashboardOptions> = {}): DashboardData {
  const o = { ...DEFAULT_DASHBOARD, ...options };
  const s = stores.safety;
  const agents = stores.kernel.listAgents();
  const h = health(s, now, { healthWindowMs: o.windowMs });
  const sums = s.workAggregates?.() ?? { tasks: s.taskAggregates(), agents: s.agentAggregates() };
  const agentScores = scoreAgents(sums.agents, agents);
  const allTasks = scoreTasks(withStepsInFlight(sums.tasks, sums.agents, agents));
  const cache = s.cacheTotals();
  const active = s.activeConfig();
  const config = active?.config ?? baseConfig(o.baseSliceSteps);
  const proposals: ProposalView[] = s.proposals(undefined, 50).map((p) => proposalView(p, s.gates(p.id)));
  return {
    generatedAt: now,
    scripted: cache.scriptedSteps > 0,
    health: {
      score: h.score, grade: h.grade, threshold: o.threshold, components: h.components.map((c) => ({ ...c })),
      history: s.healthSamples(now - 24 * 3600_000, now, 120).map((x) => ({ at: x.at, score: x.score })),
    },
    agents: agentScores.map((a) => ({ pid: a.pid, name: a.name, role: a.role, state: a.state, score: a.score, grade: a.grade, steps: a.steps, tokens: a.tokens, dollars: a.dollars })),
    tasks: allTasks.slice(-o.maxTasks).reverse().map((t) => ({
      id: t.taskId, pid: t.pid, agent: t.agent, description: t.description, outcome: t.outcome, score: t.score, grade: t.grade, steps: t.steps, tokens: t.tokens, dollars: t.dollars,
    })),
    taskTotal: allTasks.length,
    usage: usageSeries(s.usageSince(0), agents, now, o),
    timeline: timeline(s, agents, now, o),
    approvals: approvals(s.approvalCounts(), s.recentApprovals(12), new Set(agents.filter((a) => a.state === 'waiting' && a.waitReason === 'approval').map((a) => a.pid)), new Map(agents.map((a) => [a.pid, a.name]))),
    cache: { inputTokens: cache.inputTokens, cacheReadTokens: cache.cacheReadTokens, ratio: cache.inputTokens > 0 ? cache.cacheReadTokens / cache.inputTokens : 0 },
    reactor: s.firings(20).map((f): FiringView => ({ at: f.at, playbook: f.playbook, pid: f.pid, action: f.action, outcome: f.outcome, message: f.message })),
    proposals,
    audit: s.auditState?.(),
    config: { version: active?.version ?? null, sliceSteps: config.sliceSteps, roleContextTokens: { ...config.roleContextTokens }, approvalRules: config.approvalRules.length },
  };
}

/** Cumulative tokens and dollars per agent at the end of each bucket; the top agents by tokens, the rest summed. */
export function usageSeries(recorded: readonly UsagePoint[], agents: readonly AgentRecord[], now: number, o: Pick<DashboardOptions, 'maxSeries' | 'buckets'>): UsageView {
  const points = [...recorded, ...inFlight(recorded, agents, now)];
  if (points.length === 0) return { times: [], series: [] };
  const start = points[0].at;
  const end = Math.max(now, points[points.length - 1].at);
  const n = Math.max(1, o.buckets);
  const width = Math.max(1, (end - start) / n);
  const times = Array.from({ length: n }, (_, i) => Math.round(start + width * (i + 1)));
  const totals = new Map<number, number>();
  for (const p of points) totals.set(p.pid, (totals.get(p.pid) ?? 0) + p.tokens);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([pid]) => pid);
  const shown = ranked.slice(0, o.maxSeries);
  const others = ranked.length - shown.length;
  const index = new Map(shown.map((pid, i) => [pid, i]));
  const rows = shown.length + (others > 0 ? 1 : 0);
  const tokens = Array.from({ length: rows }, () => new Array<number>(n).fill(0));
  const dollars = Array.from({ length: rows }, () => new Array<number>(n).fill(0));
  for (const p of points) {
    const row = index.get(p.pid) ?? shown.length;
    const b = Math.min(n - 1, Math.max(0, Math.ceil((p.at - start) / width) - 1));
    tokens[row][b] += p.tokens;
    dollars[row][b] += p.dollars;
  }
  for (let r = 0; r < rows; r++) {
    for (let b = 1; b < n; b++) {
      tokens[r][b] += tokens[r][b - 1];
      dollars[r][b] += dollars[r][b - 1];
    }
  }
  const names = new Map(agents.map((a) => [a.pid, a.name]));
  // Every line starts at 0 at the first record, so the chart shows growth from nothing to the totals.
  const fromZero = (values: number[]) => [0, ...values];
  const series: UsageView['series'] = shown.map((pid, i) => ({ pid, label: `${pid} ${names.get(pid) ?? ''}`.trim(), tokens: fromZero(tokens[i]), dollars: fromZero(dollars[i].map(roundCents)) }));
  if (others > 0) series.push({ pid: null, label: plural(others, 'other agent'), tokens: fromZero(tokens[rows - 1]), dollars: fromZero(dollars[rows - 1].map(roundCents)) });
  return { times: [start, ...times], series };
}

/**
 * A step in flight (an agent waiting for approval) is charged by the kernel when its model call
 * returns, but recorded when the step ends: a point at `now` with the difference, so each line ends
 * at the total the Agents view shows.
 */
function inFlight(points: readonly UsagePoint[], agents: readonly AgentRecord[], now: number): UsagePoint[] {
  const recorded = new Map<number, { tokens: number; dollars: number }>();
  for (const p of points) {
    const r = recorded.get(p.pid) ?? { tokens: 0, dollars: 0 };
    recorded.set(p.pid, { tokens: r.tokens + p.tokens, dollars: r.dollars + p.dollars });
  }
  return agents.flatMap((a) => {
    const r = recorded.get(a.pid) ?? { tokens: 0, dollars: 0 };
    const tokens = a.usage.inputTokens + a.usage.outputTokens - r.tokens;
    const dollars = Math.max(0, a.usage.dollars - r.dollars);
    return tokens > 0 ? [{ at: Math.max(now, points.at(-1)?.at ?? now), pid: a.pid, tokens, dollars }] : [];
  });
}

function roundCents(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function segmentKind(state: string, waitReason: string | null): SegmentKind | null {
  if (state === 'running') return 'running';
  if (state === 'waiting') return waitReason === 'approval' ? 'approval' : 'tool';
  if (state === 'suspended') return 'suspended';
  return null;
}

/** Lanes of what each agent did in the window, and the rate-limit pauses. */
export function timeline(s: Pick<DashboardSource, 'statesBetween' | 'windowCounts'>, agents: readonly AgentRecord[], now: number, o: Pick<DashboardOptions, 'windowMs' | 'maxLanes'>): TimelineView {
  const from = now - o.windowMs;
  const { before, during } = s.statesBetween(from, now);
  const current = new Map<number, { kind: SegmentKind | null; since: number }>();
  for (const r of before) current.set(r.pid, { kind: segmentKind(r.to, r.waitReason), since: from });
  const segments = new Map<number, Array<{ from: number; to: number; kind: SegmentKind }>>();
  const lastActive = new Map<number, number>();
  const close = (pid: number, at: number) => {
    const c = current.get(pid);
    if (c?.kind && at > c.since) {
      let list = segments.get(pid);
      if (!list) segments.set(pid, (list = []));
      list.push({ from: c.since, to: at, kind: c.kind });
    }
  };
  for (const r of during) {
    close(r.pid, r.at);
    current.set(r.pid, { kind: segmentKind(r.to, r.waitReason), since: r.at });
    lastActive.set(r.pid, r.at);
  }
  for (const pid of current.keys()) close(pid, now);
  const names = new Map(agents.map((a) => [a.pid, a.name]));
  const pids = [...segments.keys()].sort((a, b) => (lastActive.get(b) ?? 0) - (lastActive.get(a) ?? 0) || a - b);
  const shown = pids.slice(0, o.maxLanes).sort((a, b) => a - b);
  // Zoom to the activity when nothing carries over from before the window (a short run in a long window).
  const carried = before.some((r) => segmentKind(r.to, r.waitReason) !== null);
  const first = during[0]?.at;
  const start = !carried && first !== undefined ? Math.max(from, first - Math.max(1000, (now - first) * 0.05)) : from;
  const pauses = s.windowCounts(start, now).pauses.map(([a, b]) => ({ from: Math.max(a, start), to: Math.min(b, now) })).filter((p) => p.to > p.from);
  return {
    from: start, to: now,
    lanes: shown.map((pid) => ({ pid, label: `${pid} ${names.get(pid) ?? ''}`.trim(), segments: segments.get(pid) ?? [] })),
    rateLimits: pauses,
    hiddenLanes: pids.length - shown.length,
  };
}

/**
 * Decisions by who made them, and the latest developer requests. "Waiting" counts only requests
 * whose agent still waits for an answer (as the Approvals view does): a request whose kernel host
 * stopped before an answer stays undecided in the records, and is labelled so, also when the
 * restored agent asked again (only its newest request waits).
 */
export function approvals(counts: readonly ApprovalCount[], recent: readonly ApprovalRecordRow[], waiting: ReadonlySet<number>, names: ReadonlyMap<number, string> = new Map()): ApprovalsView {
  const newestOpen = new Map<number, number>();
  for (const r of recent) if (r.decision === null && waiting.has(r.pid) && r.seq > (newestOpen.get(r.pid) ?? -Infinity)) newestOpen.set(r.pid, r.seq);
  const count = (actor: string, decision: string) => counts.filter((c) => c.actor === actor && c.decision === decision).reduce((n, c) => n + c.count, 0);
  return {
    // the developer's standing rules and automatic answers (--yes) are the policy's, not "you" in person
    allowedByPolicy: count('policy', 'allow') + count('rule', 'allow') + count('auto', 'allow'),
    deniedByPolicy: count('policy', 'deny') + count('rule', 'deny') + count('auto', 'deny') + count('kill', 'deny'),
    allowedByDeveloper: count('developer', 'allow'),
    deniedByDeveloper: count('developer', 'deny'),
    timedOut: count('timeout', 'deny'),
    pending: waiting.size,
    recent: recent.map((r) => ({
      at: r.at, pid: r.pid, agent: names.get(r.pid) ?? `agent ${r.pid}`, tool: r.tool ?? '', risk: r.risk ?? '', summary: r.summary ?? '', decision: r.decision ?? 'pending',
      actor: r.actor ?? (newestOpen.get(r.pid) === r.seq ? 'pending' : 'unanswered'),
    })),
  };
}
