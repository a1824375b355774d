/** Approve / Deny / Always Allow (from the palette, the Approvals view, or the diff editor's title), Open Approval, Remove Rule. */
import * as vscode from 'vscode';
import { guardedCommand } from './guardedCommand';
import { toHost } from '../../protocol/hostMethods';
import type { ApprovalAnswerView, ApprovalView } from '../../protocol/hostTypes';
import type { ApprovalCenter } from '../approvals/approvalCenter';
import { Commands } from '../commandIds';
import { approvalHeadline, formatAge } from '../format';
import type { HostSupervisor } from '../hostSupervisor';
import type { KernelState } from '../kernelState';
import { parseProposedPath, PROPOSED_SCHEME } from '../proposedPaths';
import { ApprovalNode } from '../views/approvalsView';
import { RuleNode } from '../views/toolsView';
import { requireHost } from './agentCommands';

export interface ApprovalCommandDeps {
  center: ApprovalCenter;
  supervisor: HostSupervisor;
  state: KernelState;
  log: vscode.LogOutputChannel;
}

export function registerApprovalCommands(deps: ApprovalCommandDeps): vscode.Disposable[] {
  const guard = (id: string, fn: (...args: unknown[]) => Promise<void>) => guardedCommand(deps.log, id, fn);
  const answerWith = (answer: ApprovalAnswerView, verb: string, rememberOnly = false) => async (arg: unknown) => {
    const approval = await targetApproval(deps.center, arg, verb, rememberOnly);
    if (approval) await deps.center.answer(approval.id, answer);
  };
  const approve = answerWith({ decision: 'approve', remember: null, files: null }, 'Approve');
  const deny = answerWith({ decision: 'deny', reason: null }, 'Deny');
  const always = answerWith({ decision: 'approve', remember: 'agent', files: null }, 'Always allow for its agent', true);
  return [
    guard(Commands.approve, approve),
    guard(Commands.deny, deny),
    guard(Commands.alwaysAllow, always),
    guard(Commands.approveShown, approve),
    guard(Commands.denyShown, deny),
    guard(Commands.alwaysAllowShown, always),
    guard(Commands.openApproval, async (arg) => {
      const approval = await targetApproval(deps.center, arg, 'Open');
      if (approval) await deps.center.open(approval.id);
    }),
    guard(Commands.removeRule, async (arg) => {
      const host = await requireHost(deps.supervisor);
      let id: string | undefined;
      if (arg instanceof RuleNode) id = arg.rule.id;
      else {
        const rules = deps.state.snapshot?.rules ?? [];
        if (rules.length === 0) {
          void vscode.window.showInformationMessage('There are no standing rules.');
          return;
        }
        const picked = await vscode.window.showQuickPick(rules.map((r) => ({ label: `${r.tool}: ${r.pattern ?? 'any input'}`, description: r.scope, id: r.id })), { placeHolder: 'Remove which rule?' });
        id = picked?.id;
      }
      if (!id) return;
      const { removed } = await host.connection.sendRequest(toHost.removeRule, { id });
      if (!removed) void vscode.window.showInformationMessage('That rule was already gone (it may have expired).');
      deps.state.refresh();
    }),
  ];
}

/**
 * The request a command acts on: a view item, the diff editor it was run from, an id, or (from
 * the palette) the active proposal editor, the only pending request, or one picked from a list.
 */
async function targetApproval(center: ApprovalCenter, arg: unknown, verb: string, rememberOnly = false): Promise<ApprovalView | undefined> {
  const gone = (id: string) => {
    void vscode.window.showInformationMessage(center.staleMessage(id));
    return undefined;
  };
  if (arg instanceof ApprovalNode) return center.get(arg.approval.id) ?? gone(arg.approval.id);
  if (typeof arg === 'string') return center.get(arg) ?? gone(arg);
  const uri = arg instanceof vscode.Uri ? arg : activeProposalUri();
  if (uri?.scheme === PROPOSED_SCHEME) {
    const ref = parseProposedPath(uri.path);
    if (ref) return center.get(ref.requestId) ?? gone(ref.requestId);
  }
  const pending = center.list().filter((a) => !rememberOnly || a.rememberable);
  if (pending.length === 0) {
    void vscode.window.showInformationMessage('No approval request is pending.');
    return undefined;
  }
  if (pending.length === 1) return pending[0];
  const picked = await vscode.window.showQuickPick(
    pending.map((a) => ({ label: `${a.agentName}: ${approvalHeadline(a)}`, description: `${a.risk} risk · ${formatAge(Date.now() - a.createdAt)}`, approval: a })),
    { placeHolder: `${verb} which request?` },
  );
  return picked?.approval;
}

function activeProposalUri(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme === PROPOSED_SCHEME) return uri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSED_SCHEME) return input.modified;
  return undefined;
}
