/**
 * Talking to an agent: a developer's message enters the agent's context as a user page at a step
 * boundary (never in the middle of a step, where it would split a tool call from its result), and
 * a message to a finished agent starts a new turn of the same conversation, with the same context
 * and budgets. Every message is an event first, so one queued when the kernel died is delivered by
 * the next kernel.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../kernel/errors';
import type { Kernel } from '../kernel/kernel';
import { checkLimits, type BudgetViolation } from '../kernel/limits';
import type { Disposable, Pid } from '../kernel/types';

/** What became of a message. */
export type SendOutcome =
  /** the agent was between steps: the message is in its context now */
  | { outcome: 'delivered'; messageId: string }
  /** the agent is in a step: the message enters its context when the step ends */
  | { outcome: 'queued'; messageId: string }
  /** the agent had finished: it takes a new turn with the message */
  | { outcome: 'new_turn'; messageId: string }
  /** the agent had finished and a budget is spent: raise it first (nothing was sent) */
  | { outcome: 'budget'; violation: BudgetViolation };

/** Longest message accepted (characters). */
export const MAX_MESSAGE_CHARS = 20_000;

export class Conversation implements Disposable {
  private readonly queued = new Map<Pid, Array<{ id: string; text: string }>>();
  private readonly hook: Disposable;

  constructor(private readonly kernel: Kernel, private readonly wake: () => void) {
    this.hook = kernel.onStepBoundary((pid) => this.deliverQueued(pid));
  }

  /** Sends the developer's message to agent `pid`. Throws for an empty message or a killed agent. */
  send(pid: Pid, text: string, messageId: string = randomUUID()): SendOutcome {
    const { kernel } = this;
    const body = text.trim();
    if (!body) throw new InvalidArgumentError('the message is empty: type what the agent should know or do');
    if (body.length > MAX_MESSAGE_CHARS) throw new InvalidArgumentError(`the message has ${body.length} characters; the limit is ${MAX_MESSAGE_CHARS}: shorten it or put the details in a file and name it`);
    const agent = kernel.agents.get(pid);
    switch (agent.state) {
      case 'killed':
        throw new InvalidArgumentError(`agent ${pid} (${agent.name}) was killed: it cannot take messages; spawn a new agent for the task`);
      case 'done':
      case 'failed': {
        const violation = checkLimits(agent);
        if (violation) return { outcome: 'budget', violation };
        kernel.reopen(pid, 'new turn: a message from the developer', () => {
          kernel.events.emit({ type: 'message.queued', pid, messageId, text: body, newTurn: true });
          this.deliver(pid, messageId, body);
          const task = kernel.tasks.getTask(`task-${pid}`);
          if (task) {
            kernel.tasks.putTask({ ...task, status: 'running', updatedAt: kernel.clock.now() });
            kernel.events.emit({ type: 'task.status', taskId: task.id, pid, status: 'running' });
          }
        });
        this.wake();
        return { outcome: 'new_turn', messageId };
      }
      case 'running':
      case 'waiting': {
        kernel.events.atomically(() => kernel.events.emit({ type: 'message.queued', pid, messageId, text: body, newTurn: false }));
        const list = this.queued.get(pid) ?? [];
        list.push({ id: messageId, text: body });
        this.queued.set(pid, list);
        return { outcome: 'queued', messageId };
      }
      default:
        kernel.events.atomically(() => {
          kernel.events.emit({ type: 'message.queued', pid, messageId, text: body, newTurn: false });
          this.deliver(pid, messageId, body);
        });
        return { outcome: 'delivered', messageId };
    }
  }

  /**
   * After a restart: messages queued for a step that never ended are delivered now (the agents
   * were put back to ready by `Kernel.restore`).
   */
  restore(): number {
    const { kernel } = this;
    const delivered = new Set<string>();
    const pending: Array<{ pid: Pid; id: string; text: string }> = [];
    for (const e of kernel.queryEvents({ type: 'message.', limit: 1_000_000 }).reverse()) {
      if (e.event.type === 'message.delivered') delivered.add(e.event.messageId);
      else if (e.event.type === 'message.queued') pending.push({ pid: e.event.pid, id: e.event.messageId, text: e.event.text });
    }
    let n = 0;
    for (const m of pending) {
      if (delivered.has(m.id) || !kernel.contexts.has(m.pid)) continue;
      const state = kernel.agents.find(m.pid)?.state;
      if (state === 'running' || state === 'waiting') continue;
      kernel.events.atomically(() => this.deliver(m.pid, m.id, m.text));
      n++;
    }
    return n;
  }

  dispose(): void {
    this.hook.dispose();
  }

  private deliverQueued(pid: Pid): void {
    const list = this.queued.get(pid);
    if (!list) return;
    this.queued.delete(pid);
    this.kernel.events.atomically(() => {
      for (const m of list) this.deliver(pid, m.id, m.text);
    });
  }

  /** Adds the message as a user page and writes it (inside the caller's transaction). */
  private deliver(pid: Pid, messageId: string, text: string): void {
    const { kernel } = this;
    const page = kernel.contexts.add(pid, { kind: 'message', role: 'user', blocks: [{ type: 'text', text: `Message from the developer:\n${text}` }] });
    kernel.contexts.flush(pid);
    kernel.events.emit({ type: 'message.delivered', pid, messageId, pageId: page.id });
  }
}
