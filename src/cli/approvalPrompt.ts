/**
 * Approvals on a terminal: shows what an agent wants to do (the diff of an edit, the full text of
 * a command) and reads the developer's answer. One prompt at a time; other agents keep running.
 */
import { createInterface } from 'node:readline/promises';
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest } from '../kernel/ports';

/** How approvals are answered when nobody is asked. */
export type AutoAnswer = 'approve' | 'deny';

/** Answers every request the same way (`--yes`, `--deny-risky`, or no terminal). */
export class AutoApprovals implements ApprovalClient {
  constructor(private readonly answer: AutoAnswer, private readonly note: (line: string) => void) {}

  async ask(request: ApprovalRequest): Promise<ApprovalAnswer> {
    this.note(`${this.answer === 'approve' ? 'approved' : 'denied'} automatically: ${describe(request)}`);
    return this.answer === 'approve' ? { decision: 'approve', remember: null, by: 'auto' } : { decision: 'deny', reason: 'denied by --deny-risky (or no terminal to ask on)', by: 'auto' };
  }
}

/** Asks on a TTY. */
export class TerminalApprovals implements ApprovalClient {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly input: NodeJS.ReadableStream, private readonly output: NodeJS.WritableStream) {}

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const next = this.queue.then(() => this.prompt(request, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async prompt(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (signal.aborted) return { decision: 'deny', reason: 'cancelled' };
    const out = this.output;
    out.write(`\n${'─'.repeat(72)}\n${details(request)}\n`);
    const rl = createInterface({ input: this.input, output: out, terminal: false });
    try {
      for (;;) {
        const answer = (await rl.question('[a]pprove, [d]eny, always for this [g]ent, for this [s]ession? ', { signal })).trim().toLowerCase();
        if (answer === 'a' || answer === 'y' || answer === 'yes') return { decision: 'approve', remember: null };
        if (answer === 'g') return { decision: 'approve', remember: 'agent' };
        if (answer === 's') return { decision: 'approve', remember: 'session' };
        if (answer === 'd' || answer === 'n' || answer === 'no') return { decision: 'deny', reason: null };
        out.write('answer a, d, g or s\n');
      }
    } catch {
      return { decision: 'deny', reason: 'cancelled' };
    } finally {
      rl.close();
    }
  }
}

/** One line: who wants what. */
export function describe(r: ApprovalRequest): string {
  return `agent ${r.pid} (${r.agentName}) ${r.tool} [${r.risk}]: ${r.subject.summary}`;
}

/** Everything the developer needs to decide: the diff of an edit, the full command. */
export function details(r: ApprovalRequest): string {
  const head = `Agent ${r.pid} (${r.agentName}) asks to run ${r.tool} — risk ${r.risk}\n${r.subject.summary}`;
  switch (r.subject.kind) {
    case 'edit':
      return `${head}\n${r.subject.files.map((f) => `\n${f.status} ${f.path}\n${f.diff}`).join('\n')}`;
    case 'command':
      return `${head}\n  command: ${r.subject.command}\n  in:      ${r.subject.cwd}`;
    case 'tool':
      return `${head}\n  input: ${JSON.stringify(r.subject.input, null, 2)}`;
  }
}
