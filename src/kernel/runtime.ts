import type { Kernel, KernelSpawnOptions } from './kernel';
import { isTerminal } from './processTable';
import {
  RateLimitedError,
  type ApprovalClient, type ApprovalPolicy, type Disposable, type LlmBlock, type LlmProvider, type LlmResponse, type ToolCatalog,
} from './ports';
import { canUse, ToolCaller, type CallResult, type RequestedCall } from './toolCalls';
import type { AgentRecord, Pid } from './types';

/** Settings of the step loop. */
export interface RuntimeConfig {
  /** consecutive steps with malformed tool calls before the agent fails */
  maxMalformed: number;
  /** the same tool call with the same input this many times in a row is a loop */
  loopRepeats: number;
  /** output tokens per model call */
  maxTokens: number;
  approvalTimeoutMs: number;
}

export const DEFAULT_RUNTIME: RuntimeConfig = { maxMalformed: 3, loopRepeats: 3, maxTokens: 8192, approvalTimeoutMs: 10 * 60_000 };

/** What the runtime is built from. */
export interface RuntimeDeps {
  kernel: Kernel;
  /** the provider for an agent's model setting */
  provider: (agent: AgentRecord) => LlmProvider;
  /** the model id to send for an agent (e.g. the whole `scripted:PATH`) */
  modelId?: (agent: AgentRecord) => string;
  tools: ToolCatalog;
  policy: ApprovalPolicy;
  approvals: ApprovalClient;
  session: string;
  config?: Partial<RuntimeConfig>;
  /** called with text as the model streams it (for live displays) */
  onText?: (pid: Pid, delta: string) => void;
  /** awaited before each step lists its tools: tools that start on first need (MCP servers) get ready */
  toolsReady?: () => Promise<void>;
  /** called with each tool call's result as soon as it is known (for live transcripts) */
  onToolResult?: (pid: Pid, callId: string, content: string, isError: boolean) => void;
}

/** Per-agent counters the step loop keeps between steps. */
interface AgentLoopState {
  malformed: number;
  lastCall: string | null;
  repeats: number;
}

/**
 * The step loop (DESIGN.md "One agent step"): the scheduler picks a ready agent, the pager builds
 * its prompt, the provider is called, each tool call goes through validation, policy and
 * approval, results become pages, and the step commits in one transaction. Many agents run at
 * once, bounded by the scheduler; an agent waiting for the developer never holds a model slot.
 */
export class AgentRuntime {
  private readonly config: RuntimeConfig;
  private readonly caller: ToolCaller;
  private readonly loops = new Map<Pid, AgentLoopState>();
  private readonly steps = new Set<Promise<void>>();
  private readonly subscriptions: Disposable[] = [];
  private wakeUp: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private pumping: Promise<void> | null = null;

  constructor(private readonly deps: RuntimeDeps) {
    this.config = { ...DEFAULT_RUNTIME, ...deps.config };
    this.caller = new ToolCaller({
      kernel: deps.kernel, tools: deps.tools, policy: deps.policy, approvals: deps.approvals,
      session: deps.session, approvalTimeoutMs: this.config.approvalTimeoutMs,
    });
  }

  /** Spawns an agent (with a task record) and wakes the loop. */
  spawn(options: KernelSpawnOptions): AgentRecord {
    const { kernel } = this.deps;
    const agent = kernel.journal.atomically(() => {
      const a = kernel.spawn(options);
      const now = kernel.clock.now();
      kernel.store.putTask({ id: `task-${a.pid}`, pid: a.pid, description: options.task, status: 'running', createdAt: now, updatedAt: now, result: null });
      kernel.journal.emit({ type: 'task.status', taskId: `task-${a.pid}`, pid: a.pid, status: 'running' });
      return a;
    });
    this.wake();
    return agent;
  }

  /** Starts dispatching. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.subscriptions.push(this.deps.kernel.subscribe('agent.state', () => this.wake()));
    this.pumping = this.pump();
  }

  /** Stops dispatching and waits for steps in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    await this.pumping;
    await Promise.allSettled([...this.steps]);
  }

  /** Resolves when no agent is ready, running or waiting (all done, failed, killed or suspended). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.allSettled([...this.steps]);
      const live = this.deps.kernel.table.list().some((a) => ['new', 'ready', 'running', 'waiting'].includes(a.state));
      if (!live && this.steps.size === 0) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Lets the loop look at the queue again (a spawn, a resume, a step end). */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private async pump(): Promise<void> {
    const { kernel } = this.deps;
    while (this.running) {
      const d = kernel.scheduler.next((pid) => kernel.pager.metrics(pid).residentTokens);
      if (d.kind === 'run') {
        const p = this.step(d.pid, d.estimate).catch((err) => this.crash(d.pid, err));
        this.steps.add(p);
        void p.finally(() => { this.steps.delete(p); this.wake(); });
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        if (d.kind === 'wait') this.timer = setTimeout(resolve, Math.max(1, d.untilMs - kernel.clock.now()));
      });
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** One step of one agent. Never throws for model or tool trouble: the agent fails with the reason. */
  private async step(pid: Pid, estimate: number): Promise<void> {
    const { kernel } = this.deps;
    const signal = kernel.beginStep(pid);
    if (this.deps.toolsReady) await this.deps.toolsReady();
    const agent = kernel.table.get(pid);
    const started = kernel.clock.now();
    const prompt = kernel.pager.render(pid);
    const provider = this.deps.provider(agent);
    const tools = this.deps.tools.list().filter((t) => canUse(agent, t)).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
    let response: LlmResponse;
    try {
      response = await provider.call({
        model: this.deps.modelId?.(agent) ?? agent.model,
        session: String(pid),
        step: agent.usage.steps,
        system: prompt.system,
        tools,
        messages: prompt.messages,
        maxTokens: this.config.maxTokens,
        cache: prompt.cache,
        signal,
      }, {
        onText: (delta) => this.deps.onText?.(pid, delta),
        onRetry: (info) => { if (info.status === 429) kernel.scheduler.pauseFor(info.retryAfterMs); },
      });
    } catch (err) {
      kernel.scheduler.stepDone(pid, 0, estimate);
      if (signal.aborted || isTerminal(kernel.table.get(pid).state)) return kernel.endStep(pid, 0, estimate);
      if (err instanceof RateLimitedError) {
        kernel.scheduler.pauseFor(err.retryAfterMs);
        return kernel.endStep(pid, 0, estimate);
      }
      this.fail(pid, `model call failed: ${(err as Error).message}`);
      return kernel.endStep(pid, 0, estimate);
    }
    const u = response.usage;
    const used = u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
    // The model slot is free now: approvals and tools must not hold it.
    kernel.scheduler.stepDone(pid, used, estimate);
    if (isTerminal(kernel.table.get(pid).state)) return kernel.endStep(pid, used, estimate);

    kernel.table.addUsage(pid, { inputTokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens, outputTokens: u.outputTokens, cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens, dollars: response.costUsd, steps: 1 });
    kernel.pager.add(pid, { kind: 'message', role: 'assistant', blocks: response.content, tokens: u.outputTokens || undefined });
    const text = response.content.filter((b): b is Extract<LlmBlock, { type: 'text' }> => b.type === 'text').map((b) => b.text).join('\n');
    if (text) kernel.journal.emit({ type: 'agent.output', pid, text, scripted: response.scripted });

    const calls: RequestedCall[] = response.content.filter((b): b is Extract<LlmBlock, { type: 'tool_use' }> => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input }));
    const results: LlmBlock[] = [];
    let malformedThisStep = 0;
    let lastError = '';
    let loopReason: string | null = null;
    for (const call of calls) {
      if (signal.aborted || isTerminal(kernel.table.get(pid).state)) break;
      let result: CallResult;
      const bad = response.malformed.find((m) => m.id === call.id);
      if (bad) {
        result = { content: `your input for ${bad.name} was not valid JSON (${bad.error}); send the tool call again with a JSON object as input`, isError: true, malformed: true };
      } else {
        loopReason = this.trackLoop(pid, call) ?? loopReason;
        result = await this.caller.call(kernel.table.get(pid), call, signal);
      }
      if (result.malformed) {
        malformedThisStep++;
        lastError = result.content;
        kernel.journal.emit({ type: 'agent.malformed', pid, tool: call.name, error: result.content.slice(0, 500), consecutive: (this.loop(pid).malformed + 1) });
      }
      results.push({ type: 'tool_result', toolUseId: call.id, content: result.content, isError: result.isError });
      this.deps.onToolResult?.(pid, call.id, result.content, result.isError);
    }
    // Every call gets an answer, even when the step was cut short, so the conversation stays valid.
    for (const call of calls.slice(results.length)) results.push({ type: 'tool_result', toolUseId: call.id, content: 'not run: the agent was stopped', isError: true });
    if (results.length) kernel.pager.add(pid, { kind: 'tool_result', role: 'user', blocks: results });

    const loop = this.loop(pid);
    loop.malformed = malformedThisStep > 0 ? loop.malformed + 1 : 0;
    const current = kernel.table.get(pid);
    kernel.journal.atomically(() => {
      kernel.pager.flush(pid);
      kernel.table.persist(pid);
      kernel.store.putCheckpoint(pid, current.usage.steps, kernel.clock.now(), JSON.stringify({ usage: current.usage, pages: kernel.pager.metrics(pid) }));
      kernel.journal.emit({
        type: 'agent.step', pid, step: current.usage.steps, inputTokens: u.inputTokens, outputTokens: u.outputTokens,
        cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens, dollars: response.costUsd,
        durationMs: kernel.clock.now() - started, scripted: response.scripted,
      });
    });

    if (isTerminal(current.state)) return kernel.endStep(pid, used, estimate);
    if (loop.malformed >= this.config.maxMalformed) {
      this.fail(pid, `${loop.malformed} steps in a row with malformed tool calls (invalid JSON, unknown tools or inputs that fail the schema); the last: ${lastError.slice(0, 300)}`);
    } else if (loopReason) {
      kernel.journal.emit({ type: 'agent.loop', pid, tool: loopReason, repeats: loop.repeats });
      kernel.suspend(pid, `loop detected: ${loopReason} called ${loop.repeats} times in a row with the same input; look at what it is doing, then resume or kill it`);
    } else if (calls.length === 0) {
      this.finish(pid, text, response.stopReason);
    }
    if (!kernel.syncMemory(pid) && !isTerminal(kernel.table.get(pid).state)) {
      kernel.suspend(pid, 'memory quota exceeded even after swapping its pages out; raise its quota and resume');
    }
    kernel.endStep(pid, used, estimate);
  }

  private loop(pid: Pid): AgentLoopState {
    let s = this.loops.get(pid);
    if (!s) this.loops.set(pid, (s = { malformed: 0, lastCall: null, repeats: 0 }));
    return s;
  }

  /** Counts identical consecutive calls; returns the tool name once the limit is reached. */
  private trackLoop(pid: Pid, call: RequestedCall): string | null {
    const s = this.loop(pid);
    const key = `${call.name} ${JSON.stringify(call.input)}`;
    s.repeats = key === s.lastCall ? s.repeats + 1 : 1;
    s.lastCall = key;
    return s.repeats >= this.config.loopRepeats ? call.name : null;
  }

  private finish(pid: Pid, text: string, stopReason: string): void {
    const { kernel } = this.deps;
    if (stopReason === 'max_tokens') {
      kernel.pager.addMessage(pid, 'user', 'Your reply was cut off at the output limit. Continue where you stopped.');
      return;
    }
    kernel.journal.atomically(() => {
      kernel.table.transition(pid, 'done', { result: text || '(no final answer)' });
      this.settleTask(pid, 'done', text);
    });
    this.loops.delete(pid);
  }

  private fail(pid: Pid, reason: string): void {
    const { kernel } = this.deps;
    if (isTerminal(kernel.table.get(pid).state)) return;
    kernel.journal.atomically(() => {
      kernel.table.transition(pid, 'failed', { reason });
      this.settleTask(pid, 'failed', reason);
    });
    this.loops.delete(pid);
  }

  private settleTask(pid: Pid, status: 'done' | 'failed', result: string): void {
    const { kernel } = this.deps;
    const task = kernel.store.getTask(`task-${pid}`);
    if (!task) return;
    kernel.store.putTask({ ...task, status, result, updatedAt: kernel.clock.now() });
    kernel.journal.emit({ type: 'task.status', taskId: task.id, pid, status });
  }

  /** A bug in the step itself: the agent fails with the error instead of the kernel crashing. */
  private crash(pid: Pid, err: unknown): void {
    const { kernel } = this.deps;
    const message = err instanceof Error ? err.message : String(err);
    try {
      kernel.journal.emit({ type: 'kernel.error', pid, where: 'step', message });
      this.fail(pid, `internal error in the step loop: ${message}`);
      kernel.endStep(pid, 0, 0);
    } catch {
      // storage itself is failing; the host reports it
    }
  }
}
