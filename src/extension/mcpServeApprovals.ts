/**
 * The editor's side of approvals for agents run by `aios mcp serve` on behalf of the editor's
 * agent mode: a socket in a private folder (0700) that the offered server connects to, and a
 * modal per request with everything needed to decide. The calling model never sees these.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { escapeControl, escapeControlKeepLines } from '../text/displayText';
import type { ApprovalAnswerView, ApprovalView } from '../protocol/hostTypes';
import { toEditor } from '../protocol/serveMethods';

/** Listens for approval requests of served agents; `path` goes to `aios mcp serve --approvals-socket`. */
export class ServeApprovals implements vscode.Disposable {
  readonly path: string;
  private readonly dir: string;
  private readonly server: Server;

  constructor(log: vscode.LogOutputChannel) {
    // mkdtemp creates the folder 0700: only this user can reach the socket inside
    this.dir = mkdtempSync(join(tmpdir(), 'aios-mcp-'));
    this.path = join(this.dir, 'approvals.sock');
    this.server = createServer((socket) => {
      const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
      connection.onRequest(toEditor.approval, (view, token) => ask(view, token));
      connection.onClose(() => connection.dispose());
      connection.listen();
    });
    this.server.on('error', (err) => log.error(`MCP approvals socket: ${err.message}`));
    this.server.listen(this.path);
  }

  dispose(): void {
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ask(view: ApprovalView, token: vscode.CancellationToken): Promise<ApprovalAnswerView> {
  const s = view.subject;
  const what = s.kind === 'command' ? `Command: ${s.command}\nIn: ${s.cwd}`
    : s.kind === 'tool' ? `Input: ${JSON.stringify(s.input, null, 2)}`
    : s.files.map((f) => `${f.status} ${f.path}\n${f.diff}`).join('\n');
  const detail = escapeControlKeepLines(`${s.summary}\n\n${what}\n\nAgent ${view.pid} (${view.agentName}) was started through MCP by the editor's agent mode. Risk: ${view.risk}.`);
  const approve = 'Approve';
  const deny = 'Deny';
  const choice = await Promise.race([
    vscode.window.showWarningMessage(`AIOS agent ${escapeControl(view.agentName)} wants to use ${escapeControl(view.tool)}`, { modal: true, detail }, approve, deny),
    new Promise<undefined>((resolve) => token.onCancellationRequested(() => resolve(undefined))),
  ]);
  return choice === approve ? { decision: 'approve', remember: null, files: null } : { decision: 'deny', reason: choice === deny ? null : 'the prompt was dismissed' };
}
