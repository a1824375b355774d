/**
 * The kernel host: serves the protocol (src/protocol/hostMethods.ts) over one JSON-RPC
 * connection with one kernel session behind it. Handlers only translate; the kernel decides.
 */
import { sessionDashboard } from './dashboardData';
import { CancellationTokenSource, ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc';
import type { KernelSpawnOptions } from '../kernel/kernel';
import { routeAndAssign, type RoleChooser } from '../router/routerService';
import { isTerminal } from '../kernel/processTable';
import type { SchedulerConfig } from '../kernel/scheduler';
import type { Budgets } from '../kernel/types';
import { connectEngine } from '../sandbox/engine';
import { buildSandboxImage } from '../sandbox/imageBuild';
import {
  toExtension, toHost, type ConfigureParams, type InitializeParams, type InitializeResult, type RouteParams, type RouteResult, type SchedulerSettings, type SpawnParams,
} from '../protocol/hostMethods';
import type { AgentView, SchedulerView, StateSnapshot } from '../protocol/hostTypes';
import { configuredModels, EMPTY_MODEL_SETTINGS, resolveModel, type CatalogContext } from '../llm/modelCatalog';
import { CLAUDE_PICKER_MODELS } from '../llm/modelTable';
import { toExtensionModels, toHostModels, type Credentials } from '../protocol/modelMethods';
import { LmBridgeClient } from './lmBridgeClient';
import { HostErrorCode } from '../protocol/errorCodes';
import { ApprovalBridge } from './approvalBridge';
import { withKernelErrorCodes } from './kernelErrors';
import { ChangeNotifier } from './changeNotifier';
import { describeRuntime, explainNativeModuleError } from './nativeModule';
import { SandboxProbe } from './sandboxProbe';
import { mcpServerViews, mcpSessionOptions, registerMcpHandlers } from './mcpHost';
import { KernelSession } from '../session/kernelSession';
import { buildSnapshot, toAgentView } from './snapshot';
import { registerTranscriptHandlers } from './transcriptHandlers';
import { TranscriptService } from './transcripts';
import { plural } from '../text/plural';

/** Error codes the extension can tell apart (one table, in the protocol). */
export const HostErrorCodes = HostErrorCode;

/** A kernel host bound to one connection. */
export class KernelHost {
  private session: KernelSession | null = null;
  private bridge: ApprovalBridge | null = null;
  private notifier: ChangeNotifier | null = null;
  private probe: SandboxProbe | null = null;
  private models: CatalogContext | null = null;
  private lm: LmBridgeClient | null = null;
  private transcripts: TranscriptService | null = null;
  private workspace = '';
  private startedAt = Date.now();
  private closing: Promise<void> | null = null;

  constructor(private readonly connection: MessageConnection, private readonly log: (line: string) => void) {}

  /** Registers every handler; call before `connection.listen()`. */
  register(): void {
    const c = withKernelErrorCodes(this.connection);
    c.onRequest(toHost.initialize, (p) => this.initialize(p));
    c.onRequest(toHost.state, () => this.snapshot());
    c.onRequest(toHost.spawn, (p) => this.spawn(p));
    c.onRequest(toHost.kill, ({ pid }) => ({ killed: this.open().kernel.kill(pid, 'killed by the developer') }));
    c.onRequest(toHost.suspend, ({ pid }) => {
      const when = this.open().kernel.suspend(pid);
      this.transcripts?.touch(pid);
      return { when };
    });
    c.onRequest(toHost.resume, ({ pid }) => {
      const s = this.open();
      const agent = toAgentView(s.kernel.resume(pid));
      s.runtime.wake();
      return agent;
    });
    c.onRequest(toHost.renice, ({ pid, priority }) => toAgentView(this.open().kernel.renice(pid, priority)));
    c.onRequest(toHost.removeRule, ({ id }) => {
      const removed = this.open().policy.removeRule(id);
      this.notifier?.touch();
      return { removed };
    });
    c.onRequest(toHost.answerApproval, ({ id, answer }) => {
      this.open();
      return { accepted: this.bridge?.answer(id, answer) ?? false };
    });
    c.onRequest(toHost.configure, (p) => this.configure(p));
    c.onRequest(toHost.buildSandboxImage, ({ force }) => this.buildImage(force));
    c.onRequest(toHost.routeTask, (p, token) => this.route(p, token));
    c.onRequest(toHost.dashboard, () => sessionDashboard(this.open()));
    c.onRequest(toHost.decideProposal, ({ id, decision }) => {
      const p = this.open().safety.decide(id, decision);
      this.notifier?.touch();
      return { message: `${decision === 'approve' ? 'Approved' : 'Rejected'}: ${p.summary} (now ${p.status.replace(/_/g, ' ')})` };
    });
    registerMcpHandlers(c, () => this.session?.mcp ?? null, () => this.notifier?.touch());
    c.onRequest(toHost.shutdown, () => this.close());
    c.onRequest(toHostModels.models, () => {
      this.open();
      return configuredModels(this.models!, CLAUDE_PICKER_MODELS);
    });
    registerTranscriptHandlers(c, () => ({ session: this.open(), transcripts: this.transcripts! }), () => this.notifier?.touch());
  }

  /**
   * Closes the session (idempotent). Agents stay in the database for the next host. A model call
   * in flight can take minutes; after `graceMs` the host stops waiting: every committed step is
   * in SQLite, and the interrupted one runs again from its checkpoint next time.
   */
  close(graceMs = 3000): Promise<void> {
    this.closing ??= (async () => {
      this.notifier?.dispose();
      this.lm?.dispose();
      this.transcripts?.dispose();
      const session = this.session;
      this.session = null;
      if (!session) return;
      const inTime = await session.close(graceMs);
      this.log(inTime ? 'session closed' : `session closed after ${graceMs} ms with a step still in flight (a model call or an unanswered approval): it reruns from its checkpoint next time`);
    })();
    return this.closing;
  }

  private async initialize(params: InitializeParams): Promise<InitializeResult> {
    if (this.session) throw new ResponseError(HostErrorCodes.cannotStart, 'the kernel host is already initialized');
    this.startedAt = Date.now();
    this.workspace = params.workspace;
    const credentials = await this.credentials();
    this.models = { settings: params.models ?? EMPTY_MODEL_SETTINGS, credentials, env: process.env };
    this.lm ??= new LmBridgeClient(this.connection);
    const notifier = new ChangeNotifier({ send: (batch) => void this.connection.sendNotification(toExtension.changed, batch) });
    const bridge = new ApprovalBridge(
      {
        requested: (view) => this.connection.sendRequest(toExtension.approvalRequested, view),
        closed: (id, reason) => void this.connection.sendNotification(toExtension.approvalClosed, { id, reason }),
      },
      (pid) => {
        const agent = this.session?.kernel.agents.find(pid);
        return !agent || isTerminal(agent.state);
      },
      () => notifier.touch(),
      this.log,
    );
    let session: KernelSession;
    try {
      session = KernelSession.open({
        dbPath: params.dbPath,
        workspace: params.workspace,
        approvals: bridge,
        scheduler: toSchedulerConfig(params.scheduler),
        runtime: { approvalTimeoutMs: params.approvalTimeoutMs },
        memory: { globalLimitBytes: params.globalMemoryBytes, defaultQuotaBytes: params.agentQuotaBytes },
        providers: { settings: this.models.settings, credentials, lm: this.lm },
        askAtOrAbove: params.askAtOrAbove,
        protectedPaths: params.protectedPaths ?? [],
        sandbox: params.sandbox.enabled
          ? {
              image: params.sandbox.image ?? undefined,
              dockerHost: params.sandbox.dockerHost ?? undefined,
              limits: { memoryBytes: params.sandbox.memoryBytes, nanoCpus: Math.round(params.sandbox.cpus * 1e9), pidsLimit: params.sandbox.pids },
            }
          : false,
        log: (line) => this.log(line),
        mcp: mcpSessionOptions(params.mcp, this.connection, () => notifier.touch()),
        onText: (pid, delta) => this.transcripts?.stream(pid, delta),
        onToolResult: (pid, callId, content, isError) => this.transcripts?.toolResult(pid, callId, content, isError),
      });
    } catch (err) {
      notifier.dispose();
      const error = explainNativeModuleError(err);
      this.log(`cannot open the kernel session: ${error.message}`);
      throw new ResponseError(HostErrorCodes.cannotStart, error.message);
    }
    this.session = session;
    this.bridge = bridge;
    this.notifier = notifier;
    session.kernel.subscribe('*', (e) => notifier.event(e));
    this.transcripts = new TranscriptService({
      kernel: session.kernel,
      store: session.store,
      approval: (id) => bridge.list().find((v) => v.id === id),
      channel: {
        send: (pid, ops) => void this.connection.sendNotification(toExtension.transcript, { pid, ops }),
        question: (view) => void this.connection.sendNotification(toExtension.questionAsked, view),
      },
    });
    this.probe = new SandboxProbe(session.sandbox, params.workspace, params.sandbox, () => notifier.touch(), this.log);
    void this.probe.check();
    const restored = session.kernel.agents.list().filter((a) => !isTerminal(a.state)).length;
    this.log(`session ${session.id} open on ${params.dbPath}: ${plural(restored, 'live agent')} restored; ${describeRuntime()}`);
    return { processId: process.pid, session: session.id, restoredAgents: restored, runtime: describeRuntime() };
  }

  /** Keys and secret headers from the extension's SecretStorage (an older extension answers only `secret`). */
  private async credentials(): Promise<Credentials> {
    try {
      return await this.connection.sendRequest(toExtensionModels.credentials);
    } catch {
      const secret = await this.connection.sendRequest(toExtension.secret, { name: 'anthropic.apiKey' }).catch(() => ({ value: null }));
      return { keys: secret.value ? { anthropic: secret.value } : {}, anthropicHeaders: {} };
    }
  }

  private snapshot(): StateSnapshot {
    const s = this.open();
    return buildSnapshot({
      version: this.notifier?.version ?? 0,
      host: { processId: process.pid, session: s.id, startedAt: this.startedAt, workspace: this.workspace },
      kernel: s.kernel,
      tools: s.registry.list(),
      rules: s.policy.rules(),
      approvals: this.bridge?.list() ?? [],
      sandbox: this.probe?.status ?? { status: 'disabled' },
      roles: s.routing.roles.map((r) => ({ name: r.name, description: r.description, capabilities: r.capabilities ? [...r.capabilities] : null })),
      mcpServers: mcpServerViews(s.mcp),
      billing: (model) => {
        try {
          return resolveModel(model, this.models!).billing;
        } catch {
          return 'unknown';
        }
      },
    });
  }

  private spawn(p: SpawnParams): AgentView {
    const agent = this.open().kernel.spawn({
      task: p.task,
      role: p.role,
      priority: p.priority,
      model: p.model,
      budgets: toBudgets(p.budgets),
      context: p.context,
      capabilities: p.capabilities,
      parent: p.parent,
    });
    return toAgentView(agent);
  }

  /**
   * Routes through the kernel's router; below its confidence threshold the developer picks the
   * role in the extension. The extension says which model each role's agents get.
   */
  private async route(p: RouteParams, token: CancellationToken): Promise<RouteResult> {
    const s = this.open();
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    const askDeveloper: RoleChooser = async (request, signal) => {
      const ask = new CancellationTokenSource();
      signal?.addEventListener('abort', () => ask.cancel(), { once: true });
      const { choice } = await this.connection.sendRequest(toExtension.chooseRole, {
        task: request.task,
        roles: request.roles.map((r) => ({ name: r.name, description: r.description, capabilities: r.capabilities ? [...r.capabilities] : null })),
        suggestion: { role: request.match.role, confidence: request.match.confidence, reason: request.match.reason, candidates: request.match.candidates.map((c) => ({ role: c.role, score: c.score })) },
      }, ask.token);
      return choice ? { role: choice.role, reason: choice.reason } : null;
    };
    try {
      const spawnFor = (o: KernelSpawnOptions) => {
        const role = o.role ?? 'coder';
        return s.kernel.spawn({ ...o, model: p.modelByRole[role] ?? o.model ?? p.defaultModel, capabilities: o.capabilities ?? p.capabilitiesByRole[role] });
      };
      const assigned = await routeAndAssign({ kernel: s.kernel, routing: s.routing, spawn: spawnFor, wake: () => s.runtime.wake() }, p.task, {
        source: 'extension',
        askDeveloper,
        signal: controller.signal,
        priority: p.priority,
        budgets: toBudgets(p.budgets),
        context: p.context,
      });
      const d = assigned.decision;
      return { agent: toAgentView(assigned.agent), role: d.role, tier: d.tier, confidence: d.confidence, reason: d.reason, reused: assigned.reused };
    } finally {
      sub.dispose();
    }
  }

  private configure(p: ConfigureParams): SchedulerView {
    const s = this.open();
    s.kernel.scheduling.configure(toSchedulerConfig(p.scheduler));
    s.kernel.quotas.setGlobalLimit(p.globalMemoryBytes);
    s.runtime.wake();
    this.notifier?.touch();
    return this.snapshot().scheduler;
  }

  private async buildImage(force: boolean): Promise<{ image: string; built: boolean; ms: number }> {
    const s = this.open();
    const progress = (line: string) => {
      this.log(`sandbox image: ${line}`);
      void this.connection.sendNotification(toExtension.imageBuildProgress, { line });
    };
    const engine = await connectEngine(s.sandbox?.config.dockerHost);
    progress(`connected to Docker ${engine.version} at ${engine.host}`);
    const result = await buildSandboxImage(engine.docker, { force, log: progress });
    void this.probe?.check();
    return result;
  }

  private open(): KernelSession {
    if (!this.session) throw new ResponseError(HostErrorCodes.notInitialized, 'the kernel host has no open session yet (initialize first)');
    return this.session;
  }
}

/** Protocol budgets (null: unlimited) to the kernel's (left out). */
function toBudgets(b: SpawnParams['budgets']): Partial<Budgets> {
  const budgets: Partial<Budgets> = {};
  if (b.tokens !== null) budgets.tokens = b.tokens;
  if (b.dollars !== null) budgets.dollars = b.dollars;
  if (b.steps !== null) budgets.steps = b.steps;
  return budgets;
}

/** Protocol scheduler settings (null: unlimited) to the kernel's (Infinity). */
function toSchedulerConfig(s: SchedulerSettings): Partial<SchedulerConfig> {
  return {
    policy: s.policy,
    maxConcurrent: s.maxConcurrent,
    requestsPerMinute: s.requestsPerMinute ?? Infinity,
    tokensPerMinute: s.tokensPerMinute ?? Infinity,
  };
}
