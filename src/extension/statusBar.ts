/** The status-bar item: running agents, pending approvals, and whether the scripted model is in use. */
import * as vscode from 'vscode';
import { Commands } from './commandIds';
import { statusText, type StatusInput } from './statusText';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('aios.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'AIOS';
    this.item.command = Commands.showApprovals;
    this.item.show();
  }

  update(input: StatusInput): void {
    const { text, tooltip, warning } = statusText(input);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
