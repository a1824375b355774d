/**
 * One agent's transcript tab: a webview that shows what the host's transcript says (whole on
 * `ready`, then deltas) and turns the developer's clicks into protocol requests. Approvals go
 * through the ApprovalCenter, so an answer here closes the prompt everywhere else too.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { toHost } from '../../protocol/hostMethods';
import type { TranscriptOp, TranscriptStrip, TranscriptToWebview, WebviewToTranscript } from '../../protocol/transcript';
import type { ApprovalCenter } from '../approvals/approvalCenter';
import type { HostSupervisor } from '../hostSupervisor';
import type { KernelState } from '../kernelState';
import { safeRelative, sendResultText } from './transcriptText';

/** What a transcript tab uses. */
export interface TranscriptPanelDeps {
  extensionUri: vscode.Uri;
  supervisor: HostSupervisor;
  center: ApprovalCenter;
  state: KernelState;
  workspaceRoot: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** opens another agent's transcript (plan children) */
  openAgent: (pid: number) => void;
}

export class TranscriptPanel implements vscode.Disposable {
  static readonly viewType = 'aios.transcript';
  /** entries sent when a tab opens; older ones on "Show earlier" */
  static readonly newest = 150;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private loading = false;
  private strip: TranscriptStrip | null = null;
  private disposed = false;

  constructor(readonly panel: vscode.WebviewPanel, readonly pid: number, private readonly deps: TranscriptPanelDeps, private readonly onDisposed: () => void) {
    const dist = vscode.Uri.joinPath(deps.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(deps.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'aios.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: WebviewToTranscript) => void this.receive(m).catch((err: Error) => this.notice('error', err.message))),
    );
  }

  /** Static factory: a new tab in the active column. */
  static create(pid: number, title: string, deps: TranscriptPanelDeps, onDisposed: () => void): TranscriptPanel {
    const panel = vscode.window.createWebviewPanel(TranscriptPanel.viewType, title, vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: true });
    return new TranscriptPanel(panel, pid, deps, onDisposed);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Deltas from the host; dropped while the whole transcript is being (re)loaded. */
  ops(ops: TranscriptOp[]): void {
    if (!this.ready || this.loading) return;
    for (const op of ops) if (op.op === 'strip') this.setStrip(op.strip);
    this.post({ type: 'ops', ops });
  }

  /** The host (re)started: load the transcript again from the kernel. */
  reload(): void {
    if (this.ready) void this.load();
  }

  offline(text: string): void {
    this.post({ type: 'offline', text });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    void this.deps.supervisor.current?.connection.sendRequest(toHost.closeTranscript, { pid: this.pid }).catch(() => undefined);
    this.panel.dispose();
    this.onDisposed();
  }

  private setStrip(strip: TranscriptStrip): void {
    this.strip = strip;
    const title = `${strip.name} (${strip.state})`;
    if (this.panel.title !== title) this.panel.title = title;
  }

  private async load(): Promise<void> {
    this.loading = true;
    try {
      const host = await this.deps.supervisor.whenRunning();
      const view = await host.connection.sendRequest(toHost.openTranscript, { pid: this.pid, newest: TranscriptPanel.newest });
      this.setStrip(view.strip);
      this.post({ type: 'open', view });
    } catch (err) {
      this.offline(`Could not load the transcript of agent ${this.pid}: ${(err as Error).message}`);
    } finally {
      this.loading = false;
    }
  }

  private async connection(): Promise<MessageConnection> {
    return (await this.deps.supervisor.whenRunning()).connection;
  }

  private async receive(m: WebviewToTranscript): Promise<void> {
    const { center, state } = this.deps;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        return this.load();
      case 'earlier': {
        const from = Math.max(0, m.before - 300);
        const entries = await (await this.connection()).sendRequest(toHost.transcriptEntries, { pid: this.pid, from, to: m.before });
        this.post({ type: 'earlier', from, entries });
        return;
      }
      case 'approve':
      case 'deny': {
        const answer = m.type === 'deny' ? { decision: 'deny' as const, reason: null } : { decision: 'approve' as const, remember: m.always ? 'agent' as const : null, files: null };
        if (center.get(m.requestId)) await center.answer(m.requestId, answer);
        else {
          const { accepted } = await (await this.connection()).sendRequest(toHost.answerApproval, { id: m.requestId, answer });
          if (!accepted) this.notice('error', 'That request is no longer pending (answered elsewhere, timed out, or the agent stopped).');
        }
        return;
      }
      case 'openDiff':
        return center.open(m.requestId);
      case 'openFile': {
        const parts = safeRelative(m.path);
        const uri = parts ? vscode.Uri.joinPath(this.deps.workspaceRoot, ...parts) : null;
        if (!uri) return this.notice('error', `${m.path} is not a file in this workspace`);
        await vscode.commands.executeCommand('vscode.open', uri);
        return;
      }
      case 'openAgent':
        this.deps.openAgent(m.pid);
        return;
      case 'send': {
        const result = await (await this.connection()).sendRequest(toHost.sendMessage, { pid: this.pid, text: m.text });
        const text = sendResultText(result, this.strip?.name ?? `agent ${this.pid}`);
        if (result.outcome === 'budget') this.post({ type: 'notice', level: 'error', text, raise: result.budget });
        else this.post({ type: 'sent', text });
        state.refresh();
        return;
      }
      case 'answer': {
        const { accepted } = await (await this.connection()).sendRequest(toHost.answerQuestion, { questionId: m.questionId, answer: m.text });
        if (!accepted) this.notice('error', 'That question is no longer waiting (the agent stopped, or it was answered elsewhere).');
        return;
      }
      case 'raise': {
        const limit = m.budget === 'tokens' ? this.strip?.tokenBudget.limit : m.budget === 'dollars' ? this.strip?.dollars.limit : m.budget === 'steps' ? this.strip?.steps.limit : null;
        if (limit === null || limit === undefined) return this.notice('error', `The ${m.budget} budget has no limit to raise.`);
        const to = m.budget === 'dollars' ? Math.round((limit + m.by) * 100) / 100 : Math.round(limit + m.by);
        const agent = await (await this.connection()).sendRequest(toHost.raiseBudget, { pid: this.pid, budget: m.budget, to, resume: true });
        this.post({ type: 'notice', level: 'info', text: `Raised the ${m.budget} budget to ${m.budget === 'dollars' ? `$${to.toFixed(2)}` : to.toLocaleString('en-US')}${agent.state === 'ready' ? ' and resumed the agent' : agent.state === 'done' || agent.state === 'failed' ? ': send your message again' : ''}.`, raise: null });
        state.refresh();
        return;
      }
      case 'suspend': {
        const { when } = await (await this.connection()).sendRequest(toHost.suspend, { pid: this.pid });
        if (when === 'now') this.notice('info', 'Suspended.');
        state.refresh();
        return;
      }
      case 'abort': {
        const { aborted } = await (await this.connection()).sendRequest(toHost.abortStep, { pid: this.pid });
        this.notice('info', aborted ? 'Aborted the call in flight; the agent is suspended (nothing of the interrupted call was kept).' : 'Nothing was in flight.');
        state.refresh();
        return;
      }
      case 'resume':
        await (await this.connection()).sendRequest(toHost.resume, { pid: this.pid });
        state.refresh();
        return;
      case 'stop': {
        const name = this.strip?.name ?? `agent ${this.pid}`;
        const ok = await vscode.window.showWarningMessage(`Stop ${name}? It is killed with its child agents; its transcript stays.`, { modal: true }, 'Stop');
        if (ok !== 'Stop') return;
        await (await this.connection()).sendRequest(toHost.kill, { pid: this.pid });
        state.refresh();
        return;
      }
    }
  }

  private notice(level: 'info' | 'error', text: string): void {
    this.post({ type: 'notice', level, text, raise: null });
  }

  private post(message: TranscriptToWebview): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, ...path)).toString();
    const csp = ["default-src 'none'", `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('media', 'transcript.css')}">
<title>AIOS agent ${this.pid}</title>
</head>
<body>
<div id="app"><p>Loading the transcript of agent ${this.pid}…</p></div>
<script nonce="${nonce}" src="${asset('dist', 'transcript.js')}"></script>
</body>
</html>`;
  }
}
