/**
 * One kernel session: the store, the kernel, the providers, the tools, the policy and the step
 * loop, wired in one place. The kernel host process and the `aios` CLI both open one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { WatchedSandbox } from '../sandbox/watchedSandbox';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kernel, type KernelSpawnOptions, type QuotaConfig } from '../kernel/kernel';
import type { ApprovalClient } from '../kernel/ports/approvals';
import type { LlmProvider } from '../kernel/ports/llm';
import type { Tool } from '../kernel/ports/tools';
import type { Disposable, Pid } from '../kernel/types';
import { DEFAULT_CONTEXT } from '../kernel/processTable';
import { recallTool } from '../memories/recallTool';
import { AgentMemories } from '../memories/agentMemory';
import { FileLeases, withFileLeases } from '../leases/leases';
import { Planner } from '../planner/planner';
import { Conversation } from '../conversation/conversation';
import { askDeveloperTool, Questions } from '../conversation/questions';
import type { PlannerConfig } from '../planner/planTypes';
import { withInputChecks } from '../planner/plannerCatalog';
import { planTool, reportResultTool } from '../planner/plannerTool';
import { TaskRouter } from '../router/router';
import { mergeRoles, type RoleInput } from '../router/routerRoles';
import { modelRoleChooser } from '../router/routerModel';
import { routeAndAssign, RoutingService, type AssignOptions, type Assignment, type RoleChooser } from '../router/routerService';
import { SqliteMemoryStore } from '../storage/agentMemoryStore';
import { SqliteRoutingLog } from '../storage/routingLog';
import { loadWorkspaceRoles } from '../storage/routingRoles';
import { rememberTool } from '../memories/memoryTools';
import { AgentRuntime, type RuntimeConfig } from '../kernel/step/stepLoop';
import type { SchedulerConfig } from '../kernel/scheduler';
import { InvalidArgumentError } from '../kernel/errors';
import { createProvider, type ProviderChoice, type ProviderFactoryOptions } from '../llm/factory';
import { refuseSpawn } from '../llm/modelCatalog';
import type { SandboxOptions } from '../sandbox/config';
import { createRunCommandTool } from '../sandbox/runCommandTool';
import { DockerSandbox } from '../sandbox/sandbox';
import { SqliteStore } from '../storage/sqliteStore';
import { SqliteLedgerStore } from '../storage/ledgerStore';
import { KernelLock } from '../storage/kernelLock';
import { RulePolicy, type AskThreshold } from '../tools/policy';
import { ReadLedger } from '../tools/readLedger';
import { ToolRegistry } from '../tools/registry';
import { createWorkspaceTools } from '../tools/workspace';
import { SafetyLayer, type SafetyOptions } from '../safety/safetyLayer';
import { REPLAY_APPROVALS, type OpenReplay } from '../safety/regression';
import { SafetyStore } from '../safety/store/safetyStore';
import { McpAlwaysAllowPolicy } from '../mcp/alwaysAllowPolicy';
import { McpManager, type McpManagerOptions } from '../mcp/manager';

/** Everything a session is configured with. */
export interface SessionOptions {
  /** the SQLite file */
  dbPath: string;
  /** the workspace root the tools work on */
  workspace: string;
  approvals: ApprovalClient;
  scheduler?: Partial<SchedulerConfig>;
  runtime?: Partial<RuntimeConfig>;
  memory?: Partial<QuotaConfig>;
  providers?: ProviderFactoryOptions;
  askAtOrAbove?: AskThreshold;
  /** more workspace paths (globs) whose change is critical risk, besides .git, .vscode, .aios (aios.approvals.protectedPaths) */
  protectedPaths?: readonly string[];
  /** extra tools */
  extraTools?: Tool[];
  /** the Docker sandbox for run_command (workspace and session are filled in); false for none */
  sandbox?: Omit<SandboxOptions, 'workspace' | 'session'> | false;
  /** where the sandbox logs (engine trouble, orphan cleanup) */
  log?: (line: string) => void;
  onText?: (pid: Pid, delta: string) => void;
  /** called with each tool call's result as soon as it is known (for live transcripts) */
  onToolResult?: (pid: Pid, callId: string, content: string, isError: boolean) => void;
  /** how often to look for commands from other processes (`aios kill`), ms; 0 turns it off */
  controlPollMs?: number;
  /** the safety layer: heartbeat, reactor playbooks, improvement loop (docs/safety.md) */
  safety?: SafetyOptions;
  /** roles from settings, merged over the built-in ones and the workspace's .aios/roles.json */
  roles?: RoleInput[];
  /** routing: confidence threshold; a real model to ask below it; the developer's chooser */
  routing?: { threshold?: number; model?: string; askDeveloper?: RoleChooser };
  planner?: Partial<PlannerConfig>;
  /** how long a second writer of a file waits for the first (ms, default 10 s) */
  leaseWaitMs?: number;
  /** the developer's MCP servers as tools (src/mcp/); absent or false: none */
  mcp?: Omit<McpManagerOptions, 'workspace' | 'sink' | 'log'> | false;
}

/** An open kernel session. */
export class KernelSession {
  readonly id = randomUUID();
  readonly store: SqliteStore;
  readonly kernel: Kernel;
  readonly registry = new ToolRegistry();
  readonly policy: RulePolicy;
  readonly runtime: AgentRuntime;
  readonly ledger: ReadLedger;
  /** file leases: one writer per file at a time */
  readonly leases: FileLeases;
  /** agents' working, episodic and long-term memory */
  readonly memories: AgentMemories;
  /** task routing and its decision log */
  readonly routing: RoutingService;
  /** runs the plans agents make with the plan tool */
  readonly planner: Planner;
  /** null when the session runs without code actions */
  readonly sandbox: DockerSandbox | null;
  /** collector, evaluator, heartbeat, reactor and improvement loop */
  readonly safety: SafetyLayer;
  /** the developer's MCP servers; null when the session runs without them */
  readonly mcp: McpManager | null;
  /** developer messages to agents, and new turns of finished agents */
  readonly conversation: Conversation;
  /** questions agents asked the developer (ask_developer) */
  readonly questions: Questions;
  private readonly providers = new Map<string, ProviderChoice>();
  private readonly disposables: Disposable[] = [];
  private controlSeq = 0;
  private readonly lock: KernelLock | undefined;
  private controlTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private readonly options: SessionOptions) {
    this.store = SqliteStore.open(options.dbPath);
    try {
      // held for the session's life: a second kernel on this database is refused, atomically
      this.lock = KernelLock.claim(this.store.connection, options.dbPath, this.id, (why) => options.log?.(`kernel lock: ${why}`));
      this.kernel = new Kernel({ store: this.store, scheduler: options.scheduler, memory: options.memory, prepareSpawn: (o) => this.spawnOptions(o) });
      this.ledger = new ReadLedger(new SqliteLedgerStore(this.store.connection));
      this.policy = new RulePolicy({ store: this.store, session: this.id, askAtOrAbove: options.askAtOrAbove, protectedPaths: options.protectedPaths });
      // The database is never something a change set may touch (nor, under .aios, something the sandbox sees).
      this.sandbox = options.sandbox === false ? null : new DockerSandbox({ ...options.sandbox, workspace: options.workspace, session: this.id, untouchable: [resolve(options.dbPath)] }, options.log);
      this.safety = new SafetyLayer({
        kernel: this.kernel, store: this.store, db: new SafetyStore(this.store), policy: this.policy, tools: this.registry, session: this.id, workspace: options.workspace,
        openReplay: KernelSession.replays(options.scheduler),
        log: options.log, options: options.safety,
      });
      const kernel = this.kernel;
      this.leases = new FileLeases({
        waitMs: options.leaseWaitMs,
        describe: (pid) => { const a = kernel.agents.find(pid); return a ? `agent ${pid} (${a.name})` : `agent ${pid}`; },
        onConflict: (pid, holder, waitedMs) => kernel.events.emit({ type: 'lease.conflict', pid, path: holder.path, holder: holder.pid, waitedMs }),
      });
      this.memories = new AgentMemories({ kernel, store: new SqliteMemoryStore(this.store.connection), scope: options.workspace });
      const roles = mergeRoles(this.workspaceRoles(), options.roles ?? []);
      const routingModel = options.routing?.model ? this.providerFor(options.routing.model) : null;
      this.routing = new RoutingService({
        router: new TaskRouter(roles),
        threshold: options.routing?.threshold,
        askModel: routingModel ? modelRoleChooser(routingModel.provider, routingModel.model) : null,
        askDeveloper: options.routing?.askDeveloper ?? null,
        log: new SqliteRoutingLog(this.store.connection),
        onDecided: (d) => kernel.events.emit({ type: 'route.decided', pid: null, decision: d.id, role: d.role, tier: d.tier, confidence: d.confidence }),
        onChooserError: (who, err) => options.log?.(`routing: asking the ${who} failed: ${(err as Error).message}`),
      });
      this.planner = new Planner({
        kernel, spawn: (o) => kernel.spawn(o), roles: () => this.routing.roles, written: (pid) => this.leases.written(pid), config: options.planner,
      });
      this.questions = new Questions(kernel);
      // Every tool that may write files holds a lease on the files of its edit while it writes.
      const leased = (t: Tool) => (t.capabilities.includes('fs.write') ? withFileLeases(t, this.leases) : t);
      const tools = [
        ...createWorkspaceTools({ root: options.workspace, ledger: this.ledger, forbidden: [resolve(options.dbPath)] }),
        recallTool(this.kernel.contexts, this.memories),
        rememberTool(this.memories),
        planTool(this.planner, kernel),
        reportResultTool(this.planner),
        askDeveloperTool(this.questions),
        ...(this.sandbox ? [createRunCommandTool(this.watched(this.sandbox))] : []),
        ...(options.extraTools ?? []),
      ].map(leased);
      for (const t of tools) this.disposables.push(this.registry.register(t));
      const mcp = options.mcp ? new McpManager({ ...options.mcp, workspace: options.workspace, sink: this.registry, log: (line) => options.log?.(line) }) : null;
      this.mcp = mcp;
      this.runtime = new AgentRuntime({
        kernel: this.kernel,
        provider: (agent) => this.providerFor(agent.model).provider,
        modelId: (agent) => this.providerFor(agent.model).model,
        // a plan with a cycle is schema-valid but malformed: it counts towards the malformed-output limit
        tools: withInputChecks(this.registry, { plan: (input) => this.planner.check(input) }),
        policy: mcp ? new McpAlwaysAllowPolicy(this.policy, () => mcp.alwaysAllowed()) : this.policy,
        approvals: this.safety.watchApprovals(options.approvals),
        session: this.id,
        config: options.runtime,
        onText: options.onText,
        toolsReady: mcp ? () => mcp.activate() : undefined,
        onToolResult: options.onToolResult,
        // the model's price (settings over the built-in table); null when unknown: a dollar budget then refuses the call
        price: (agent) => this.providerFor(agent.model).resolved?.price ?? null,
      });
      this.conversation = new Conversation(kernel, () => this.runtime.wake());
    } catch (err) {
      this.lock?.release();
      this.store.close();
      throw err;
    }
  }

  /** Opens the database, restores agents left by a previous kernel, and starts the step loop. */
  static open(options: SessionOptions): KernelSession {
    const session = new KernelSession(options);
    const k = session.kernel;
    k.events.emit({ type: 'kernel.started', session: session.id, processId: process.pid });
    session.controlSeq = k.queryEvents({ type: 'control.', limit: 1 })[0]?.seq ?? 0;
    k.restore();
    session.conversation.restore();
    session.safety.start();
    // An agent that ends gives back its container and forgets what it read.
    session.disposables.push(k.subscribe('agent.state', (e) => {
      if (e.event.type !== 'agent.state' || !['done', 'failed', 'killed'].includes(e.event.to)) return;
      const pid = e.event.pid;
      session.ledger.forget(pid);
      session.leases.releaseAll(pid);
      session.leases.forget(pid);
      session.memories.forgetRun(pid);
      session.routing.log?.recordOutcome(pid, e.event.to, e.at);
      void session.sandbox?.release(pid).catch((err: Error) => options.log?.(`sandbox: releasing agent ${pid}: ${err.message}`));
    }));
    session.runtime.start();
    const poll = options.controlPollMs ?? 250;
    if (poll > 0) {
      session.controlTimer = setInterval(() => session.applyControl(), poll);
      session.controlTimer.unref();
    }
    return session;
  }

  /** Opens L1 replays: each a throw-away session on a temporary database, scripted model, no sandbox, no heartbeat. */
  static replays(scheduler: Partial<SchedulerConfig> = {}): OpenReplay {
    return (o) => KernelSession.open({
      dbPath: o.dbPath, workspace: o.workspace, approvals: REPLAY_APPROVALS, sandbox: false, controlPollMs: 0,
      scheduler: { ...scheduler, sliceSteps: o.sliceSteps }, safety: { heartbeat: false, loopIntervalMs: 0 },
    });
  }

  /** The provider (shared per model setting), the model id to send, and what is known about the model (tests may leave that out). */
  providerFor(spec: string): { provider: LlmProvider; model: string; resolved?: ProviderChoice['resolved'] } {
    let p = this.providers.get(spec);
    if (!p) {
      p = createProvider(spec, { baseDir: this.options.workspace, ...this.options.providers });
      this.providers.set(spec, p);
    }
    return p;
  }

  /** The sandbox run_command uses: every command's end is an event, and an out-of-memory one goes through the reactor's retry playbook. */
  private watched(sandbox: DockerSandbox): WatchedSandbox {
    return new WatchedSandbox(sandbox, {
      emit: (e) => this.kernel.events.emit(e),
      react: (e) => this.safety.reactInline(e),
      memory: sandbox,
      defaultMemoryBytes: sandbox.config.limits.memoryBytes,
    });
  }

  /**
   * Every spawn's options with the safety layer's role defaults and the model's limits applied: a
   * bad model setting fails at spawn, not mid-run (a model without tool calling, or a dollar
   * budget on a model without a price, is refused); the context budget is capped at the window.
   */
  private spawnOptions(options: KernelSpawnOptions): KernelSpawnOptions {
    const withDefaults = this.safety.spawnOptions(options);
    if (!options.model) return withDefaults;
    const { resolved } = this.providerFor(options.model);
    if (!resolved) return withDefaults;
    const refusal = refuseSpawn(resolved, withDefaults.budgets);
    if (refusal) throw new InvalidArgumentError(refusal);
    const window = resolved.contextWindow;
    const tokens = withDefaults.context?.tokens ?? DEFAULT_CONTEXT.tokens;
    if (window !== null && tokens > window) withDefaults.context = { ...withDefaults.context, tokens: window };
    return withDefaults;
  }

  /**
   * Routes a task to a role (router tiers, then the model or the developer below the threshold),
   * records the decision, and gives the task to an idle agent of that role or spawns one.
   * This is what "AIOS: Route Task" calls.
   */
  routeTask(task: string, options: AssignOptions = {}): Promise<Assignment> {
    return routeAndAssign({ kernel: this.kernel, routing: this.routing, spawn: (o) => this.kernel.spawn(o), wake: () => this.runtime.wake() }, task, { source: 'extension', ...options });
  }

  /** The workspace's .aios/roles.json; a broken file is logged and ignored, so the session still opens. */
  private workspaceRoles(): RoleInput[] {
    try {
      return loadWorkspaceRoles(this.options.workspace);
    } catch (err) {
      this.options.log?.(`routing: ${(err as Error).message}`);
      return [];
    }
  }

  /** Applies commands other processes wrote for this kernel (`aios kill`). */
  applyControl(): void {
    if (this.closed) return;
    const events = this.store.queryEvents({ type: 'control.', afterSeq: this.controlSeq, limit: 100 }).reverse();
    for (const e of events) {
      this.controlSeq = Math.max(this.controlSeq, e.seq);
      if (e.event.type === 'control.kill') {
        const agent = this.kernel.agents.find(e.event.pid);
        if (agent && !['done', 'failed', 'killed'].includes(agent.state)) this.kernel.kill(e.event.pid, e.event.reason);
      }
      if (e.event.type === 'control.message') this.controlMessage(e.event);
    }
  }

  /** A message `aios send` wrote for this kernel; a refusal is recorded for the sender to read. */
  private controlMessage(m: { pid: Pid; messageId: string; text: string }): void {
    let reason: string | null = null;
    try {
      const r = this.kernel.agents.find(m.pid) ? this.conversation.send(m.pid, m.text, m.messageId) : null;
      if (!r) reason = `no agent ${m.pid}`;
      else if (r.outcome === 'budget') reason = `its ${r.violation.budget} budget is spent (${r.violation.used} of ${r.violation.limit}): raise it in the transcript tab first`;
    } catch (err) {
      reason = (err as Error).message;
    }
    if (reason) this.kernel.events.emit({ type: 'message.refused', pid: m.pid, messageId: m.messageId, reason });
  }

  /**
   * Stops the loop and closes the database. Agents left live are restored by the next session.
   * A requested stop is a clean stop: `kernel.stopped` is written even when a step is still in
   * flight after `graceMs` (a model call, an approval nobody answered), and the database is closed
   * so that step can commit nothing more; it reruns from its checkpoint next time. Resolves true
   * when everything stopped within the grace.
   */
  async close(graceMs = Infinity): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    const deadline = Date.now() + graceMs;
    if (this.controlTimer) clearInterval(this.controlTimer);
    // a parent waiting for its plan would keep its step (and stop()) waiting forever
    this.planner.dispose();
    this.questions.dispose();
    this.conversation.dispose();
    const stepsStopped = await settlesWithin(this.runtime.stop(), graceMs);
    await this.mcp?.dispose();
    this.safety.dispose();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    const sandbox = this.sandbox?.dispose().catch((err: Error) => this.options.log?.(`sandbox: ${err.message}`));
    const sandboxStopped = await settlesWithin(sandbox ?? Promise.resolve(), Math.max(0, deadline - Date.now()));
    try {
      this.kernel.events.emit({ type: 'kernel.stopped', session: this.id });
      // emit outside a transaction only queues: write it before the file closes (else the next start looks like a crash)
      this.kernel.events.flush();
    } finally {
      this.lock?.release();
      this.store.close();
    }
    return stepsStopped && sandboxStopped;
  }
}

/** Whether `promise` settles within `ms` (always, for Infinity); it keeps running either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity) {
    await promise.catch(() => undefined);
    return true;
  }
  const timer = new AbortController();
  const late = delay(ms, false, { signal: timer.signal }).catch(() => false);
  const settled = await Promise.race([promise.then(() => true, () => true), late]);
  timer.abort();
  return settled;
}
