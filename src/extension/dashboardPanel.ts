/**
 * The evaluator dashboard's webview panel. It knows nothing of the kernel host: figures come from
 * a DashboardSource the extension implements over its protocol client. Strict CSP with a nonce,
 * no remote content, theme colours through VS Code's CSS variables; data is posted only after the
 * webview said `ready`.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DashboardData, DashboardToWebview, WebviewToDashboard } from '../protocol/dashboard';
import { Throttle } from '../text/throttle';

/** Where the dashboard's data comes from (the extension implements it over the host protocol). */
export interface DashboardSource {
  /** everything the dashboard shows, now (the host computes it with `dashboardData`) */
  load(): Promise<DashboardData>;
  /** fires when kernel state changed (the host's `changed` notifications) */
  readonly onDidChange: vscode.Event<void>;
  /** L2: the developer's answer on a proposal; resolves to a sentence for the panel */
  decide(id: string, decision: 'approve' | 'reject'): Promise<string>;
  /** opens an agent's transcript (its name was clicked) */
  openAgent(pid: number): void;
}

/** Opens the dashboard, or reveals the open one. One per extension; dispose with the extension. */
export class DashboardPanels implements vscode.Disposable {
  private panel: DashboardPanel | null = null;

  constructor(private readonly extensionUri: vscode.Uri, private readonly source: DashboardSource) {}

  /** What `AIOS: Open Dashboard` (and the health alert's "Open Dashboard" action) call. */
  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    this.panel = new DashboardPanel(this.extensionUri, this.source, () => { this.panel = null; });
  }

  dispose(): void {
    this.panel?.dispose();
    this.panel = null;
  }
}

/** One open dashboard. */
export class DashboardPanel implements vscode.Disposable {
  static readonly viewType = 'aios.dashboard';
  /** coalesces bursts of kernel changes into one update */
  static readonly updateDelayMs = 500;

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly updates = new Throttle(() => this.update(), DashboardPanel.updateDelayMs, { edge: 'trailing' });
  private disposed = false;

  constructor(private readonly extensionUri: vscode.Uri, private readonly source: DashboardSource, private readonly onDisposed: () => void) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, 'AIOS Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [dist, media],
      retainContextWhenHidden: false,
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'dashboard-icon.svg');
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: WebviewToDashboard) => this.receive(m)),
      // A hidden webview is torn down (retainContextWhenHidden is off): it says `ready` again when shown.
      this.panel.onDidChangeViewState((e) => { if (!e.webviewPanel.visible) this.ready = false; }),
      source.onDidChange(() => this.schedule()),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.updates.dispose();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.panel.dispose();
    this.onDisposed();
  }

  private receive(m: WebviewToDashboard): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        void this.update();
        return;
      case 'refresh':
        void this.update();
        return;
      case 'openAgent':
        this.source.openAgent(m.pid);
        return;
      case 'decide':
        void this.source.decide(m.id, m.decision).then(
          (message) => this.post({ type: 'decided', id: m.id, ok: true, message }),
          (err: Error) => this.post({ type: 'decided', id: m.id, ok: false, message: err.message }),
        ).then(() => this.update());
        return;
    }
  }

  private schedule(): void {
    if (this.ready) this.updates.trigger();
  }

  private async update(): Promise<void> {
    if (!this.ready || this.disposed) return;
    try {
      this.post({ type: 'data', data: await this.source.load() });
    } catch (err) {
      this.post({ type: 'error', message: `Could not load the dashboard: ${(err as Error).message}. Is the AIOS kernel running? See the AIOS output channel.` });
    }
  }

  private post(message: DashboardToWebview): void {
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'webview.css')}">
<link rel="stylesheet" href="${asset('media', 'dashboard.css')}">
<title>AIOS Dashboard</title>
</head>
<body>
<div id="app" aria-live="polite"><p>Loading the evaluator…</p></div>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
  }
}
