/**
 * Approvals on a terminal: shows what an agent wants to do (the diff of an edit, the full text of
 * a command) and reads the developer's answer. One prompt at a time; other agents keep running.
 */
import { createInterface } from 'node:readline/promises';
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest } from '../kernel/ports/approvals';
import { escapeControl, escapeControlKeepLines } from '../text/displayText';

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
        const rememberable = request.ruleCovers !== null && request.risk !== 'critical';
        const question = rememberable ? '[a]pprove, [d]eny, always for this [g]ent, for this [s]ession? ' : '[a]pprove, [d]eny? ';
        const answer = (await rl.question(question, { signal })).trim().toLowerCase();
        if (answer === 'a' || answer === 'y' || answer === 'yes') return { decision: 'approve', remember: null };
        if (rememberable && answer === 'g') return { decision: 'approve', remember: 'agent' };
        if (rememberable && answer === 's') return { decision: 'approve', remember: 'session' };
        if (answer === 'd' || answer === 'n' || answer === 'no') return { decision: 'deny', reason: null };
        out.write(rememberable ? 'answer a, d, g or s\n' : 'answer a or d\n');
      }
    } catch {
      return { decision: 'deny', reason: 'cancelled' };
    } finally {
      rl.close();
    }
  }
}

/** One line: who wants what (every agent string escaped). */
export function describe(r: ApprovalRequest): string {
  return `agent ${r.pid} (${escapeControl(r.agentName)}) ${r.tool} [${r.risk}]: ${escapeControl(r.subject.summary)}`;
}

/**
 * Everything the developer needs to decide: the diff of an edit, the full command, and what an
 * "always" answer would cover. Agent strings are escaped (names and commands on one line; diffs
 * keep their lines), so no escape code or carriage return can rewrite what the terminal shows.
 */
export function details(r: ApprovalRequest): string {
  const head = `Agent ${r.pid} (${escapeControl(r.agentName)}) asks to run ${r.tool} — risk ${r.risk}\n${escapeControl(r.subject.summary)}`;
  const rule = r.ruleCovers !== null && r.risk !== 'critical' ? `\n  [g]/[s] would always allow: ${escapeControl(r.ruleCovers)}` : '\n  (no standing rule can be made for this: it asks every time)';
  switch (r.subject.kind) {
    case 'edit':
      return `${head}\n${r.subject.files.map((f) => `\n${f.status} ${escapeControl(f.path)}\n${escapeControlKeepLines(f.diff)}`).join('\n')}${rule}`;
    case 'command':
      return `${head}\n  command: ${escapeControl(r.subject.command)}\n  in:      ${escapeControl(r.subject.cwd)}${rule}`;
    case 'tool':
      return `${head}\n  input: ${escapeControlKeepLines(JSON.stringify(r.subject.input, null, 2))}${rule}`;
  }
}
