/**
 * The safety layer's tables (schemaSafety.ts) on the kernel's SQLite connection: the collector's
 * records, heartbeat samples, evaluations, reactor firings, configuration versions, proposals and
 * their gate results. Aggregates are computed in SQL so scoring 10,000 tasks stays fast.
 */
import type Database from 'better-sqlite3';
import type { KernelEvent, StoredEvent } from '../../kernel/events';
import type { Pid } from '../../kernel/types';
import type { ConfigVersion, Firing, GateResult, HealthSample, Proposal, ProposalStatus, RuleTarget, TunableConfig } from '../config';
import type { ScoreComponent } from '../evaluator';
import type {
  ApprovalCount, ApprovalRecordRow, CollectorSink, TaskAggregate, UsagePoint, WindowCounts, WorkAggregate, ErrorRecordRow, PagingRecordRow, SandboxRecordRow, SchedulerRecordRow, StateRecordRow,
  StepRecordRow, TaskRecordRow, ToolCallRecordRow,
} from '../records';
import { configFromRow, emptyAggregate, num, prepare, proposalFromRow, SCANS, type Row } from './safetyStatements';
import type { AgentStore, AuditLog, AuditState, TaskStore, Transactional } from '../../kernel/ports/store';

/** The kernel's database as the safety tables use it: its connection, and the kernel records they join. */
export type SafetyConnection = Transactional & Pick<AgentStore, 'getAgent'> & Pick<TaskStore, 'getTask'> & Pick<AuditLog, 'auditState'> & {
  readonly connection: Database.Database;
};


/** The safety tables of one database. */
export class SafetyStore implements CollectorSink {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<typeof prepare>;
  private readonly scans: Record<keyof typeof SCANS, Database.Statement>;

  /** The audit hash chain, verified now (walks every entry). */
  auditState(): AuditState {
    return this.store.auditState();
  }

  constructor(private readonly store: SafetyConnection) {
    this.db = store.connection;
    this.stmts = prepare(this.db);
    this.scans = Object.fromEntries(Object.entries(SCANS).map(([n, sql]) => [n, this.db.prepare(sql).raw(true)])) as Record<keyof typeof SCANS, Database.Statement>;
  }

  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  // --- collector ------------------------------------------------------------------------------

  cursor(): number {
    const v = this.stmts.getMeta.get('collector_seq');
    return v === undefined ? 0 : Number(v);
  }

  setCursor(seq: number): void {
    this.stmts.putMeta.run('collector_seq', String(seq));
  }

  eventsAfter(seq: number, limit: number): StoredEvent[] {
    return this.stmts.eventsAfter.all(seq, limit).map((r) => ({ seq: r[0], at: r[1], event: JSON.parse(r[2]) as KernelEvent }));
  }

  /** The newest event's seq and time (0, 0 for an empty log). */
  lastEvent(): { seq: number; at: number } {
    return this.stmts.lastEvent.get() ?? { seq: 0, at: 0 };
  }

  currentTask(pid: Pid): string | null {
    return this.stmts.currentTask.get(pid) ?? null;
  }

  agentInfo(pid: Pid): ReturnType<CollectorSink['agentInfo']> {
    const a = this.store.getAgent(pid);
    if (!a) return null;
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return { name: a.name, role: a.role, budgets: { tokens: finite(a.budgets.tokens), dollars: finite(a.budgets.dollars), steps: finite(a.budgets.steps) } };
  }

  taskDescription(taskId: string): string | null {
    return this.store.getTask(taskId)?.description ?? null;
  }

  putTask(row: TaskRecordRow): void {
    this.stmts.putTask.run(row.taskId, row.pid, row.agent, row.role, row.description, row.startedAt, row.endedAt, row.outcome, row.budgetTokens, row.budgetDollars, row.budgetSteps);
  }

  getTask(taskId: string): TaskRecordRow | undefined {
    return this.stmts.getTask.get(taskId) as TaskRecordRow | undefined;
  }

  addStep(r: StepRecordRow): void {
    this.stmts.addStep.run(r.seq, r.at, r.pid, r.taskId, r.step, r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.dollars, r.durationMs, r.scripted ? 1 : 0);
  }

  addToolCall(r: ToolCallRecordRow): void {
    this.stmts.addToolCall.run(r.seq, r.at, r.pid, r.taskId, r.callId, r.tool, r.risk, r.endedAt, r.durationMs, r.isError === null ? null : r.isError ? 1 : 0, r.denied ? 1 : 0);
  }

  endToolCall(pid: Pid, callId: string, endedAt: number, durationMs: number, isError: boolean, denied: boolean): void {
    this.stmts.endToolCall.run(endedAt, durationMs, isError ? 1 : 0, denied ? 1 : 0, pid, callId);
  }

  addApproval(r: ApprovalRecordRow): void {
    this.stmts.addApproval.run(r.seq, r.at, r.pid, r.taskId, r.requestId, r.tool, r.risk, r.summary, r.decidedAt, r.decision, r.actor, r.rule);
  }

  decideApproval(pid: Pid, requestId: string, decidedAt: number, decision: 'allow' | 'deny', actor: ApprovalRecordRow['actor'], rule: string | null): boolean {
    return this.stmts.decideApproval.run(decidedAt, decision, actor, rule, pid, requestId).changes > 0;
  }

  addError(r: ErrorRecordRow): void {
    this.stmts.addError.run(r.seq, r.at, r.pid, r.taskId, r.kind, r.source, r.message);
  }

  addScheduler(r: SchedulerRecordRow): void {
    this.stmts.addScheduler.run(r.seq, r.at, r.pid, r.taskId, r.kind, r.value);
  }

  addState(r: StateRecordRow): void {
    this.stmts.addState.run(r.seq, r.at, r.pid, r.from, r.to, r.waitReason);
  }

  addPaging(r: PagingRecordRow): void {
    this.stmts.addPaging.run(r.seq, r.at, r.pid, r.kind, r.tokens);
  }

  addSandbox(r: SandboxRecordRow): void {
    this.stmts.addSandbox.run(r.seq, r.at, r.pid, r.exitCode, r.killed, r.durationMs, r.memoryBytes);
  }

  // --- evaluator ------------------------------------------------------------------------------

  /** Every task (oldest first) with the sums of its records. */
  taskAggregates(): TaskAggregate[] {
    return this.workAggregates().tasks;
  }

  /** Sums over each agent's records, by pid. */
  agentAggregates(): Map<Pid, WorkAggregate> {
    return this.workAggregates().agents;
  }

  /** One task with the sums of its records (indexed lookups: cheap at any database size). */
  taskAggregate(taskId: string): TaskAggregate | undefined {
    const task = this.getTask(taskId);
    if (!task) return undefined;
    const a = emptyAggregate();
    const st = this.stmts.taskSteps.get(taskId) as Row;
    a.steps = num(st.steps); a.tokens = num(st.tokens); a.inputTokens = num(st.inputTokens); a.cacheReadTokens = num(st.cacheReadTokens); a.dollars = num(st.dollars); a.runMs = num(st.runMs);
    const tc = this.stmts.taskTools.get(taskId) as Row;
    a.toolCalls = num(tc.toolCalls); a.toolErrors = num(tc.toolErrors); a.changes = num(tc.changes) + num(this.stmts.taskApplied.get(taskId));
    a.denied = num(this.stmts.taskDenied.get(taskId));
    const er = this.stmts.taskErrors.get(taskId) as Row;
    a.kernelErrors = num(er.kernelErrors); a.malformed = num(er.malformed); a.loops = num(er.loops);
    a.waits = this.stmts.taskWaits.all(taskId);
    return { task, ...a };
  }

  /** Both at once: one pass over each record table. */
  workAggregates(): { tasks: TaskAggregate[]; agents: Map<Pid, WorkAggregate> } {
    type Key = string | number | null;
    const byTask = new Map<string, WorkAggregate>();
    const byPid = new Map<Pid, WorkAggregate>();
    const both = (task: Key, pid: Key, add: (a: WorkAggregate) => void) => {
      if (task !== null) {
        let a = byTask.get(String(task));
        if (!a) byTask.set(String(task), (a = emptyAggregate()));
        add(a);
      }
      if (pid !== null) {
        let a = byPid.get(Number(pid));
        if (!a) byPid.set(Number(pid), (a = emptyAggregate()));
        add(a);
      }
    };
    const q = this.scans;
    for (const [t, p, tokens, input, cacheRead, dollars, ms] of q.steps.all() as Array<[Key, Key, number, number, number, number, number]>) {
      both(t, p, (a) => { a.steps++; a.tokens += tokens; a.inputTokens += input; a.cacheReadTokens += cacheRead; a.dollars += dollars; a.runMs += ms; });
    }
    for (const [t, p, failed, changed] of q.tools.all() as Array<[Key, Key, number, number]>) both(t, p, (a) => { a.toolCalls++; a.toolErrors += failed; a.changes += changed; });
    for (const [t, p] of q.applied.all() as Array<[Key, Key]>) both(t, p, (a) => { a.changes++; });
    for (const [t, p] of q.denied.all() as Array<[Key, Key]>) both(t, p, (a) => { a.denied++; });
    for (const [t, p, kind] of q.errors.all() as Array<[Key, Key, string]>) {
      both(t, p, (a) => { if (kind === 'kernel') a.kernelErrors++; else if (kind === 'malformed') a.malformed++; else a.loops++; });
    }
    for (const [t, p, value] of q.waits.all() as Array<[Key, Key, number]>) both(t, p, (a) => { a.waits.push(value); });
    const tasks = (this.stmts.allTasks.all() as Array<[string, number | null, string, string, string, number, number | null, TaskRecordRow['outcome'], number | null, number | null, number | null]>)
      .map(([taskId, pid, agent, role, description, startedAt, endedAt, outcome, budgetTokens, budgetDollars, budgetSteps]): TaskAggregate => ({
        task: { taskId, pid, agent, role, description, startedAt, endedAt, outcome, budgetTokens, budgetDollars, budgetSteps },
        ...(byTask.get(taskId) ?? emptyAggregate()),
      }))
      .sort((x, y) => x.task.startedAt - y.task.startedAt || (x.task.taskId < y.task.taskId ? -1 : x.task.taskId > y.task.taskId ? 1 : 0));
    return { tasks, agents: byPid };
  }

  /** What system health looks at between `from` and `to`. */
  windowCounts(from: number, to: number): WindowCounts {
    const c = this.stmts.windowCounts.get(from, to) as Row;
    return {
      steps: num(c.steps),
      toolCalls: num(c.toolCalls),
      toolErrors: num(c.toolErrors),
      kernelErrors: num(c.kernelErrors),
      malformed: num(c.malformed),
      sandboxRuns: num(c.sandboxRuns),
      sandboxFailures: num(c.sandboxFailures),
      crashes: num(c.crashes),
      firstAt: c.firstAt === null ? null : num(c.firstAt),
      waits: this.stmts.waitsIn.all(from, to),
      pauses: this.stmts.pausesIn.raw(true).all(to, from) as Array<[number, number]>,
      storageMs: this.stmts.storageIn.all(from, to),
    };
  }

  /** Page faults and evictions per role. */
  pagingByRole(): Array<{ role: string; agents: number; faults: number; evictions: number; contextTokens: number }> {
    return this.stmts.pagingByRole.all() as Array<{ role: string; agents: number; faults: number; evictions: number; contextTokens: number }>;
  }

  /** What a developer-answered request acted on. */
  putApprovalTarget(pid: Pid, requestId: string, tool: string, risk: string, target: RuleTarget): void {
    this.stmts.putApprovalTarget.run(pid, requestId, tool, risk, JSON.stringify(target));
  }

  /** Developer answers per tool and target (for rule proposals). */
  developerApprovals(): Array<{ tool: string; risk: string; target: RuleTarget; allowed: number; denied: number }> {
    return (this.stmts.developerApprovals.all() as Row[]).map((r) => ({
      tool: String(r.tool), risk: String(r.risk), target: JSON.parse(String(r.target)) as RuleTarget, allowed: num(r.allowed), denied: num(r.denied),
    }));
  }

  /** Dispatch waits and preemptions since `from`. */
  schedulerSince(from: number): { dispatches: number; meanWaitMs: number; preempts: number } {
    const r = this.stmts.schedulerSince.get(from) as Row;
    return { dispatches: num(r.dispatches), meanWaitMs: num(r.meanWait), preempts: num(r.preempts) };
  }

  // --- heartbeat and evaluations ---------------------------------------------------------------

  /** Times a small write and read-back on this database (the storage-latency probe), ms. */
  probeLatency(now: number): number {
    const t0 = performance.now();
    this.transaction(() => this.stmts.putMeta.run('heartbeat_probe', String(now)));
    this.stmts.getMeta.get('heartbeat_probe');
    return performance.now() - t0;
  }

  addHealthSample(s: HealthSample): void {
    this.stmts.addHealth.run(s.at, s.score, s.storageMs, JSON.stringify(s.components));
  }

  healthSamples(from: number, to: number, limit = 1000): HealthSample[] {
    return (this.stmts.healthIn.all(from, to, limit) as Row[]).map((r) => ({ at: num(r.at), score: num(r.score), storageMs: num(r.storageMs), components: JSON.parse(String(r.components)) as ScoreComponent[] })).reverse();
  }

  addEvaluation(at: number, subject: 'task' | 'agent', id: string, score: number, grade: string, components: ScoreComponent[]): void {
    this.stmts.addEvaluation.run(at, subject, id, score, grade, JSON.stringify(components));
  }

  latestEvaluation(subject: 'task' | 'agent', id: string): { at: number; score: number; grade: string } | undefined {
    return this.stmts.latestEvaluation.get(subject, id) as { at: number; score: number; grade: string } | undefined;
  }

  // --- reactor --------------------------------------------------------------------------------

  addFiring(f: Omit<Firing, 'id'>): number {
    return Number(this.stmts.addFiring.run(f.at, f.playbook, f.pid, f.action, f.outcome, f.message, JSON.stringify(f.detail)).lastInsertRowid);
  }

  firings(limit: number): Firing[] {
    return (this.stmts.firings.all(limit) as Row[]).map((r) => ({
      id: num(r.id), at: num(r.at), playbook: String(r.playbook), pid: r.pid === null ? null : num(r.pid), action: String(r.action),
      outcome: String(r.outcome), message: String(r.message), detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
    }));
  }

  // --- configuration versions and proposals ----------------------------------------------------

  activeConfig(): ConfigVersion | undefined {
    const r = this.stmts.activeConfig.get() as Row | undefined;
    return r && configFromRow(r);
  }

  configVersion(version: number): ConfigVersion | undefined {
    const r = this.stmts.configVersion.get(version) as Row | undefined;
    return r && configFromRow(r);
  }

  configVersions(): ConfigVersion[] {
    return (this.stmts.configVersions.all() as Row[]).map(configFromRow);
  }

  /** Stores `config` as the new active version; the previous one becomes `superseded` (or the given status). */
  addConfigVersion(v: { at: number; proposalId: string | null; config: TunableConfig; healthBefore: number | null; previousStatus?: 'superseded' | 'rolled_back'; reason?: string | null }): ConfigVersion {
    return this.transaction(() => {
      const prev = this.activeConfig();
      if (prev) this.stmts.endConfig.run(v.previousStatus ?? 'superseded', v.at, v.reason ?? null, prev.version);
      const version = (prev ? Math.max(prev.version, this.stmts.maxVersion.get() ?? 0) : this.stmts.maxVersion.get() ?? 0) + 1;
      this.stmts.addConfig.run(version, v.at, prev?.version ?? null, v.proposalId, JSON.stringify(v.config), v.healthBefore);
      return this.configVersion(version)!;
    });
  }

  putProposal(p: Proposal): void {
    this.stmts.putProposal.run(p.id, p.at, p.key, p.kind, p.summary, p.rationale, JSON.stringify(p.change), JSON.stringify(p.evidence), p.status, p.decidedAt, p.decidedBy, p.version);
  }

  getProposal(id: string): Proposal | undefined {
    const r = this.stmts.getProposal.get(id) as Row | undefined;
    return r && proposalFromRow(r);
  }

  proposals(statuses?: readonly ProposalStatus[], limit = 100): Proposal[] {
    const rows = (this.stmts.proposals.all(limit) as Row[]).map(proposalFromRow);
    return statuses ? rows.filter((p) => statuses.includes(p.status)) : rows;
  }

  putGate(g: GateResult): void {
    this.stmts.putGate.run(g.proposalId, g.level, g.at, g.passed ? 1 : 0, JSON.stringify({ summary: g.summary, checks: g.checks }));
  }

  gates(proposalId: string): GateResult[] {
    return (this.stmts.gates.all(proposalId) as Row[]).map((r) => {
      const d = JSON.parse(String(r.detail)) as Pick<GateResult, 'summary' | 'checks'>;
      return { proposalId, level: r.level as GateResult['level'], at: num(r.at), passed: r.passed === 1, summary: d.summary, checks: d.checks };
    });
  }

  putEvalTask(name: string, at: number, body: unknown): void {
    this.stmts.putEvalTask.run(name, at, JSON.stringify(body));
  }

  evalTasks(): Array<{ name: string; at: number; body: unknown }> {
    return (this.stmts.evalTasks.all() as Row[]).map((r) => ({ name: String(r.name), at: num(r.at), body: JSON.parse(String(r.body)) as unknown }));
  }

  /** Keeps the newest `keep` evaluation tasks. */
  trimEvalTasks(keep: number): void {
    this.stmts.trimEvalTasks.run(keep);
  }

  // --- dashboard ------------------------------------------------------------------------------

  /** Every step's usage since `from`, oldest first. */
  usageSince(from: number): UsagePoint[] {
    return this.stmts.usageSince.all(from) as UsagePoint[];
  }

  /** Lifecycle changes between `from` and `to`, oldest first; and each agent's last state before `from`. */
  statesBetween(from: number, to: number): { before: StateRecordRow[]; during: StateRecordRow[] } {
    return {
      before: this.stmts.statesBefore.all(from) as StateRecordRow[],
      during: this.stmts.statesBetween.all(from, to) as StateRecordRow[],
    };
  }

  approvalCounts(): ApprovalCount[] {
    return this.stmts.approvalCounts.all() as ApprovalCount[];
  }

  recentApprovals(limit: number): ApprovalRecordRow[] {
    return (this.stmts.recentApprovals.all(limit) as Row[]).map((r) => ({ ...r, at: num(r.at) }) as unknown as ApprovalRecordRow);
  }

  /** Sums of input (incl. cache) and cache-read tokens over all steps. */
  cacheTotals(): { inputTokens: number; cacheReadTokens: number; scriptedSteps: number } {
    const r = this.stmts.cacheTotals.get() as Row;
    return { inputTokens: num(r.inputTokens), cacheReadTokens: num(r.cacheReadTokens), scriptedSteps: num(r.scriptedSteps) };
  }
}
