/**
 * The perf lines bench/extension.bench.ts reads from the log: the Agents view's first render,
 * its first render with the kernel's agents, and each refresh the developer asks for.
 */
import type * as vscode from 'vscode';
import type { KernelState } from './kernelState';
import type { AgentsViewTiming } from './views/agentsView';

export class ActivationTiming implements AgentsViewTiming {
  private firstPaint = true;
  private firstState = true;
  private loggedRefresh = -1;

  constructor(private readonly log: vscode.LogOutputChannel, private readonly activatedAt: number, private readonly state: () => KernelState) {}

  rendered(count: number): void {
    if (this.firstPaint) {
      this.firstPaint = false;
      this.log.info(`perf: activation → first Agents view render: ${Date.now() - this.activatedAt} ms (${count < 0 ? 'kernel starting' : `${count} agents`})`);
    }
    const timing = this.state().lastTiming;
    if (count < 0 || !timing) return;
    // After VS Code has asked for the rows' tree items (same turn), not when the renderer paints.
    setImmediate(() => {
      if (this.firstState) {
        this.firstState = false;
        this.log.info(`perf: activation → Agents view with kernel state: ${Date.now() - this.activatedAt} ms (${count} agents)`);
      }
      if (timing.manual && timing.seq !== this.loggedRefresh) {
        this.loggedRefresh = timing.seq;
        this.log.info(`perf: refresh → Agents view rendered ${count} agents in ${Date.now() - timing.startedAt} ms (state fetch ${timing.fetchedAt - timing.startedAt} ms)`);
      }
    });
  }
}
