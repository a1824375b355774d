/**
 * Between `aios mcp serve` started by the editor (for its agent mode) and the AIOS extension: the
 * served agents' approvals go to the developer in VS Code over a private local socket, never to
 * the model that called the server.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ApprovalAnswerView, ApprovalView } from './hostTypes';

export const toEditor = {
  /** asks the developer; answered when they decide (or deny when the prompt is dismissed) */
  approval: new RequestType<ApprovalView, ApprovalAnswerView, void>('aios/serveApproval'),
} as const;
