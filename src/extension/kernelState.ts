/**
 * The extension's copy of the kernel's state: fetched after `changed` notifications, at most
 * every 250 ms (one fetch for a burst of events), and dropped while the host is down.
 */
import * as vscode from 'vscode';
import type { StateSnapshot, EventView } from '../protocol/hostTypes';
import { toHost } from '../protocol/hostMethods';
import type { HostSupervisor } from './hostSupervisor';
import { Throttle } from '../text/throttle';

/** Timing of the last fetch, for the log and the benchmarks. */
export interface RefreshTiming {
  /** counts fetches */
  seq: number;
  version: number;
  startedAt: number;
  fetchedAt: number;
  /** true for a refresh the developer asked for (logged at info level) */
  manual: boolean;
}

/** Events worth a line at info level; the rest go to debug. */
const INFO_EVENTS = new Set(['agent.spawned', 'agent.state', 'agent.output', 'agent.loop', 'budget.exceeded', 'approval.requested', 'approval.decided', 'kernel.error', 'kernel.started']);

export class KernelState implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<StateSnapshot | null>();
  /** fires with the new snapshot, or null when the host went away */
  readonly onDidChange = this.emitter.event;
  private readonly eventsEmitter = new vscode.EventEmitter<readonly EventView[]>();
  /** fires with each batch of kernel events (before the state is fetched) */
  readonly onDidReceiveEvents = this.eventsEmitter.event;
  private value: StateSnapshot | null = null;
  private timing: RefreshTiming | null = null;
  private manualPending = false;
  private fetches = 0;
  private readonly throttle = new Throttle(() => this.fetch(), 250);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly supervisor: HostSupervisor, private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(supervisor.onDidChangeStatus((status) => {
      if (status === 'running') this.throttle.trigger();
      else if (this.value) {
        this.value = null;
        this.emitter.fire(null);
      }
    }));
  }

  get snapshot(): StateSnapshot | null {
    return this.value;
  }

  get lastTiming(): RefreshTiming | null {
    return this.timing;
  }

  /** The host reported kernel events: log them and refresh soon. */
  changed(events: readonly EventView[], dropped: number): void {
    for (const e of events) {
      if (INFO_EVENTS.has(e.type)) this.log.info(e.summary);
      else this.log.debug(e.summary);
    }
    if (dropped) this.log.debug(`${dropped} more events (not listed)`);
    this.eventsEmitter.fire(events);
    this.throttle.trigger();
  }

  /** Refreshes soon (after an action of ours, so the views show it without waiting for events). */
  refresh(manual = false): void {
    this.manualPending ||= manual;
    this.throttle.trigger();
  }

  dispose(): void {
    this.throttle.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
    this.eventsEmitter.dispose();
  }

  private async fetch(): Promise<void> {
    const host = this.supervisor.current;
    if (!host) return;
    const manual = this.manualPending;
    this.manualPending = false;
    const startedAt = Date.now();
    try {
      const snapshot = await host.connection.sendRequest(toHost.state);
      if (this.supervisor.current !== host) return;
      this.timing = { seq: ++this.fetches, version: snapshot.version, startedAt, fetchedAt: Date.now(), manual };
      if (!manual && this.value?.version === snapshot.version && this.value.host.session === snapshot.host.session) return;
      this.value = snapshot;
      this.emitter.fire(snapshot);
    } catch (err) {
      if (this.supervisor.current === host) this.log.warn(`could not read the kernel state: ${(err as Error).message}`);
    }
  }
}
