/**
 * Notifications about one agent that lead to its transcript: a question it asks (answer right in
 * the notification, or in the transcript), and a budget at 80 % (once per agent and budget).
 */
import * as vscode from 'vscode';
import { escapeControl } from '../../text/displayText';
import type { StateSnapshot } from '../../protocol/hostTypes';
import type { QuestionView } from '../../protocol/transcript';
import { budgetWarnings } from './transcriptText';

/** What the notices need. */
export interface AgentNoticeDeps {
  openAgent: (pid: number) => void;
  /** sends the answer; false when the question is no longer waiting */
  answer: (questionId: string, text: string) => Promise<boolean>;
}

export class AgentNotices {
  private readonly warned = new Set<string>();

  constructor(private readonly deps: AgentNoticeDeps) {}

  async question(q: QuestionView): Promise<void> {
    const choice = await vscode.window.showInformationMessage(`AIOS: ${escapeControl(q.agentName)} asks: ${escapeControl(q.text)}`, 'Answer…', 'Open Agent');
    if (choice === 'Open Agent') this.deps.openAgent(q.pid);
    if (choice !== 'Answer…') return;
    const text = await vscode.window.showInputBox({ title: `AIOS: answer ${escapeControl(q.agentName)}`, prompt: escapeControl(q.text), ignoreFocusOut: true, validateInput: (v) => (v.trim() ? null : 'Type an answer') });
    if (text === undefined) return;
    if (!(await this.deps.answer(q.questionId, text))) void vscode.window.showInformationMessage(`That question of ${escapeControl(q.agentName)} is no longer waiting.`);
  }

  /** One warning per agent and budget when it reaches 80 %. */
  budgets(snapshot: StateSnapshot | null): void {
    if (!snapshot) return;
    for (const a of snapshot.agents) {
      for (const w of budgetWarnings(a)) {
        const key = `${a.pid}:${w.budget}:${w.limit}`;
        if (this.warned.has(key)) continue;
        this.warned.add(key);
        const fmt = (n: number) => (w.budget === 'dollars' ? `$${n.toFixed(4)}` : n.toLocaleString('en-US'));
        void vscode.window.showWarningMessage(`AIOS: ${escapeControl(a.name)} has used ${w.percent}% of its ${w.budget} budget (${fmt(w.used)} of ${fmt(w.limit)}).`, 'Open Agent')
          .then((c) => { if (c === 'Open Agent') this.deps.openAgent(a.pid); });
      }
    }
  }
}
