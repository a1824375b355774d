import type { Kernel } from '../kernel';

/** The parts of the kernel facade a tool call uses. */
type CallKernel = Pick<Kernel, 'events' | 'agents' | 'clock'>;
import type { ApprovalAnswer, ApprovalClient, DecisionActor, ApprovalRequest, ApprovalSubject, ProposedFile } from '../ports/approvals';
import type { ApprovalPolicy, PolicyRequest } from '../ports/policy';
import { ToolInputError, type Tool, type ToolCatalog, type ToolContext, type ToolOutcome, type ToolSpec } from '../ports/tools';
import type { AgentRecord, Pid } from '../types';

/** The pseudo-tool under which change sets (what a sandboxed command wrote) are approved. */
export const APPLY_CHANGES: ToolSpec = {
  name: 'apply_changes',
  description: 'apply a proposed change set to the workspace',
  inputSchema: { type: 'object' },
  risk: 'medium',
  capabilities: ['fs.write'],
};

/** The pseudo-tool under which running a command again (after it ran out of memory) is approved: always asked. */
export const RETRY_COMMAND: ToolSpec = {
  name: 'retry_command',
  description: 'run a sandboxed command again after it failed',
  inputSchema: { type: 'object' },
  risk: 'critical',
  capabilities: ['exec'],
};

/** What the tool-call path needs. */
export interface ToolCallDeps {
  kernel: CallKernel;
  tools: ToolCatalog;
  policy: ApprovalPolicy;
  approvals: ApprovalClient;
  /** this kernel session (for session-scoped rules) */
  session: string;
  /** no answer within this time counts as deny */
  approvalTimeoutMs: number;
}

/** A tool call as the model made it. */
export interface RequestedCall {
  id: string;
  name: string;
  input: unknown;
}

/** The outcome of one call, and whether it counts as malformed model output. */
export interface CallResult extends ToolOutcome {
  malformed: boolean;
}

/**
 * Runs one tool call through the full path: schema validation → prepare → policy (allow / ask /
 * deny) → the developer if asked → run. Every failure becomes an error result for the model;
 * nothing here throws into the step loop. Every decision is audited.
 */
export class ToolCaller {
  private nextRequest = 1;

  constructor(private readonly deps: ToolCallDeps) {}

  async call(agent: AgentRecord, call: RequestedCall, signal: AbortSignal): Promise<CallResult> {
    const { kernel, tools } = this.deps;
    const v = tools.validate(call.name, call.input);
    if (!v.ok) return { content: v.error, isError: true, malformed: true };
    const tool = v.tool;
    kernel.events.emit({ type: 'tool.call', pid: agent.pid, tool: tool.name, callId: call.id, risk: tool.risk });
    const started = kernel.clock.now();
    const context = this.context(agent, signal);
    let outcome: ToolOutcome;
    try {
      const prepared = await tool.prepare(v.input, context);
      const allowed = await this.authorize(agent, tool, v.input, prepared.subject, signal);
      if (typeof allowed === 'string') {
        outcome = { content: allowed, isError: true };
      } else {
        const long = tool.capabilities.includes('exec');
        const back = long ? kernel.agents.waitFor(agent.pid, 'tool') : () => {};
        try {
          outcome = await prepared.run();
        } finally {
          back();
        }
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outcome = { content: err instanceof ToolInputError ? message : `${tool.name} failed: ${message}`, isError: true };
    }
    kernel.events.emit({ type: 'tool.result', pid: agent.pid, tool: tool.name, callId: call.id, isError: outcome.isError, durationMs: kernel.clock.now() - started });
    return { ...outcome, malformed: false };
  }

  /** The tool context: identity, abort signal, and the change-set approval path. */
  private context(agent: AgentRecord, signal: AbortSignal): ToolContext {
    return {
      pid: agent.pid,
      agentName: agent.name,
      signal,
      proposeChanges: async (files: ProposedFile[], summary: string) => {
        if (files.length === 0) return { approved: [] };
        const subject: ApprovalSubject = { kind: 'edit', summary, files };
        const verdict = await this.authorize(agent, APPLY_CHANGES, { files: files.map((f) => f.path) }, subject, signal, true);
        if (verdict === true) return { approved: files.map((f) => f.path) };
        if (Array.isArray(verdict)) return { approved: verdict };
        return { approved: [] };
      },
      confirm: async (tool: ToolSpec, subject: ApprovalSubject) => (await this.authorize(agent, tool, { summary: subject.summary }, subject, signal)) === true,
    };
  }

  /**
   * Decides a call: true when allowed, or the reason it was not (for the model). For change
   * sets (`subset`), the developer may approve some files: the approved paths come back.
   */
  private async authorize(agent: AgentRecord, tool: ToolSpec, input: unknown, subject: ApprovalSubject, signal: AbortSignal, subset = false): Promise<true | string | string[]> {
    const { kernel, policy, session } = this.deps;
    const request: PolicyRequest = { pid: agent.pid, session, agentCapabilities: agent.capabilities, tool, input, subject };
    const decision = policy.decide(request, kernel.clock.now());
    if (decision.verdict !== 'ask') {
      // a standing rule the developer made is its own actor, not the default policy
      const by: DecisionActor = decision.rule ? 'rule' : 'policy';
      this.audit(agent.pid, `approval.${decision.verdict}`, by, tool.name, { rule: decision.rule, reason: decision.reason, summary: subject.summary });
      kernel.events.emit({ type: 'approval.decided', pid: agent.pid, requestId: '-', decision: decision.verdict, actor: by, rule: decision.rule });
      return decision.verdict === 'allow' ? true : `denied by policy: ${decision.reason}`;
    }
    const approval: ApprovalRequest = {
      id: `${agent.pid}-${this.nextRequest++}`,
      pid: agent.pid,
      agentName: agent.name,
      tool: tool.name,
      risk: decision.risk ?? tool.risk,
      subject,
      createdAt: kernel.clock.now(),
      ruleCovers: policy.coverage(request),
    };
    const answer = await this.ask(agent.pid, approval, signal);
    if (answer.decision === 'deny') {
      const actor: DecisionActor = answer.reason === TIMEOUT ? 'timeout' : answer.reason === STOPPED ? 'kill' : answer.by ?? 'developer';
      this.audit(agent.pid, 'approval.deny', actor, tool.name, { request: approval.id, reason: answer.reason, summary: subject.summary });
      kernel.events.emit({ type: 'approval.decided', pid: agent.pid, requestId: approval.id, decision: 'deny', actor, rule: null });
      if (actor === 'kill') return 'not done: the agent was stopped while the approval was pending';
      return actor === 'timeout'
        ? `the developer did not answer within ${Math.round(this.deps.approvalTimeoutMs / 1000)} s, so this was not done`
        : `the developer denied this${answer.reason ? `: ${answer.reason}` : ''}. Do not retry the same action; ask or take another approach.`;
    }
    let rule: string | null = null;
    if (answer.remember) {
      try {
        rule = policy.remember(request, answer.remember, kernel.clock.now()).id;
        this.audit(agent.pid, 'rule.add', answer.by ?? 'developer', tool.name, { rule, scope: answer.remember });
      } catch (err) {
        this.audit(agent.pid, 'rule.refused', 'policy', tool.name, { reason: (err as Error).message });
      }
    }
    const approver: DecisionActor = answer.by ?? 'developer';
    this.audit(agent.pid, 'approval.allow', approver, tool.name, { request: approval.id, rule, files: answer.files ?? null, summary: subject.summary });
    kernel.events.emit({ type: 'approval.decided', pid: agent.pid, requestId: approval.id, decision: 'allow', actor: approver, rule });
    if (subset && answer.files) return answer.files;
    return true;
  }

  /** Asks the developer, with the agent waiting; a timeout or a kill counts as deny. */
  private async ask(pid: Pid, request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const { kernel, approvals, approvalTimeoutMs } = this.deps;
    // A running command may propose its changes: the agent moves from waiting on the tool to
    // waiting on the developer, and back.
    const back = kernel.agents.waitFor(pid, 'approval');
    kernel.events.emit({ type: 'approval.requested', pid, requestId: request.id, tool: request.tool, risk: request.risk, summary: request.subject.summary });
    // The prompt closes when the agent is stopped, when time runs out, or once an answer is in.
    const done = new AbortController();
    const prompt = AbortSignal.any([signal, AbortSignal.timeout(approvalTimeoutMs), done.signal]);
    // a stopped agent (killed, or the kernel closing) is not a timeout; a prompt that never settles still ends
    const gaveUp = new Promise<ApprovalAnswer>((resolve) => prompt.addEventListener('abort', () => resolve({ decision: 'deny', reason: signal.aborted ? STOPPED : TIMEOUT }), { once: true }));
    try {
      const answered = approvals.ask(request, prompt).catch((err: unknown): ApprovalAnswer => ({ decision: 'deny', reason: `the approval prompt failed: ${(err as Error).message}` }));
      return await Promise.race([answered, gaveUp]);
    } finally {
      done.abort();
      back();
    }
  }

  private audit(pid: Pid, action: string, actor: string, subject: string, detail: Record<string, unknown>): void {
    const { kernel } = this.deps;
    kernel.events.audit({ at: kernel.clock.now(), pid, action, actor, subject, detail });
  }
}

const TIMEOUT = 'no answer in time';
const STOPPED = 'the agent was stopped while the approval was pending';

/** Whether an agent's capabilities cover a tool's needs. */
export function canUse(agent: AgentRecord, tool: Pick<Tool, 'capabilities'>): boolean {
  return tool.capabilities.every((c) => agent.capabilities.includes(c));
}
