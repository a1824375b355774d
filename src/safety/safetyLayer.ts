/**
 * The safety layer of one kernel session, wired in one place: collector → evaluator → heartbeat,
 * the reactor, and the improvement loop with its gates. The session constructs it, calls
 * `start` once the kernel is up, and disposes it on close.
 */
import type { Kernel, KernelSpawnOptions } from '../kernel/kernel';
import type { ApprovalClient } from '../kernel/ports/approvals';
import type { ApprovalPolicy } from '../kernel/ports/policy';
import type { KernelStore } from '../kernel/ports/store';
import type { ToolCatalog } from '../kernel/ports/tools';
import type { Disposable } from '../kernel/types';
import { ApprovalWatch, type ApprovalTargetSink } from './approvalWatch';
import { Collector } from './collector';
import { DEFAULT_CAPS, type GateResult, type GlobalCaps, type Proposal, type TunableConfig } from './config';
import { kernelTargets, withRoleDefaults, type ConfigTargets } from './configTargets';
import type { DashboardSource } from './dashboardSource';
import { evaluate, health, scoreTasks, type Evaluation, type TaskScore } from './evaluation';
import { Heartbeat, type HeartbeatDeps, type HeartbeatOptions } from './heartbeat';
import { ImprovementLoop, type LoopOptions, type LoopStore } from './improvementLoop';
import type { Playbook } from './playbooks';
import { Reactor, type FiringResult } from './reactor';
import type { KernelEvent } from '../kernel/events';
import { kernelEffects, type FiringSink } from './reactorEffects';
import type { CollectorSink, TaskAggregate } from './records';
import { DEFAULT_EVAL_SUITE, evalTaskFromRecords, l1Gate, type EvalTask, type OpenReplay } from './regression';

/** Everything the layer stores (storage/safetyStore.ts SafetyStore implements it). */
export type SafetyDb = CollectorSink & LoopStore & DashboardSource & HeartbeatDeps['store'] & ApprovalTargetSink & FiringSink & {
  taskAggregate(taskId: string): TaskAggregate | undefined;
  addEvaluation(at: number, subject: 'task' | 'agent', id: string, score: number, grade: string, components: TaskScore['components']): void;
  putEvalTask(name: string, at: number, body: unknown): void;
  evalTasks(): Array<{ name: string; at: number; body: unknown }>;
  trimEvalTasks(keep: number): void;
};

/** Settings of the safety layer (all optional). */
export interface SafetyOptions {
  /** false: no heartbeat (tests, replays) */
  heartbeat?: Partial<HeartbeatOptions> | false;
  playbooks?: readonly Playbook[];
  caps?: Partial<GlobalCaps>;
  loop?: Partial<Omit<LoopOptions, 'caps'>>;
  /** run propose + L0 + L1 automatically this often (checked on each heartbeat), ms; 0: only on request. Default 10 min. */
  loopIntervalMs?: number;
  /** L1: allowed score drop per replayed task, points (default 5) */
  regressionMargin?: number;
  /** recorded evaluation tasks kept for L1 (default 20); L1 replays the newest 5 */
  evalTasksKept?: number;
}

/** What the layer is built from. */
export interface SafetyLayerDeps {
  kernel: Kernel;
  /** the kernel's store: agents, pages and the audit trail as stored */
  store: KernelStore;
  db: SafetyDb;
  policy: ApprovalPolicy;
  tools: ToolCatalog;
  session: string;
  /** the real workspace (copied for L1 replays) */
  workspace: string;
  /** opens a throw-away session for an L1 replay; absent: L1 cannot run and rejects */
  openReplay?: OpenReplay;
  log?: (line: string) => void;
  options?: SafetyOptions;
}

/** The safety layer of a session. */
export class SafetyLayer implements Disposable {
  readonly collector: Collector;
  readonly reactor: Reactor;
  readonly heartbeat: Heartbeat | null;
  readonly loop: ImprovementLoop;
  readonly caps: GlobalCaps;
  private readonly targets: ConfigTargets;
  private override: TunableConfig | null = null;
  private lastLoopRun: number;
  private started = false;
  private disposed = false;

  constructor(private readonly deps: SafetyLayerDeps) {
    const { kernel, db } = deps;
    const options = deps.options ?? {};
    const log = deps.log ?? (() => {});
    this.caps = { ...DEFAULT_CAPS, ...options.caps };
    this.lastLoopRun = kernel.clock.now();
    this.collector = new Collector(db, {
      onTaskEnded: (taskId, at) => this.taskEnded(taskId, at),
      onError: (err) => log(`safety: collector: ${(err as Error).message}`),
    });
    this.reactor = new Reactor(kernelEffects(kernel, db, deps.session), options.playbooks);
    this.targets = kernelTargets(kernel, deps.policy, deps.tools, deps.session);
    this.loop = new ImprovementLoop({
      store: db,
      targets: this.targets,
      clock: kernel.clock,
      emit: (e) => kernel.events.emit(e),
      audit: (entry) => this.deps.store.appendAudit(entry),
      currentHealth: () => this.health(),
      regression: (id, current, proposed) => {
        if (!deps.openReplay) return Promise.resolve({ proposalId: id, level: 'L1', at: kernel.clock.now(), passed: false, summary: 'this kernel cannot open replay sessions', checks: [] });
        return l1Gate(id, current, proposed, { open: deps.openReplay, suite: this.evalSuite(), workspace: deps.workspace, margin: options.regressionMargin ?? 5 }, () => kernel.clock.now());
      },
      tools: deps.tools,
      baseSliceSteps: kernel.scheduling.settings.sliceSteps,
    }, { ...options.loop, caps: this.caps });
    this.heartbeat = options.heartbeat === false ? null : new Heartbeat({
      store: db,
      clock: kernel.clock,
      emit: (e) => kernel.events.emit(e),
      onSample: (sample) => {
        this.loop.onHealth(sample);
        this.maybeRunLoop();
      },
      onError: (err) => log(`safety: heartbeat: ${(err as Error).message}`),
    }, options.heartbeat);
  }

  /** Applies the active configuration version, then follows the kernel. Call once the kernel has started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop.restore();
    this.collector.attach(this.deps.kernel);
    this.reactor.attach(this.deps.kernel);
    this.heartbeat?.start();
  }

  /** Writes queued events and brings the records up to date with the event log now. */
  flush(): void {
    this.deps.kernel.events.flush();
    this.collector.catchUp();
  }

  /** Waits until queued events are written and delivered (reactions included), then flushes. */
  async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      this.deps.kernel.events.flush();
      await this.deps.kernel.idle();
      await new Promise((r) => setImmediate(r));
    }
    this.flush();
  }

  /** The approval client the runtime should use: records what each request acts on. */
  watchApprovals(client: ApprovalClient): ApprovalClient {
    return new ApprovalWatch(client, this.deps.db, (err) => this.deps.log?.(`safety: approval target: ${(err as Error).message}`));
  }

  /** Runs the inline playbooks (the sandbox's OOM retry) on an event; says what each did. */
  reactInline(event: KernelEvent): FiringResult[] {
    return this.reactor.handle(event, 'inline');
  }

  /** Spawn options with the active configuration's context budget for the agent's role. */
  spawnOptions<T extends KernelSpawnOptions>(options: T): T {
    return withRoleDefaults(options, this.config()) as T;
  }

  /** The configuration in force. */
  config(): TunableConfig {
    return this.override ?? this.loop.current();
  }

  /** Puts `config` in force without storing a version (L1 replays on a throw-away database). */
  useConfig(config: TunableConfig): void {
    this.targets.apply(config, this.config());
    this.override = config;
  }

  /** Scores of every agent and task, and health, now. */
  evaluate(now = this.deps.kernel.clock.now()): Evaluation {
    this.flush();
    return evaluate(this.deps.db, this.deps.store.listAgents(), now);
  }

  /** One task's current score. */
  taskScore(taskId: string): TaskScore | undefined {
    const a = this.deps.db.taskAggregate(taskId);
    return a && scoreTasks([a])[0];
  }

  /** What the dashboard is built from (host/dashboardData.ts), with every record collected up to now. */
  dashboardInputs(): { safety: DashboardSource; threshold: number; baseSliceSteps: number } {
    this.flush();
    return { safety: this.deps.db, threshold: this.heartbeat?.options.threshold ?? 60, baseSliceSteps: this.deps.kernel.scheduling.settings.sliceSteps };
  }

  /** Proposals waiting for the developer (L2), with their gate results. */
  pendingReviews(): Array<{ proposal: Proposal; gates: GateResult[] }> {
    return this.deps.db.proposals(['awaiting_review']).map((proposal) => ({ proposal, gates: this.deps.db.gates(proposal.id) }));
  }

  /** L2: the developer's answer. */
  decide(id: string, decision: 'approve' | 'reject', actor = 'developer'): Proposal {
    return this.loop.decide(id, decision, actor);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.heartbeat?.dispose();
    this.reactor.dispose();
    try {
      if (this.started) this.flush();
    } catch (err) {
      this.deps.log?.(`safety: final collect: ${(err as Error).message}`);
    }
    this.collector.dispose();
  }

  private health(): number {
    return health(this.deps.db, this.deps.kernel.clock.now(), { healthWindowMs: this.heartbeat?.options.windowMs }).score;
  }

  private maybeRunLoop(): void {
    const interval = this.deps.options?.loopIntervalMs ?? 10 * 60_000;
    const now = this.deps.kernel.clock.now();
    if (interval <= 0 || now - this.lastLoopRun < interval || this.disposed) return;
    this.lastLoopRun = now;
    this.loop.run().catch((err: Error) => this.deps.log?.(`safety: improvement loop: ${err.message}`));
  }

  private evalSuite(): EvalTask[] {
    const recorded = this.deps.db.evalTasks().slice(-5).map((t) => t.body as EvalTask);
    return recorded.length ? recorded : [...DEFAULT_EVAL_SUITE];
  }

  /** A finished task: store its final score; a successful one joins the recorded L1 suite. */
  private taskEnded(taskId: string, at: number): void {
    const { db } = this.deps;
    const score = this.taskScore(taskId);
    if (!score) return;
    db.addEvaluation(at, 'task', taskId, score.score, score.grade, score.components);
    if (score.outcome !== 'done' || score.pid === null) return;
    const agent = this.deps.store.getAgent(score.pid);
    const task = agent && evalTaskFromRecords(agent, this.deps.store.listPages(agent.pid));
    if (!task) return;
    db.putEvalTask(task.name, at, task);
    db.trimEvalTasks(this.deps.options?.evalTasksKept ?? 20);
  }
}
