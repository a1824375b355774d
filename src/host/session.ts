/**
 * One kernel session: the store, the kernel, the providers, the tools, the policy and the step
 * loop, wired in one place. The kernel host process and the `aios` CLI both open one.
 */
import { randomUUID } from 'node:crypto';
import { Kernel, type MemoryConfig } from '../kernel/kernel';
import type { ApprovalClient, Disposable, LlmProvider, Tool } from '../kernel/ports';
import { recallTool } from '../kernel/recallTool';
import { AgentRuntime, type RuntimeConfig } from '../kernel/runtime';
import type { SchedulerConfig } from '../kernel/scheduler';
import type { AgentRecord, Pid } from '../kernel/types';
import { createProvider, type ProviderFactoryOptions } from '../llm/factory';
import type { SandboxOptions } from '../sandbox/config';
import { createRunCommandTool } from '../sandbox/runCommandTool';
import { DockerSandbox } from '../sandbox/sandbox';
import { SqliteStore } from '../storage/sqliteStore';
import { liveKernel } from './liveKernel';
import { RulePolicy, type AskThreshold } from '../tools/policy';
import { ReadLedger } from '../tools/readLedger';
import { ToolRegistry } from '../tools/registry';
import { createWorkspaceTools } from '../tools/workspace';

/** Everything a session is configured with. */
export interface SessionOptions {
  /** the SQLite file */
  dbPath: string;
  /** the workspace root the tools work on */
  workspace: string;
  approvals: ApprovalClient;
  scheduler?: Partial<SchedulerConfig>;
  runtime?: Partial<RuntimeConfig>;
  memory?: Partial<MemoryConfig>;
  providers?: ProviderFactoryOptions;
  askAtOrAbove?: AskThreshold;
  /** extra tools */
  extraTools?: Tool[];
  /** the Docker sandbox for run_command (workspace and session are filled in); false for none */
  sandbox?: Omit<SandboxOptions, 'workspace' | 'session'> | false;
  /** where the sandbox logs (engine trouble, orphan cleanup) */
  log?: (line: string) => void;
  onText?: (pid: Pid, delta: string) => void;
  /** how often to look for commands from other processes (`aios kill`), ms; 0 turns it off */
  controlPollMs?: number;
}

/** An open kernel session. */
export class KernelSession {
  readonly id = randomUUID();
  readonly store: SqliteStore;
  readonly kernel: Kernel;
  readonly registry = new ToolRegistry();
  readonly policy: RulePolicy;
  readonly runtime: AgentRuntime;
  readonly ledger = new ReadLedger();
  /** null when the session runs without code actions */
  readonly sandbox: DockerSandbox | null;
  private readonly providers = new Map<string, { provider: LlmProvider; model: string }>();
  private readonly disposables: Disposable[] = [];
  private controlSeq = 0;
  private controlTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private readonly options: SessionOptions) {
    this.store = SqliteStore.open(options.dbPath);
    try {
      const other = liveKernel(this.store);
      if (other !== null) {
        throw new Error(`another AIOS kernel (process ${other}) is running on ${options.dbPath}: stop it first, or use another database (--db / aios.databasePath)`);
      }
      this.kernel = new Kernel({ store: this.store, scheduler: options.scheduler, memory: options.memory });
      this.policy = new RulePolicy({ store: this.store, session: this.id, askAtOrAbove: options.askAtOrAbove });
      this.sandbox = options.sandbox === false ? null : new DockerSandbox({ ...options.sandbox, workspace: options.workspace, session: this.id }, options.log);
      const tools = [
        ...createWorkspaceTools({ root: options.workspace, ledger: this.ledger }),
        recallTool(this.kernel.pager),
        ...(this.sandbox ? [createRunCommandTool(this.sandbox)] : []),
        ...(options.extraTools ?? []),
      ];
      for (const t of tools) this.disposables.push(this.registry.register(t));
      this.runtime = new AgentRuntime({
        kernel: this.kernel,
        provider: (agent) => this.providerFor(agent.model).provider,
        modelId: (agent) => this.providerFor(agent.model).model,
        tools: this.registry,
        policy: this.policy,
        approvals: options.approvals,
        session: this.id,
        config: options.runtime,
        onText: options.onText,
      });
    } catch (err) {
      this.store.close();
      throw err;
    }
  }

  /** Opens the database, restores agents left by a previous kernel, and starts the step loop. */
  static open(options: SessionOptions): KernelSession {
    const session = new KernelSession(options);
    const k = session.kernel;
    k.journal.emit({ type: 'kernel.started', session: session.id, processId: process.pid });
    session.controlSeq = k.store.queryEvents({ type: 'control.', limit: 1 })[0]?.seq ?? 0;
    k.restore();
    // An agent that ends gives back its container and forgets what it read.
    session.disposables.push(k.subscribe('agent.state', (e) => {
      if (e.event.type !== 'agent.state' || !['done', 'failed', 'killed'].includes(e.event.to)) return;
      const pid = e.event.pid;
      session.ledger.forget(pid);
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

  /** The provider (shared per model setting) and the model id to send. */
  providerFor(spec: string): { provider: LlmProvider; model: string } {
    let p = this.providers.get(spec);
    if (!p) {
      p = createProvider(spec, { baseDir: this.options.workspace, ...this.options.providers });
      this.providers.set(spec, p);
    }
    return p;
  }

  /** Spawns an agent; checks its model setting first so a bad one fails here, not mid-run. */
  spawn(options: Parameters<AgentRuntime['spawn']>[0]): AgentRecord {
    if (options.model) this.providerFor(options.model);
    return this.runtime.spawn(options);
  }

  /** Applies commands other processes wrote for this kernel (`aios kill`). */
  applyControl(): void {
    if (this.closed) return;
    const events = this.store.queryEvents({ type: 'control.', afterSeq: this.controlSeq, limit: 100 }).reverse();
    for (const e of events) {
      this.controlSeq = Math.max(this.controlSeq, e.seq);
      if (e.event.type === 'control.kill') {
        const agent = this.kernel.table.find(e.event.pid);
        if (agent && !['done', 'failed', 'killed'].includes(agent.state)) this.kernel.kill(e.event.pid, e.event.reason);
      }
    }
  }

  /** Stops the loop and closes the database. Agents left live are restored by the next session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.controlTimer) clearInterval(this.controlTimer);
    await this.runtime.stop();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    await this.sandbox?.dispose().catch((err: Error) => this.options.log?.(`sandbox: ${err.message}`));
    try {
      this.kernel.journal.emit({ type: 'kernel.stopped', session: this.id });
    } finally {
      this.store.close();
    }
  }
}
