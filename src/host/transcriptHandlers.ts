/**
 * The protocol handlers of transcripts and of talking to agents: open / close a transcript, send a
 * message, answer a question, raise a budget, abort the call in flight. They translate; the
 * kernel (Conversation, Questions, ProcessTable) decides.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import { InvalidArgumentError } from '../kernel/errors';
import { toHost } from '../protocol/hostMethods';
import type { SendResultView } from '../protocol/transcript';
import type { KernelSession } from '../session/kernelSession';
import { toAgentView } from './snapshot';
import type { TranscriptService } from './transcripts';

/** Kernel errors thrown here reach the extension with their protocol code (host/kernelErrors.ts). */
export function registerTranscriptHandlers(c: Pick<MessageConnection, 'onRequest'>, open: () => { session: KernelSession; transcripts: TranscriptService }, touched: () => void): void {
  c.onRequest(toHost.openTranscript, ({ pid, newest }) => open().transcripts.openTranscript(pid, newest ?? Infinity));
  c.onRequest(toHost.transcriptEntries, ({ pid, from, to }) => open().transcripts.entries(pid, from, to));
  c.onRequest(toHost.closeTranscript, ({ pid }) => { open().transcripts.closeTranscript(pid); });
  c.onRequest(toHost.sendMessage, ({ pid, text }): SendResultView => {
    const r = open().session.conversation.send(pid, text);
    touched();
    if (r.outcome === 'budget') return { outcome: 'budget', budget: r.violation.budget, used: r.violation.used, limit: r.violation.limit };
    return { outcome: r.outcome };
  });
  c.onRequest(toHost.answerQuestion, ({ questionId, answer }) => {
    if (!answer.trim()) throw new InvalidArgumentError('the answer is empty: type what the agent should know');
    return { accepted: open().session.questions.answer(questionId, answer.trim()) };
  });
  c.onRequest(toHost.raiseBudget, ({ pid, budget, to, resume }) => {
    const { session } = open();
    const k = session.kernel;
    const before = k.agents.get(pid).budgets[budget];
    if (Number.isFinite(before) && !(to > before)) throw new InvalidArgumentError(`the new ${budget} budget (${to}) must be above the current one (${before})`);
    k.setBudget(pid, budget, to);
    if (resume && k.agents.get(pid).state === 'suspended') k.resume(pid);
    session.runtime.wake();
    touched();
    return toAgentView(k.agents.get(pid));
  });
  c.onRequest(toHost.abortStep, ({ pid }) => {
    const { session, transcripts } = open();
    const aborted = session.kernel.abortInFlight(pid, 'the developer aborted the call in flight');
    transcripts.touch(pid);
    return { aborted };
  });
}
