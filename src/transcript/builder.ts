/**
 * Builds an agent's transcript from the kernel's own record: its events, in order, and its pages
 * (for tool inputs, results and thinking). The live host feeds it events as they commit, streamed
 * model text and tool results as they happen; `aios logs` and a restarted host feed it the stored
 * events. Both end with the same entries, because both read the same events and pages.
 */
import type { StoredEvent } from '../kernel/events';
import type { AgentRecord, Pid } from '../kernel/types';
import type { CardApprovalView, BudgetName, TranscriptEntry, TranscriptOp, TranscriptStrip, TranscriptView } from '../protocol/transcript';
import { PageIndex, type PageSource } from './pages';
import { buildStrip } from './strip';
import { jsonInput, resultView, summarizeInput } from './toolText';
import { formatBytes } from '../text/bytes';

type ToolEntry = Extract<TranscriptEntry, { kind: 'tool' }>;
type ModelEntry = Extract<TranscriptEntry, { kind: 'model' }>;

/** What a builder reads besides events. */
export interface TranscriptDeps {
  pid: Pid;
  /** the agent's record now */
  agent: () => AgentRecord;
  pages: PageSource;
  /** what the card of a pending approval offers (the host knows it; null elsewhere) */
  approval?: (requestId: string) => CardApprovalView | null;
  /** a suspension was asked for and takes effect at the end of the step */
  suspending?: () => boolean;
}

/** The model entry of step n. */
export function modelEntryId(step: number): string {
  return `m-${step}`;
}

export class TranscriptBuilder {
  private readonly order: string[] = [];
  private readonly byId = new Map<string, TranscriptEntry>();
  private readonly cards = new Map<string, ToolEntry>();
  private readonly index: PageIndex;
  /** results reported live, before their page is written */
  private readonly liveResults = new Map<string, { content: string; isError: boolean }>();
  /** committed steps seen (the `step` of the last agent.step) */
  private steps = 0;
  private openCall: ToolEntry | null = null;
  private lastText = '';
  private lastExceeded: BudgetName | null = null;
  private suspendedBy: BudgetName | null = null;
  private lastSeq = 0;
  /** model text streamed for a step whose previous step's events have not arrived yet */
  private early: ModelEntry | null = null;
  private quiet = false;

  constructor(private readonly deps: TranscriptDeps) {
    this.index = new PageIndex(deps.pages);
    const a = deps.agent();
    this.put({ kind: 'task', id: 'task', at: a.createdAt, text: a.task });
  }

  /** The seq of the last event applied. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Everything now. */
  view(newest = Infinity): TranscriptView {
    const from = Math.max(0, this.order.length - newest);
    return { strip: this.strip(), entries: this.entries(from, this.order.length), earlier: from };
  }

  /** Entries [from, to) in order. */
  entries(from: number, to: number): TranscriptEntry[] {
    return this.order.slice(Math.max(0, from), Math.max(0, to)).map((id) => this.byId.get(id)!);
  }

  strip(): TranscriptStrip {
    return buildStrip(this.deps.agent(), this.deps.pages.list(), { suspendedBy: this.suspendedBy, suspending: this.deps.suspending?.() ?? false });
  }

  /** Streamed model text of step `step` (1-based). */
  stream(step: number, delta: string, scripted: boolean, at: number): TranscriptOp[] {
    const id = modelEntryId(step);
    // Text can stream before the events of the previous step are delivered: it waits for them, so
    // the live order is the stored order.
    if (step > this.steps + 1 || (this.early && this.early.step === step)) {
      if (this.early?.step === step) this.early.text += delta;
      else this.early = { kind: 'model', id, at, step, text: delta, thinking: null, scripted, streaming: true };
      return [];
    }
    const existing = this.byId.get(id) as ModelEntry | undefined;
    if (!existing) {
      return this.put({ kind: 'model', id, at, step, text: delta, thinking: null, scripted, streaming: true });
    }
    if (!existing.streaming) return [];
    existing.text += delta;
    return [{ op: 'append', id, text: delta }];
  }

  /** A tool call's result as soon as the step loop has it. */
  toolResult(callId: string, content: string, isError: boolean): TranscriptOp[] {
    this.liveResults.set(callId, { content, isError });
    const card = this.cards.get(callId);
    if (!card || card.result) return [];
    card.result = resultView(card.tool, this.index.input(callId), content, isError);
    return this.upsert(card);
  }

  /** Applies one of the agent's events (others, and events seen already, are ignored). */
  apply(stored: StoredEvent): TranscriptOp[] {
    if (stored.seq <= this.lastSeq) return [];
    this.lastSeq = stored.seq;
    const e = stored.event;
    const at = stored.at;
    const pid = this.deps.pid;
    if (!('pid' in e) || e.pid !== pid) return [];
    const exceeded = this.lastExceeded;
    this.lastExceeded = null;
    switch (e.type) {
      case 'agent.output': {
        const id = modelEntryId(this.steps + 1);
        const m = this.byId.get(id) as ModelEntry | undefined;
        this.lastText = e.text;
        if (m) {
          Object.assign(m, { at, text: e.text, streaming: false, scripted: e.scripted });
          return this.upsert(m);
        }
        return this.put({ kind: 'model', id, at, step: this.steps + 1, text: e.text, thinking: null, scripted: e.scripted, streaming: false });
      }
      case 'agent.step': {
        this.steps = e.step;
        const ops: TranscriptOp[] = [];
        const id = modelEntryId(e.step);
        const thinking = this.index.thinking(e.step);
        const m = this.byId.get(id) as ModelEntry | undefined;
        if (m && (m.streaming || thinking)) ops.push(...this.upsert(Object.assign(m, { streaming: false, thinking })));
        else if (!m && thinking) ops.push(...this.put({ kind: 'model', id, at, step: e.step, text: '', thinking, scripted: e.scripted, streaming: false }));
        // Results the live hook did not report (a restarted host, the CLI) come from the page now written.
        for (const card of this.cards.values()) {
          if (card.result) continue;
          const r = this.index.result(card.callId);
          if (!r) continue;
          card.result = resultView(card.tool, this.index.input(card.callId), r.content, r.isError);
          if (card.durationMs === null) card.durationMs = 0;
          if (card.state === 'running') card.state = r.isError ? 'failed' : 'done';
          ops.push(...this.upsert(card));
        }
        if (this.early && this.early.step === e.step + 1) {
          ops.push(...this.put(this.early));
          this.early = null;
        }
        return ops;
      }
      case 'tool.call': {
        const input = this.index.input(e.callId);
        const card: ToolEntry = {
          kind: 'tool', id: `t-${e.callId}`, at, callId: e.callId, tool: e.tool, risk: e.risk, summary: summarizeInput(e.tool, input),
          input: jsonInput(input), state: 'running', rule: null, reason: null, durationMs: null, approval: null, result: null,
        };
        this.cards.set(e.callId, card);
        this.openCall = card;
        return this.put(card);
      }
      case 'approval.requested': {
        const card = this.openCall;
        if (!card) return [];
        card.state = 'waiting';
        card.approval = this.deps.approval?.(e.requestId) ?? { requestId: e.requestId, rememberable: e.risk !== 'critical', alwaysAllowCovers: null, hasDiff: false };
        if (e.tool !== card.tool) card.summary = `${card.summary} → ${e.summary}`;
        return this.upsert(card);
      }
      case 'approval.decided': {
        const card = this.openCall;
        if (!card) return [];
        card.approval = null;
        if (e.decision === 'deny') card.state = 'denied';
        else if (e.actor === 'developer') card.state = 'approved_by_you';
        else if (e.rule) { card.state = 'approved_by_rule'; card.rule = e.rule; } else card.state = 'running';
        return this.upsert(card);
      }
      case 'tool.result': {
        const card = this.cards.get(e.callId);
        if (!card) return [];
        this.openCall = null;
        card.durationMs = e.durationMs;
        if (card.state === 'running') card.state = e.isError ? 'failed' : 'done';
        else if (card.state === 'waiting') card.state = 'denied';
        const r = this.liveResults.get(e.callId) ?? this.index.result(e.callId);
        if (r && !card.result) card.result = resultView(card.tool, this.index.input(e.callId), r.content, r.isError);
        if (card.state === 'denied' && r) card.reason = r.content;
        this.liveResults.delete(e.callId);
        return this.upsert(card);
      }
      case 'agent.malformed':
        return this.put({ kind: 'rejected', id: `r-${stored.seq}`, at, tool: e.tool, error: e.error });
      case 'pager.evicted':
        return this.put({ kind: 'paging', id: `p-${stored.seq}`, at, direction: 'out', pages: e.pageIds, tokens: e.tokens, fault: false });
      case 'pager.page_in':
        return this.put({ kind: 'paging', id: `p-${stored.seq}`, at, direction: 'in', pages: [e.pageId], tokens: e.tokens, fault: e.fault });
      case 'plan.created':
        return this.put({
          kind: 'plan', id: `plan-${e.plan}`, at, plan: e.plan, status: 'running',
          children: e.subtasks.map((s) => ({ subtask: s.id, role: s.role, task: s.task, pid: null, status: 'pending' })),
        });
      case 'plan.subtask': {
        const plan = this.byId.get(`plan-${e.plan}`);
        if (plan?.kind !== 'plan') return [];
        const child = plan.children.find((c) => c.subtask === e.subtask);
        if (child) Object.assign(child, { status: e.status, pid: e.child ?? child.pid });
        return this.upsert(plan);
      }
      case 'plan.finished': {
        const plan = this.byId.get(`plan-${e.plan}`);
        if (plan?.kind !== 'plan') return [];
        plan.status = e.status;
        return this.upsert(plan);
      }
      case 'message.queued':
        return this.put({ kind: 'message', id: `msg-${e.messageId}`, at, text: e.text, delivered: false, newTurn: e.newTurn });
      case 'message.delivered': {
        const m = this.byId.get(`msg-${e.messageId}`);
        if (m?.kind !== 'message') return [];
        m.delivered = true;
        return this.upsert(m);
      }
      case 'question.asked':
        return this.put({ kind: 'question', id: `q-${e.questionId}`, at, questionId: e.questionId, text: e.text, answer: null });
      case 'question.answered': {
        const q = this.byId.get(`q-${e.questionId}`);
        if (q?.kind !== 'question') return [];
        q.answer = e.answer ?? '(no answer: the agent stopped first)';
        return this.upsert(q);
      }
      case 'budget.exceeded':
        this.lastExceeded = e.budget;
        return [];
      case 'budget.raised':
        return this.put({ kind: 'status', id: `s-${stored.seq}`, at, state: null, budget: e.budget, text: `${e.budget} budget raised from ${e.from === null ? 'unlimited' : formatBudget(e.budget, e.from)} to ${formatBudget(e.budget, e.to)}` });
      case 'agent.state':
        return this.state(e, at, stored.seq, exceeded);
      default:
        return this.budgetWarning(e as unknown as { type: string; budget?: BudgetName; used?: number; limit?: number }, at, stored.seq);
    }
  }

  private state(e: Extract<StoredEvent['event'], { type: 'agent.state' }>, at: number, seq: number, exceeded: BudgetName | null): TranscriptOp[] {
    const id = `s-${seq}`;
    if (e.to === 'suspended') {
      this.suspendedBy = exceeded;
      return this.put({ kind: 'status', id, at, state: 'suspended', budget: exceeded, text: `Suspended${e.reason ? `: ${e.reason}` : ''}` });
    }
    if (e.from === 'suspended' && e.to === 'ready') {
      this.suspendedBy = null;
      return this.put({ kind: 'status', id, at, state: 'ready', budget: null, text: 'Resumed' });
    }
    // a new turn (done or failed → ready) shows as the developer's message that started it
    if (e.to === 'done') {
      const step = this.lastText && this.byId.has(modelEntryId(this.steps)) ? this.steps : null;
      return this.put({ kind: 'result', id, at, text: this.lastText || this.deps.agent().result || '(no final answer)', scripted: this.isScripted(), failed: false, step });
    }
    if (e.to === 'failed') return this.put({ kind: 'result', id, at, text: e.reason ?? 'failed', scripted: this.isScripted(), failed: true, step: null });
    if (e.to === 'killed') return this.put({ kind: 'status', id, at, state: 'killed', budget: null, text: `Killed${e.reason ? `: ${e.reason}` : ''}` });
    return [];
  }

  /**
   * `agent.budget_warning` (80 % of a budget, emitted by the kernel's budget guard of issue 11):
   * read by name so this builds before and after that event lands in the union.
   */
  private budgetWarning(e: { type: string; budget?: BudgetName; used?: number; limit?: number }, at: number, seq: number): TranscriptOp[] {
    if (e.type !== 'agent.budget_warning' || !e.budget || e.used === undefined || e.limit === undefined) return [];
    return this.put({ kind: 'status', id: `s-${seq}`, at, state: null, budget: e.budget, text: `${e.budget} at ${Math.floor((e.used / e.limit) * 100)} % of the budget: ${formatBudget(e.budget, e.used)} of ${formatBudget(e.budget, e.limit)}` });
  }

  private isScripted(): boolean {
    for (let i = this.order.length - 1; i >= 0; i--) {
      const e = this.byId.get(this.order[i]);
      if (e?.kind === 'model') return e.scripted;
    }
    return false;
  }

  /** Applies stored events without making deltas nobody will read (opening a transcript). */
  replay(events: readonly StoredEvent[]): void {
    this.quiet = true;
    try {
      for (const e of events) this.apply(e);
    } finally {
      this.quiet = false;
    }
  }

  private put(entry: TranscriptEntry): TranscriptOp[] {
    if (!this.byId.has(entry.id)) this.order.push(entry.id);
    this.byId.set(entry.id, entry);
    return this.upsert(entry);
  }

  private upsert(entry: TranscriptEntry): TranscriptOp[] {
    return this.quiet ? NO_OPS : [{ op: 'upsert', entry: { ...entry } as TranscriptEntry }];
  }
}

const NO_OPS = Object.freeze([]) as unknown as TranscriptOp[];

/** A budget figure as the strip and the CLI print it. */
export function formatBudget(budget: BudgetName, n: number): string {
  if (budget === 'dollars') return `$${n.toFixed(2)}`;
  if (budget === 'bytes') return formatBytes(n);
  return Math.round(n).toLocaleString('en-US');
}
