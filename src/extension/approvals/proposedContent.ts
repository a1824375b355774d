/** Serves the `aios-proposed:` documents the approval diffs show (read-only, from pending requests). */
import type * as vscode from 'vscode';
import { parseProposedPath } from '../proposedPaths';
import type { ApprovalCenter } from './approvalCenter';

export class ProposedContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly center: ApprovalCenter) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = parseProposedPath(uri.path);
    if (!ref) return `Not an AIOS proposal: ${uri.toString()}`;
    return this.center.content(ref.requestId, ref.side, ref.file) ?? `This proposal (${ref.requestId}) is no longer pending: it was answered, timed out, or its agent stopped.\n`;
  }
}
