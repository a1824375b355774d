/**
 * Pending approvals on the extension side: shows each new request (a diff editor for edits, a
 * notification for everything), opens them on demand (diff or modal), and sends the answer.
 * Requests wait independently: one unanswered prompt never holds up another agent.
 */
import * as vscode from 'vscode';
import { toHost, type ApprovalCloseReason } from '../../protocol/hostMethods';
import type { ApprovalAnswerView, ApprovalView, ProposedFileView, StateSnapshot } from '../../protocol/hostTypes';
import { Commands } from '../commandIds';
import { plural } from '../../text/plural';
import { approvalHeadline } from '../format';
import { escapeControl, escapeControlKeepLines } from '../../text/displayText';
import type { HostSupervisor } from '../hostSupervisor';
import type { KernelState } from '../kernelState';
import { PROPOSED_SCHEME, proposedPath } from '../proposedPaths';

/** Button labels, shared by notifications, modals and tests. */
export const ApprovalChoice = { approve: 'Approve', deny: 'Deny', always: 'Always Allow for Agent', review: 'Review…', openAgent: 'Open Agent' } as const;

export class ApprovalCenter implements vscode.Disposable {
  private readonly pending = new Map<string, ApprovalView>();
  /** answered or closed, and how: a snapshot read before the answer must not bring them back, and a stale button says what happened */
  private readonly closedIds = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly supervisor: HostSupervisor,
    state: KernelState,
    private readonly workspaceRoot: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(state.onDidChange((snapshot) => this.reconcile(snapshot)));
  }

  /** Pending requests, oldest first. */
  list(): ApprovalView[] {
    return [...this.pending.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  get(id: string): ApprovalView | undefined {
    return this.pending.get(id);
  }

  /** The host asks: list it and prompt (the host does not wait for the prompt). */
  requested(view: ApprovalView): void {
    if (this.closedIds.has(view.id)) return;
    const isNew = !this.pending.has(view.id);
    this.pending.set(view.id, view);
    this.emitter.fire();
    if (isNew) void this.prompt(view);
  }

  /** How a request that is no longer pending ended ("approved", "timed out…"), or null when unknown. */
  whyClosed(id: string): string | null {
    return this.closedIds.get(id) ?? null;
  }

  /** "coder-1's request to edit src/greet.js was already answered (approved)." */
  staleMessage(id: string, view?: ApprovalView): string {
    const what = view ? `${escapeControl(view.agentName)}'s request to ${approvalHeadline(view)}` : 'That approval request';
    const how = this.whyClosed(id);
    if (how === null || /^(approved|denied|answered)/.test(how)) return `AIOS: ${what} was already answered${how ? ` (${how})` : ''}.`;
    return `AIOS: ${what} is no longer pending (${how}).`;
  }

  /** The host withdrew a request (answered, timed out, agent stopped). */
  closed(id: string, reason: ApprovalCloseReason): void {
    const view = this.pending.get(id);
    if (!this.closedIds.has(id)) this.forget(id, reason === 'timeout' ? 'no answer in time: counted as denied' : reason === 'agent_stopped' ? 'the agent stopped' : 'answered elsewhere');
    else this.forget(id, this.closedIds.get(id)!);
    if (view && reason !== 'answered') this.log.info(`approval ${id} (${escapeControl(view.agentName)}: ${approvalHeadline(view)}) closed: ${reason === 'timeout' ? 'no answer in time, counted as deny' : 'the agent stopped'}`);
  }

  /** Sends the developer's answer. */
  async answer(id: string, answer: ApprovalAnswerView): Promise<void> {
    const host = this.supervisor.current;
    const view = this.pending.get(id);
    if (!view) {
      void vscode.window.showInformationMessage(this.staleMessage(id));
      return;
    }
    if (!host) {
      void vscode.window.showWarningMessage('AIOS: the kernel host is not running, so the request cannot be answered now; it is asked again when the host is back.');
      return;
    }
    const what = answer.decision === 'deny' ? 'denied' : answer.remember ? `approved, and always allowed for ${escapeControl(view.agentName)}` : 'approved';
    this.log.info(`approval ${id} ${what}: ${escapeControl(view.agentName)}: ${approvalHeadline(view)}`);
    const { accepted } = await host.connection.sendRequest(toHost.answerApproval, { id, answer });
    this.forget(id, what);
    if (!accepted) void vscode.window.showInformationMessage(`AIOS: the request from ${escapeControl(view.agentName)} was no longer pending (it timed out or the agent stopped).`);
    else if (answer.decision === 'approve' && view.subject.kind === 'edit') {
      const files = view.subject.files.map((f) => f.path);
      void vscode.window.setStatusBarMessage(`$(check) AIOS: ${escapeControl(view.agentName)}'s edit approved: ${files.length === 1 ? escapeControl(files[0]) : plural(files.length, 'file')}`, 5000);
    }
  }

  /** Shows a request: the diff for a change, a modal with the full command otherwise. */
  async open(id: string): Promise<void> {
    const view = this.pending.get(id);
    if (!view) {
      void vscode.window.showInformationMessage('That approval request is no longer pending.');
      return;
    }
    if (view.subject.kind === 'edit') await this.showDiff(view, false);
    else await this.showModal(view);
  }

  /** The proposed content behind a virtual document, or null when the request is gone. */
  content(requestId: string, side: 'before' | 'after', file: string): string | null {
    const view = this.pending.get(requestId);
    if (view?.subject.kind !== 'edit') return null;
    const f = view.subject.files.find((x) => x.path === file);
    if (!f) return null;
    // Binary, large, special or refused files: what the diff says they are (type, size, sha256, why refused).
    return (side === 'before' ? f.before : f.after) ?? `(no text to show)\n${escapeControlKeepLines(f.diff)}`;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
  }

  private async prompt(view: ApprovalView): Promise<void> {
    try {
      if (view.subject.kind === 'edit') await this.showDiff(view, true);
      const choices: string[] = view.subject.kind === 'edit' ? [ApprovalChoice.approve, ApprovalChoice.deny] : [ApprovalChoice.review, ApprovalChoice.approve, ApprovalChoice.deny];
      if (view.rememberable) choices.push(ApprovalChoice.always);
      // at most four buttons fit a toast: commands already have four (Review… shows the agent)
      if (choices.length < 4) choices.push(ApprovalChoice.openAgent);
      const covers = view.rememberable && view.ruleCovers ? ` · "${ApprovalChoice.always}" allows ${escapeControl(view.ruleCovers)}` : '';
      const message = `AIOS: ${escapeControl(view.agentName)} asks to ${view.tool === 'apply_changes' ? 'apply ' : ''}${approvalHeadline(view)} · ${view.risk} risk${covers}`;
      const choice = await vscode.window.showInformationMessage(message, ...choices);
      if (!choice) return;
      if (choice === ApprovalChoice.openAgent) {
        await vscode.commands.executeCommand(Commands.openAgent, view.pid);
        return;
      }
      if (!this.pending.has(view.id)) {
        void vscode.window.showInformationMessage(this.staleMessage(view.id, view));
        return;
      }
      if (choice === ApprovalChoice.review) await this.showModal(view);
      else await this.answer(view.id, answerFor(choice));
    } catch (err) {
      this.log.error(`approval ${view.id}: ${(err as Error).message}`);
    }
  }

  private async showModal(view: ApprovalView): Promise<void> {
    const s = view.subject;
    const what = s.kind === 'command' ? `Command: ${escapeControl(s.command)}\nWorking directory: ${escapeControl(s.cwd)}` : s.kind === 'tool' ? `Input: ${escapeControlKeepLines(JSON.stringify(s.input, null, 2))}` : escapeControl(s.summary);
    const rule = view.rememberable && view.ruleCovers ? `\n\n"${ApprovalChoice.always}" allows, without asking again: ${escapeControl(view.ruleCovers)}` : '';
    const detail = `${what}\n\nAgent: ${escapeControl(view.agentName)} (pid ${view.pid})\nTool: ${view.tool}\nRisk: ${view.risk}${rule}`;
    const choices: string[] = [ApprovalChoice.approve, ...(view.rememberable ? [ApprovalChoice.always] : []), ApprovalChoice.deny];
    const title = s.kind === 'command' ? `${escapeControl(view.agentName)} wants to run a command` : `${escapeControl(view.agentName)} wants to use ${view.tool}`;
    const choice = await vscode.window.showWarningMessage(title, { modal: true, detail }, ...choices);
    if (choice && !this.pending.has(view.id)) void vscode.window.showInformationMessage(this.staleMessage(view.id, view));
    else if (choice) await this.answer(view.id, answerFor(choice));
  }

  private async showDiff(view: ApprovalView, preserveFocus: boolean): Promise<void> {
    if (view.subject.kind !== 'edit') return;
    const files = view.subject.files;
    if (files.length === 1) {
      const f = files[0]!;
      await vscode.commands.executeCommand('vscode.diff', this.left(view, f), this.right(view, f), diffTitle(view, f), { preview: false, preserveFocus });
      return;
    }
    const resources = files.map((f) => [vscode.Uri.joinPath(this.workspaceRoot, f.path), this.left(view, f), this.right(view, f)]);
    await vscode.commands.executeCommand('vscode.changes', changesTitle(view), resources);
  }

  /** The current file, or empty proposed content for an added file. */
  private left(view: ApprovalView, f: ProposedFileView): vscode.Uri {
    if (f.status === 'added') return proposedUri(view.id, 'before', f.path);
    return vscode.Uri.joinPath(this.workspaceRoot, f.path);
  }

  private right(view: ApprovalView, f: ProposedFileView): vscode.Uri {
    return proposedUri(view.id, 'after', f.path);
  }

  /** Snapshots list what is pending in the host: add what we missed; clear all when the host is gone. */
  private reconcile(snapshot: StateSnapshot | null): void {
    if (!snapshot) {
      // not answered: the next host asks again, under a new id
      for (const id of [...this.pending.keys()]) this.forget(id, 'the kernel host stopped before an answer; it asks again when it is back');
      return;
    }
    let added = false;
    for (const a of snapshot.approvals) {
      if (this.pending.has(a.id) || this.closedIds.has(a.id)) continue;
      this.pending.set(a.id, a);
      added = true;
    }
    if (added) this.emitter.fire();
  }

  private forget(id: string, how: string): void {
    const view = this.pending.get(id);
    this.closedIds.set(id, how);
    if (this.closedIds.size > 1000) this.closedIds.delete(this.closedIds.keys().next().value as string);
    if (!this.pending.delete(id)) return;
    this.emitter.fire();
    void this.closeEditors(view!);
  }

  private async closeEditors(view: ApprovalView): Promise<void> {
    const title = changesTitle(view);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((tab) => {
      const input = tab.input;
      if (input instanceof vscode.TabInputTextDiff) return isProposal(input.modified, view.id) || isProposal(input.original, view.id);
      if (input instanceof vscode.TabInputText) return isProposal(input.uri, view.id);
      return tab.label === title;
    });
    if (tabs.length) await vscode.window.tabGroups.close(tabs, true).then(undefined, () => undefined);
  }
}

function answerFor(choice: string): ApprovalAnswerView {
  if (choice === ApprovalChoice.deny) return { decision: 'deny', reason: null };
  return { decision: 'approve', remember: choice === ApprovalChoice.always ? 'agent' : null, files: null };
}

export function proposedUri(requestId: string, side: 'before' | 'after', file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: proposedPath({ requestId, side, file }) });
}

function isProposal(uri: vscode.Uri, id: string): boolean {
  return uri.scheme === PROPOSED_SCHEME && uri.path.startsWith(`/${encodeURIComponent(id)}/`);
}

function diffTitle(view: ApprovalView, f: ProposedFileView): string {
  const what = f.status === 'added' ? 'new file' : f.status === 'deleted' ? 'deleted' : 'current ↔ proposed';
  return `${escapeControl(f.path)} (${what} by ${escapeControl(view.agentName)})`;
}

function changesTitle(view: ApprovalView): string {
  return `Changes proposed by ${escapeControl(view.agentName)} (${view.id})`;
}
