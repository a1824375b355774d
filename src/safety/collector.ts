/**
 * The collector: projects the kernel's event log into typed records (task, step, tool call,
 * approval, error, plus scheduler, lifecycle, paging and sandbox facts). It reads the committed
 * log after its cursor, so it never misses an event (one written by another process, one
 * published before it subscribed) and replaying is idempotent.
 */
import type { StoredEvent } from '../kernel/events';
import type { Disposable, Pid } from '../kernel/types';
import type { CollectorSink, TaskOutcome } from './records';

/** Events read per transaction while catching up. */
const BATCH = 2000;

const ENDED: readonly TaskOutcome[] = ['done', 'failed', 'killed', 'cancelled'];

/** Where the collector hears about new events. */
export interface EventSource {
  subscribe(pattern: string, listener: (e: StoredEvent) => void): Disposable;
}

/** Options of the collector. */
export interface CollectorOptions {
  /** called once per task that reached an outcome, after its records committed */
  onTaskEnded?: (taskId: string, at: number) => void;
  /** how catch-up is deferred after an event arrives (default setImmediate) */
  defer?: (fn: () => void) => void;
  onError?: (err: unknown) => void;
}

/** Projects events into the safety records. */
export class Collector implements Disposable {
  private readonly tasks = new Map<Pid, string>();
  /** agents whose current tool call was denied (its error result is the denial, not a failure) */
  private readonly denied = new Set<Pid>();
  private subscription: Disposable | null = null;
  private scheduled = false;
  private disposed = false;

  constructor(private readonly sink: CollectorSink, private readonly options: CollectorOptions = {}) {}

  /** Follows a kernel's events from now on (and catches up on what came before). */
  attach(source: EventSource): this {
    this.subscription = source.subscribe('*', () => this.schedule());
    this.schedule();
    return this;
  }

  /** Projects every committed event after the cursor; returns how many were read. */
  catchUp(): number {
    let total = 0;
    for (;;) {
      const ended: Array<[string, number]> = [];
      const n = this.sink.transaction(() => {
        const events = this.sink.eventsAfter(this.sink.cursor(), BATCH);
        for (const e of events) this.project(e, ended);
        if (events.length) this.sink.setCursor(events[events.length - 1].seq);
        return events.length;
      });
      for (const [taskId, at] of ended) this.options.onTaskEnded?.(taskId, at);
      total += n;
      if (n < BATCH) return total;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.subscription?.dispose();
    this.subscription = null;
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    (this.options.defer ?? setImmediate)(() => {
      this.scheduled = false;
      if (this.disposed) return;
      try {
        this.catchUp();
      } catch (err) {
        this.options.onError?.(err);
      }
    });
  }

  private task(pid: Pid | null): string | null {
    if (pid === null) return null;
    let id = this.tasks.get(pid);
    if (id === undefined) {
      id = this.sink.currentTask(pid) ?? undefined;
      if (id !== undefined) this.tasks.set(pid, id);
    }
    return id ?? null;
  }

  private setOutcome(pid: Pid, outcome: TaskOutcome, at: number, ended: Array<[string, number]>, only?: readonly TaskOutcome[]): void {
    const id = this.task(pid);
    const row = id === null ? undefined : this.sink.getTask(id);
    if (!row || ENDED.includes(row.outcome)) return;
    if (only && !only.includes(row.outcome)) return;
    const done = ENDED.includes(outcome);
    this.sink.putTask({ ...row, outcome, endedAt: done ? at : null });
    if (done) ended.push([row.taskId, at]);
  }

  /** One event into records. */
  private project({ seq, at, event: e }: StoredEvent, ended: Array<[string, number]>): void {
    const s = this.sink;
    switch (e.type) {
      case 'task.status': {
        const existing = s.getTask(e.taskId);
        if (!existing) {
          const info = e.pid === null ? null : s.agentInfo(e.pid);
          s.putTask({
            taskId: e.taskId, pid: e.pid, agent: info?.name ?? '', role: info?.role ?? '', description: s.taskDescription(e.taskId) ?? '',
            startedAt: at, endedAt: null, outcome: 'running',
            budgetTokens: info?.budgets.tokens ?? null, budgetDollars: info?.budgets.dollars ?? null, budgetSteps: info?.budgets.steps ?? null,
          });
          if (e.pid !== null) this.tasks.set(e.pid, e.taskId);
        }
        const outcome = e.status === 'done' || e.status === 'failed' || e.status === 'cancelled' ? e.status : null;
        if (outcome && e.pid !== null && this.task(e.pid) === e.taskId) this.setOutcome(e.pid, outcome, at, ended);
        else if (outcome) {
          const row = s.getTask(e.taskId);
          if (row && !ENDED.includes(row.outcome)) {
            s.putTask({ ...row, outcome, endedAt: at });
            ended.push([row.taskId, at]);
          }
        }
        return;
      }
      case 'agent.state':
        s.addState({ seq, at, pid: e.pid, from: e.from, to: e.to, waitReason: e.waitReason });
        if (e.to === 'killed' || e.to === 'failed') this.setOutcome(e.pid, e.to, at, ended);
        else if (e.to === 'suspended') this.setOutcome(e.pid, 'suspended', at, ended, ['running']);
        else if (e.from === 'suspended') this.setOutcome(e.pid, 'running', at, ended, ['suspended']);
        return;
      case 'agent.step':
        s.addStep({
          seq, at, pid: e.pid, taskId: this.task(e.pid), step: e.step, inputTokens: e.inputTokens, outputTokens: e.outputTokens,
          cacheReadTokens: e.cacheReadTokens, cacheWriteTokens: e.cacheWriteTokens, dollars: e.dollars, durationMs: e.durationMs, scripted: e.scripted,
        });
        return;
      case 'tool.call':
        this.denied.delete(e.pid);
        s.addToolCall({ seq, at, pid: e.pid, taskId: this.task(e.pid), callId: e.callId, tool: e.tool, risk: e.risk, endedAt: null, durationMs: null, isError: null, denied: false });
        return;
      case 'tool.result': {
        const denied = this.denied.delete(e.pid);
        s.endToolCall(e.pid, e.callId, at, e.durationMs, e.isError, denied);
        if (e.isError && !denied) s.addError({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'tool', source: e.tool, message: `${e.tool} returned an error` });
        return;
      }
      case 'approval.requested':
        s.addApproval({
          seq, at, pid: e.pid, taskId: this.task(e.pid), requestId: e.requestId, tool: e.tool, risk: e.risk, summary: e.summary,
          decidedAt: null, decision: null, actor: null, rule: null,
        });
        return;
      case 'approval.decided':
        if (e.decision === 'deny') this.denied.add(e.pid);
        if (e.requestId !== '-' && s.decideApproval(e.pid, e.requestId, at, e.decision, e.actor, e.rule)) return;
        s.addApproval({
          seq, at, pid: e.pid, taskId: this.task(e.pid), requestId: e.requestId, tool: null, risk: null, summary: null,
          decidedAt: at, decision: e.decision, actor: e.actor, rule: e.rule,
        });
        return;
      case 'agent.malformed':
        s.addError({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'malformed', source: e.tool, message: e.error });
        return;
      case 'agent.loop':
        s.addError({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'loop', source: e.tool, message: `${e.tool} called ${e.repeats} times in a row with the same input` });
        return;
      case 'budget.exceeded':
        s.addError({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'budget', source: e.budget, message: `${e.budget} budget: ${e.used} of ${e.limit}` });
        return;
      case 'kernel.error':
        s.addError({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'kernel', source: e.where, message: e.message });
        return;
      case 'scheduler.dispatch':
        s.addScheduler({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'dispatch', value: e.waitedMs });
        return;
      case 'scheduler.preempt':
        s.addScheduler({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'preempt', value: 0 });
        return;
      case 'scheduler.rate_limited':
        s.addScheduler({ seq, at, pid: null, taskId: null, kind: 'rate_limited', value: e.untilMs });
        return;
      case 'pager.evicted':
        s.addPaging({ seq, at, pid: e.pid, kind: 'evict', tokens: e.tokens });
        return;
      case 'pager.page_in':
        if (e.fault) s.addPaging({ seq, at, pid: e.pid, kind: 'fault', tokens: e.tokens });
        return;
      case 'sandbox.exec':
        s.addSandbox({ seq, at, pid: e.pid, exitCode: e.exitCode, killed: e.killed, durationMs: e.durationMs, memoryBytes: e.memoryBytes });
        if (e.killed === 'oom' || e.killed === 'timeout' || e.killed === 'error') {
          s.addError({ seq, at, pid: e.pid, taskId: this.task(e.pid), kind: 'sandbox', source: e.killed, message: `sandboxed command stopped: ${e.killed}` });
        }
        return;
      default:
        return;
    }
  }
}
