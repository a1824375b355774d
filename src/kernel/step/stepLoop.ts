import { setTimeout as delay } from 'node:timers/promises';
import type { CallPrice } from '../budgetGuard';
import type { Kernel } from '../kernel';
import { answerText, type StepOutcome } from '../stepApi';
import { keepRejectedSmall } from './rejectedInput';
import type { ApprovalClient } from '../ports/approvals';
import { RateLimitedError, type LlmBlock, type LlmProvider, type LlmResponse } from '../ports/llm';
import type { ApprovalPolicy } from '../ports/policy';
import type { ToolCatalog } from '../ports/tools';
import type { Disposable, AgentRecord, Pid } from '../types';
import { canUse, ToolCaller, type CallResult, type RequestedCall } from './toolCalls';

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
  /** the price of an agent's model (null: unknown, so a dollar budget cannot be kept and the call is refused) */
  price?: (agent: AgentRecord) => CallPrice | null;
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
      const live = this.deps.kernel.agents.list().some((a) => ['new', 'ready', 'running', 'waiting'].includes(a.state));
      if (!live && this.steps.size === 0) return;
      await delay(5);
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
      const d = kernel.steps.next();
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

  /**
   * One step of one agent, top to bottom: begin, prompt, the model call, record its answer, the
   * tool calls, commit, end. Every kernel call goes through the step API (`kernel.steps`). Never
   * throws for model or tool trouble: the agent fails with the reason.
   */
  private async step(pid: Pid, estimate: number): Promise<void> {
    const { steps } = this.deps.kernel;
    const step = steps.begin(pid, estimate);
    if (this.deps.toolsReady) await this.deps.toolsReady();
    const agent = steps.agent(step);
    const provider = this.deps.provider(agent);
    const tools = this.deps.tools.list().filter((t) => canUse(agent, t)).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
    // A budget is a cap: the call is capped (or refused, which ends the step) before it is made, never after.
    const price = provider.scripted ? { input: 0, output: 0 } : this.deps.price?.(agent) ?? null;
    const granted = steps.prompt(step, tools, this.config.maxTokens, price);
    if (!granted.ok) return;

    let response: LlmResponse;
    try {
      response = await provider.call({
        model: this.deps.modelId?.(agent) ?? agent.model,
        session: String(pid),
        step: agent.usage.steps,
        system: granted.prompt.system,
        tools,
        messages: granted.prompt.messages,
        maxTokens: granted.maxTokens,
        cache: granted.prompt.cache,
        signal: step.signal,
      }, {
        onText: (delta) => this.deps.onText?.(pid, delta),
        onRetry: (info) => { if (info.status === 429) steps.pauseFor(info.retryAfterMs); },
      });
    } catch (err) {
      if (steps.stopped(step)) return steps.end(step, { kind: 'continue' });
      if (err instanceof RateLimitedError) {
        steps.pauseFor(err.retryAfterMs);
        return steps.end(step, { kind: 'continue' });
      }
      return steps.end(step, this.failed(pid, `model call failed: ${(err as Error).message}`));
    }
    const u = response.usage;
    // The model slot is free now: approvals and tools must not hold it.
    steps.modelReturned(step, u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens);
    if (steps.ended(step)) return steps.end(step, { kind: 'continue' });

    steps.record(step, { kind: 'message', role: 'assistant', blocks: keepRejectedSmall(response.content, this.deps.tools), tokens: u.outputTokens || undefined });
    const text = answerText(response.content);
    if (text) steps.emit({ type: 'agent.output', pid, text, scripted: response.scripted });

    const calls: RequestedCall[] = response.content.filter((b): b is Extract<LlmBlock, { type: 'tool_use' }> => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input }));
    const results: LlmBlock[] = [];
    let malformedThisStep = 0;
    let lastError = '';
    let loopReason: string | null = null;
    for (const call of calls) {
      if (steps.stopped(step)) break;
      let result: CallResult;
      const bad = response.malformed.find((m) => m.id === call.id);
      if (bad) {
        result = { content: `your input for ${bad.name} was not valid JSON (${bad.error}); send the tool call again with a JSON object as input`, isError: true, malformed: true };
      } else {
        loopReason = this.trackLoop(pid, call) ?? loopReason;
        result = await this.caller.call(steps.agent(step), call, step.signal);
      }
      if (result.malformed) {
        malformedThisStep++;
        lastError = result.content;
        steps.emit({ type: 'agent.malformed', pid, tool: call.name, error: result.content.slice(0, 500), consecutive: (this.loop(pid).malformed + 1) });
      }
      results.push({ type: 'tool_result', toolUseId: call.id, content: result.content, isError: result.isError });
      this.deps.onToolResult?.(pid, call.id, result.content, result.isError);
    }
    // Every call gets an answer, even when the step was cut short, so the conversation stays valid.
    for (const call of calls.slice(results.length)) results.push({ type: 'tool_result', toolUseId: call.id, content: 'not run: the agent was stopped', isError: true });
    if (results.length) steps.record(step, { kind: 'tool_result', role: 'user', blocks: results });

    const loop = this.loop(pid);
    loop.malformed = malformedThisStep > 0 ? loop.malformed + 1 : 0;
    steps.commit(step, response);

    if (steps.ended(step)) return steps.end(step, { kind: 'continue' });
    if (loop.malformed >= this.config.maxMalformed) {
      return steps.end(step, this.failed(pid, `${loop.malformed} steps in a row with malformed tool calls (invalid JSON, unknown tools or inputs that fail the schema); the last: ${lastError.slice(0, 300)}`));
    }
    if (loopReason) {
      steps.emit({ type: 'agent.loop', pid, tool: loopReason, repeats: loop.repeats });
      return steps.end(step, { kind: 'suspend', reason: `loop detected: ${loopReason} called ${loop.repeats} times in a row with the same input; look at what it is doing, then resume or kill it` });
    }
    if (calls.length === 0 && response.stopReason === 'max_tokens') {
      steps.record(step, { kind: 'message', role: 'user', blocks: [{ type: 'text', text: 'Your reply was cut off at the output limit. Continue where you stopped.' }] });
      return steps.end(step, { kind: 'continue' });
    }
    if (calls.length === 0) {
      this.loops.delete(pid);
      return steps.end(step, { kind: 'done', result: text });
    }
    steps.end(step, { kind: 'continue' });
  }

  private loop(pid: Pid): AgentLoopState {
    let s = this.loops.get(pid);
    if (!s) this.loops.set(pid, (s = { malformed: 0, lastCall: null, repeats: 0 }));
    return s;
  }

  /** Counts identical consecutive calls; returns the tool name once the limit is reached. */
  private trackLoop(pid: Pid, call: RequestedCall): string | null {
    const s = this.loop(pid);
    let key: string;
    try {
      key = `${call.name} ${JSON.stringify(call.input)}`;
    } catch {
      key = `${call.name} (input too deep to compare)`; // refused by validation anyway
    }
    s.repeats = key === s.lastCall ? s.repeats + 1 : 1;
    s.lastCall = key;
    return s.repeats >= this.config.loopRepeats ? call.name : null;
  }

  /** The outcome of a step that fails its agent; the loop counters go with it. */
  private failed(pid: Pid, reason: string): StepOutcome {
    this.loops.delete(pid);
    return { kind: 'failed', reason };
  }

  /** A bug in the step itself: the agent fails with the error instead of the kernel crashing. */
  private crash(pid: Pid, err: unknown): void {
    const { kernel } = this.deps;
    const message = err instanceof Error ? err.message : String(err);
    try {
      kernel.events.emit({ type: 'kernel.error', pid, where: 'step', message });
      this.loops.delete(pid);
      kernel.fail(pid, `internal error in the step loop: ${message}`);
    } catch {
      // storage itself is failing; the host reports it
    }
  }
}
