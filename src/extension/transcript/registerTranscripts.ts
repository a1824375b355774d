/** Wires the transcript tabs: the panels, `AIOS: Open Agent`, question and budget notices. */
import * as vscode from 'vscode';
import { toHost } from '../../protocol/hostMethods';
import type { ApprovalCenter } from '../approvals/approvalCenter';
import { Commands } from '../commandIds';
import { agentDescription } from '../format';
import type { HostSupervisor } from '../hostSupervisor';
import type { KernelState } from '../kernelState';
import { AgentNode } from '../views/agentsView';
import { ApprovalNode } from '../views/approvalsView';
import { AgentNotices } from './agentNotices';
import { TranscriptPanels } from './transcriptPanels';

/** What the transcripts are wired from. */
export interface TranscriptWiring {
  extensionUri: vscode.Uri;
  supervisor: HostSupervisor;
  state: KernelState;
  center: ApprovalCenter;
  workspaceRoot: vscode.Uri;
  log: vscode.LogOutputChannel;
}

export function registerTranscripts(w: TranscriptWiring): { panels: TranscriptPanels; notices: AgentNotices; disposables: vscode.Disposable[] } {
  const panels = new TranscriptPanels(w);
  const notices = new AgentNotices({
    openAgent: (pid) => panels.open(pid),
    answer: async (questionId, answer) => (await (await w.supervisor.whenRunning()).connection.sendRequest(toHost.answerQuestion, { questionId, answer })).accepted,
  });
  const disposables: vscode.Disposable[] = [
    panels,
    w.supervisor.onDidChangeStatus((s) => panels.hostStatus(s)),
    w.state.onDidChange((snapshot) => notices.budgets(snapshot)),
    vscode.commands.registerCommand(Commands.openAgent, async (arg?: unknown) => {
      const pid = await pickAgent(w.state, arg);
      if (pid !== undefined) panels.open(pid);
    }),
  ];
  return { panels, notices, disposables };
}

/** The agent a command names: a pid, a tree node, an approval, or one picked from all agents. */
async function pickAgent(state: KernelState, arg: unknown): Promise<number | undefined> {
  if (typeof arg === 'number') return arg;
  if (arg instanceof AgentNode) return arg.agent.pid;
  if (arg instanceof ApprovalNode) return arg.approval.pid;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { pid?: unknown }).pid === 'number') return (arg as { pid: number }).pid;
  const agents = state.snapshot?.agents ?? [];
  if (agents.length === 0) {
    void vscode.window.showInformationMessage('No agents yet: spawn one with "AIOS: Spawn Agent".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    [...agents].reverse().map((a) => ({ label: a.name, description: agentDescription(a), detail: a.task, pid: a.pid })),
    { placeHolder: 'Open the transcript of which agent?', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.pid;
}
