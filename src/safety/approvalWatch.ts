/**
 * Wraps the approval client to record what each developer-answered request acted on (a command,
 * one file). Events carry only a summary; the improvement loop needs the target to propose a rule.
 */
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest, ApprovalSubject } from '../kernel/ports/approvals';
import type { Pid } from '../kernel/types';
import type { RuleTarget } from './config';

/** Where targets are stored. */
export interface ApprovalTargetSink {
  putApprovalTarget(pid: Pid, requestId: string, tool: string, risk: string, target: RuleTarget): void;
}

/** An ApprovalClient that records targets, then asks the wrapped one. */
export class ApprovalWatch implements ApprovalClient {
  constructor(private readonly inner: ApprovalClient, private readonly sink: ApprovalTargetSink, private readonly onError: (err: unknown) => void = () => {}) {}

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const target = targetOf(request.subject);
    if (target) {
      try {
        this.sink.putApprovalTarget(request.pid, request.id, request.tool, request.risk, target);
      } catch (err) {
        this.onError(err); // recording must never stand between the developer and the question
      }
    }
    return this.inner.ask(request, signal);
  }
}

/** The one command or one file a request acts on; null when it is several or none. */
export function targetOf(subject: ApprovalSubject): RuleTarget | null {
  switch (subject.kind) {
    case 'command':
      return { kind: 'command', command: subject.command };
    case 'edit':
      return subject.files.length === 1 ? { kind: 'path', path: subject.files[0].path } : null;
    case 'tool': {
      const input = subject.input as { path?: unknown; command?: unknown } | null;
      if (input && typeof input.command === 'string') return { kind: 'command', command: input.command };
      if (input && typeof input.path === 'string') return { kind: 'path', path: input.path };
      return null;
    }
  }
}
