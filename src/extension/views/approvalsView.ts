/** The Approvals view: pending requests of all agents, oldest first; selecting one opens it. */
import * as vscode from 'vscode';
import type { ApprovalView } from '../../protocol/hostTypes';
import type { ApprovalCenter } from '../approvals/approvalCenter';
import { Commands } from '../commandIds';
import { approvalHeadline, approvalIcon, formatAge } from '../format';
import { escapeControl } from '../../protocol/displayText';
import { NodeTreeProvider, type TreeNode } from './nodeTree';

/** One pending request; approval commands receive it from the view's menus. */
export class ApprovalNode implements TreeNode {
  constructor(readonly approval: ApprovalView) {}

  treeItem(): vscode.TreeItem {
    const a = this.approval;
    const item = new vscode.TreeItem(`${escapeControl(a.agentName)}: ${approvalHeadline(a)}`);
    item.id = `approval-${a.id}`;
    item.description = `${a.risk} risk · ${formatAge(Date.now() - a.createdAt)}`;
    item.iconPath = new vscode.ThemeIcon(approvalIcon(a), a.risk === 'critical' || a.risk === 'high' ? new vscode.ThemeColor('charts.red') : new vscode.ThemeColor('charts.yellow'));
    const s = a.subject;
    item.tooltip = s.kind === 'command' ? `${escapeControl(s.command)}\n(in ${escapeControl(s.cwd)})` : s.kind === 'edit' ? s.files.map((f) => `${f.status}: ${escapeControl(f.path)}`).join('\n') : escapeControl(s.summary);
    item.contextValue = a.rememberable ? 'approval.rememberable' : 'approval';
    item.command = { command: Commands.openApproval, title: 'Open Approval', arguments: [a.id] };
    return item;
  }
}

export function createApprovalsView(center: ApprovalCenter): { provider: NodeTreeProvider; view: vscode.TreeView<TreeNode> } {
  const provider = new NodeTreeProvider(() => center.list().map((a) => new ApprovalNode(a)));
  return { provider, view: vscode.window.createTreeView('aios.approvals', { treeDataProvider: provider }) };
}
