/**
 * The transcript tabs, one per agent: opened from the Agents view, `AIOS: Open Agent`, an
 * approval, a question or a budget warning; restored after a window reload (WebviewPanelSerializer);
 * fed by the host's `transcript` deltas; reloaded from the kernel when the host restarts.
 */
import * as vscode from 'vscode';
import type { TranscriptOp } from '../../protocol/transcript';
import type { HostStatus } from '../hostSupervisor';
import { TranscriptPanel, type TranscriptPanelDeps } from './transcriptPanel';

export class TranscriptPanels implements vscode.Disposable {
  private readonly panels = new Map<number, TranscriptPanel>();
  private readonly deps: TranscriptPanelDeps;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(deps: Omit<TranscriptPanelDeps, 'openAgent'>) {
    this.deps = { ...deps, openAgent: (pid) => this.open(pid) };
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(TranscriptPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => this.restore(panel, state),
    }));
  }

  /** Opens the transcript of `pid`, or reveals its tab. */
  open(pid: number): void {
    const existing = this.panels.get(pid);
    if (existing) {
      existing.reveal();
      return;
    }
    const agent = this.deps.state.snapshot?.agents.find((a) => a.pid === pid);
    this.add(TranscriptPanel.create(pid, agent ? agent.name : `agent ${pid}`, this.deps, () => this.panels.delete(pid)));
  }

  /** Deltas from the host for agent `pid`. */
  ops(pid: number, ops: TranscriptOp[]): void {
    this.panels.get(pid)?.ops(ops);
  }

  /** The host's status changed: a new host has to be asked again; a gone one is shown. */
  hostStatus(status: HostStatus): void {
    for (const p of this.panels.values()) {
      if (status === 'running') p.reload();
      else if (status !== 'starting') p.offline(`The AIOS kernel host is ${status}: the transcript continues when it is back.`);
    }
  }

  get openPids(): number[] {
    return [...this.panels.keys()];
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }

  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    const pid = typeof state === 'object' && state !== null && typeof (state as { pid?: unknown }).pid === 'number' ? (state as { pid: number }).pid : null;
    if (pid === null || this.panels.has(pid)) {
      panel.dispose();
      return;
    }
    this.add(new TranscriptPanel(panel, pid, this.deps, () => this.panels.delete(pid)));
  }

  private add(panel: TranscriptPanel): void {
    this.panels.set(panel.pid, panel);
  }
}
