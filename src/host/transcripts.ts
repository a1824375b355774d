/**
 * The transcripts the extension has open: each is built once from the kernel's stored events and
 * pages, then kept current from committed events, streamed model text and tool results, and sent
 * as small deltas (at most one batch per agent per interval), never whole again.
 */
import type { StoredEvent } from '../kernel/events';
import type { Kernel } from '../kernel/kernel';
import type { EventLog, PageStore } from '../kernel/ports/store';
import type { Disposable, Pid } from '../kernel/types';
import type { ApprovalView } from '../protocol/hostTypes';
import type { CardApprovalView, QuestionView, TranscriptEntry, TranscriptOp, TranscriptView } from '../protocol/transcript';
import { InvalidArgumentError } from '../kernel/errors';
import type { TranscriptBuilder } from '../transcript/builder';
import { alwaysAllowCovers } from '../transcript/approvals';
import { kernelTranscript } from '../transcript/load';
import { Throttle } from '../text/throttle';

/** Where deltas go (the JSON-RPC connection in the host, a list in tests). */
export interface TranscriptChannel {
  send(pid: Pid, ops: TranscriptOp[]): void;
  question(view: QuestionView): void;
}

/** Options of TranscriptService. */
export interface TranscriptServiceOptions {
  kernel: Kernel;
  /** where the transcript reads stored pages and events */
  store: PageStore & EventLog;
  channel: TranscriptChannel;
  /** a pending approval by id (the host's bridge) */
  approval: (requestId: string) => ApprovalView | undefined;
  /** default 50 ms */
  intervalMs?: number;
}

interface Open {
  builder: TranscriptBuilder;
  ops: TranscriptOp[];
  stripDirty: boolean;
}

export class TranscriptService implements Disposable {
  private readonly open = new Map<Pid, Open>();
  private readonly subscription: Disposable;
  /** one batch of deltas per interval, a full interval after the first change of a burst */
  private readonly batches: Throttle;

  constructor(private readonly options: TranscriptServiceOptions) {
    this.batches = new Throttle(() => this.send(), options.intervalMs ?? 50, { edge: 'trailing' });
    this.subscription = options.kernel.subscribe('*', (e) => this.event(e));
  }

  /** Opens (or reopens) the transcript of `pid` and returns it whole; deltas follow. */
  openTranscript(pid: Pid, newest = Infinity): TranscriptView {
    let o = this.open.get(pid);
    if (!o) {
      o = { builder: kernelTranscript(this.options.kernel, this.options.store, pid, { approval: (id) => this.card(id) }), ops: [], stripDirty: false };
      this.open.set(pid, o);
    }
    o.ops = [];
    o.stripDirty = false;
    return o.builder.view(newest);
  }

  /** Entries [from, to) of an open transcript. */
  entries(pid: Pid, from: number, to: number): TranscriptEntry[] {
    const o = this.open.get(pid);
    if (!o) throw new InvalidArgumentError(`the transcript of agent ${pid} is not open: open it first`);
    return o.builder.entries(from, to);
  }

  closeTranscript(pid: Pid): void {
    this.open.delete(pid);
  }

  /** Model text as it streams (the step loop's onText). */
  stream(pid: Pid, delta: string): void {
    const o = this.open.get(pid);
    if (!o) return;
    const agent = this.options.kernel.agents.get(pid);
    this.queue(o, o.builder.stream(agent.usage.steps + 1, delta, agent.model.trim().startsWith('scripted'), Date.now()));
  }

  /** A tool call's result as soon as the step loop has it. */
  toolResult(pid: Pid, callId: string, content: string, isError: boolean): void {
    const o = this.open.get(pid);
    if (o) this.queue(o, o.builder.toolResult(callId, content, isError));
  }

  /** Sends what is pending now. */
  flush(): void {
    this.batches.flush();
  }

  private send(): void {
    for (const [pid, o] of this.open) {
      if (o.stripDirty) o.ops.push({ op: 'strip', strip: o.builder.strip() });
      o.stripDirty = false;
      if (o.ops.length === 0) continue;
      const ops = o.ops;
      o.ops = [];
      this.options.channel.send(pid, ops);
    }
  }

  /** The strip of `pid` changed without an event of its own (a suspension asked for). */
  touch(pid: Pid): void {
    const o = this.open.get(pid);
    if (o) this.queue(o, [], true);
  }

  dispose(): void {
    this.subscription.dispose();
    this.batches.dispose();
    this.open.clear();
  }

  private event(e: StoredEvent): void {
    const ev = e.event;
    if (ev.type === 'question.asked') {
      const agent = this.options.kernel.agents.find(ev.pid);
      this.options.channel.question({ pid: ev.pid, agentName: agent?.name ?? `agent ${ev.pid}`, questionId: ev.questionId, text: ev.text });
    }
    if (!('pid' in ev) || ev.pid === null) return;
    const o = this.open.get(ev.pid);
    if (!o) return;
    this.queue(o, o.builder.apply(e), true);
  }

  private queue(o: Open, ops: TranscriptOp[], strip = false): void {
    if (ops.length === 0 && !strip) return;
    o.ops.push(...ops);
    o.stripDirty ||= strip;
    this.batches.trigger();
  }

  private card(requestId: string): CardApprovalView | null {
    const view = this.options.approval(requestId);
    if (!view) return null;
    return { requestId, rememberable: view.rememberable, alwaysAllowCovers: view.rememberable ? alwaysAllowCovers(view) : null, hasDiff: view.subject.kind === 'edit' };
  }
}
