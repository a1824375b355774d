/**
 * `ask_developer`: the agent asks the developer a question and waits for the answer. The model
 * slot was freed when the model call returned, so a waiting agent holds none; it shows as
 * waiting until the answer comes (from its transcript or a notification) or it is stopped.
 */
import { randomUUID } from 'node:crypto';
import type { Kernel } from '../kernel/kernel';
import { z } from 'zod';
import { defineTool } from '../kernel/ports/toolInput';
import { ToolInputError, type Tool } from '../kernel/ports/tools';
import type { Disposable, Pid } from '../kernel/types';

/** A question waiting for the developer. */
export interface PendingQuestion {
  questionId: string;
  pid: Pid;
  text: string;
}

export class Questions implements Disposable {
  private readonly pending = new Map<string, PendingQuestion & { resolve: (answer: string | null) => void }>();

  constructor(private readonly kernel: Kernel) {}

  /** Asks and waits; resolves null when the agent is stopped (or the kernel closes) first. */
  ask(pid: Pid, text: string, signal: AbortSignal): Promise<string | null> {
    const { kernel } = this;
    const questionId = randomUUID();
    let back = () => {};
    kernel.events.atomically(() => {
      kernel.events.emit({ type: 'question.asked', pid, questionId, text });
      back = kernel.agents.waitFor(pid, 'tool');
    });
    return new Promise<string | null>((resolve) => {
      const done = (answer: string | null) => {
        if (!this.pending.delete(questionId)) return;
        signal.removeEventListener('abort', onAbort);
        kernel.events.atomically(() => {
          kernel.events.emit({ type: 'question.answered', pid, questionId, answer });
          if (kernel.agents.find(pid)) back();
        });
        resolve(answer);
      };
      const onAbort = () => done(null);
      this.pending.set(questionId, { questionId, pid, text, resolve: done });
      if (signal.aborted) done(null);
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The developer's answer; false when the question is no longer pending. */
  answer(questionId: string, answer: string): boolean {
    const q = this.pending.get(questionId);
    if (!q) return false;
    q.resolve(answer);
    return true;
  }

  list(): PendingQuestion[] {
    return [...this.pending.values()].map(({ questionId, pid, text }) => ({ questionId, pid, text }));
  }

  /** Unblocks every waiting agent (the kernel is closing): they get "no answer". */
  dispose(): void {
    for (const q of [...this.pending.values()]) q.resolve(null);
  }
}

/** The tool agents call to ask the developer. */
export function askDeveloperTool(questions: Questions): Tool {
  return defineTool({
    name: 'ask_developer',
    description: 'Ask the developer a question and wait for the answer (e.g. which of two approaches they want, or a fact only they know). ' +
      'Use it when guessing would waste work; you hold no model slot while you wait.',
    input: z.strictObject({ question: z.string().min(1).max(4000).describe('the question, self-contained') }),
    risk: 'low',
    capabilities: [],
    async prepare({ question }, context) {
      if (!question.trim()) throw new ToolInputError('the question is empty');
      return {
        subject: { kind: 'tool', summary: `ask the developer: ${question.slice(0, 120)}`, input: { question } },
        async run() {
          const answer = await questions.ask(context.pid, question.trim(), context.signal);
          return answer === null
            ? { content: 'the developer did not answer (you were stopped, or the kernel closed before an answer came)', isError: true }
            : { content: `The developer answered: ${answer}`, isError: false };
        },
      };
    },
  });
}
