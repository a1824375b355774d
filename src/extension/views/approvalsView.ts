/** The Approvals view: pending requests of all agents, oldest first; selecting one opens it. */
import * as vscode from 'vscode';
import type { ApprovalView } from '../../protocol/hostTypes';
import type { ApprovalCenter } from '../approvals/approvalCenter';
import { Commands } from '../commandIds';
import { approvalDescription, approvalHeadline, approvalIcon, approvalTooltip } from '../format';
import { NodeTreeProvider, type TreeNode } from './nodeTree';
import { escapeControl } from '../../text/displayText';

/** One pending request; approval commands receive it from the view's menus. */
export class ApprovalNode implements TreeNode {
  constructor(readonly approval: ApprovalView) {}

  treeItem(): vscode.TreeItem {
    const a = this.approval;
    // The label is what is asked, short; who asks and the risk go in the description, the rest in the hover.
    const item = new vscode.TreeItem(approvalHeadline(a));
    item.id = `approval-${a.id}`;
    item.description = approvalDescription(a, Date.now());
    item.accessibilityInformation = { label: `${escapeControl(a.agentName)} asks to ${approvalHeadline(a)}, ${a.risk} risk` };
    item.iconPath = new vscode.ThemeIcon(approvalIcon(a), a.risk === 'critical' || a.risk === 'high' ? new vscode.ThemeColor('charts.red') : new vscode.ThemeColor('charts.yellow'));
    item.tooltip = new vscode.MarkdownString(approvalTooltip(a));
    item.contextValue = a.rememberable ? 'approval.rememberable' : 'approval';
    item.command = { command: Commands.openApproval, title: 'Open Approval', arguments: [a.id] };
    return item;
  }
}

export function createApprovalsView(center: ApprovalCenter): { provider: NodeTreeProvider; view: vscode.TreeView<TreeNode> } {
  const provider = new NodeTreeProvider(() => center.list().map((a) => new ApprovalNode(a)));
  return { provider, view: vscode.window.createTreeView('aios.approvals', { treeDataProvider: provider }) };
}
