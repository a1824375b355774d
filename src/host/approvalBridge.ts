/**
 * The kernel's ApprovalClient in the host: each request waits here until the developer answers
 * in the extension (`answerApproval`). Many can wait at once; none blocks another agent.
 */
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest, ApprovalSubject } from '../kernel/ports/approvals';
import type { ApprovalCloseReason } from '../protocol/hostMethods';
import type { ApprovalAnswerView, ApprovalSubjectView, ApprovalView, JsonValue } from '../protocol/hostTypes';

/** How the bridge reaches the extension (the JSON-RPC connection in the host, a fake in tests). */
export interface ApprovalChannel {
  /** shows the request to the developer; rejects when the extension cannot be reached */
  requested(view: ApprovalView): Promise<void>;
  closed(id: string, reason: ApprovalCloseReason): void;
}

interface Pending {
  view: ApprovalView;
  resolve: (answer: ApprovalAnswer) => void;
}

/** Pending approvals of one kernel session. */
export class ApprovalBridge implements ApprovalClient {
  private readonly pending = new Map<string, Pending>();

  /**
   * `isStopped(pid)` tells a kill from a timeout when the kernel aborts a request.
   * `onChange` runs whenever the set of pending approvals changes.
   */
  constructor(
    private readonly channel: ApprovalChannel,
    private readonly isStopped: (pid: number) => boolean,
    private readonly onChange: () => void,
    private readonly log: (line: string) => void,
  ) {}

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const view = toApprovalView(request);
    return new Promise<ApprovalAnswer>((resolve) => {
      const settle = (answer: ApprovalAnswer, reason: ApprovalCloseReason) => {
        if (!this.pending.delete(view.id)) return;
        signal.removeEventListener('abort', onAbort);
        this.channel.closed(view.id, reason);
        this.onChange();
        resolve(answer);
      };
      const onAbort = () => settle({ decision: 'deny', reason: 'no answer in time' }, this.isStopped(view.pid) ? 'agent_stopped' : 'timeout');
      this.pending.set(view.id, { view, resolve: (answer) => settle(answer, 'answered') });
      signal.addEventListener('abort', onAbort, { once: true });
      this.onChange();
      // The request stays pending even if the prompt fails: the Approvals view still lists it.
      this.channel.requested(view).catch((err: Error) => this.log(`approval ${view.id}: could not show the prompt: ${err.message}`));
    });
  }

  /** Applies the developer's answer; false when the request is no longer pending. */
  answer(id: string, answer: ApprovalAnswerView): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    p.resolve(fromAnswerView(answer));
    return true;
  }

  /** Pending requests, oldest first. */
  list(): ApprovalView[] {
    return [...this.pending.values()].map((p) => p.view);
  }
}

/** The wire form of a kernel approval request. */
export function toApprovalView(request: ApprovalRequest): ApprovalView {
  return {
    id: request.id,
    pid: request.pid,
    agentName: request.agentName,
    tool: request.tool,
    risk: request.risk,
    subject: toSubjectView(request.subject),
    createdAt: request.createdAt,
    rememberable: request.risk !== 'critical' && request.ruleCovers !== null,
    ruleCovers: request.risk === 'critical' ? null : request.ruleCovers,
  };
}

function toSubjectView(subject: ApprovalSubject): ApprovalSubjectView {
  switch (subject.kind) {
    case 'edit': return { kind: 'edit', summary: subject.summary, files: subject.files.map((f) => ({ ...f })) };
    case 'command': return { kind: 'command', summary: subject.summary, command: subject.command, cwd: subject.cwd };
    case 'tool': return { kind: 'tool', summary: subject.summary, input: toJson(subject.input) };
  }
}

/** A JSON copy of a value (undefined and functions dropped, as JSON.stringify does). */
export function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

function fromAnswerView(answer: ApprovalAnswerView): ApprovalAnswer {
  if (answer.decision === 'deny') return { decision: 'deny', reason: answer.reason };
  return answer.files ? { decision: 'approve', remember: answer.remember, files: answer.files } : { decision: 'approve', remember: answer.remember };
}
