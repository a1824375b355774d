/**
 * Approvals of `aios mcp serve` agents asked in VS Code: the extension that started the server
 * listens on a private socket (`--approvals-socket`); each request waits for the developer there.
 */
import { connect, type Socket } from 'node:net';
import { CancellationTokenSource, createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest } from '../kernel/ports/approvals';
import type { ApprovalView, JsonValue } from '../protocol/hostTypes';
import { toEditor } from '../protocol/serveMethods';

/** An ApprovalClient whose answers come from the editor over a local socket. */
export class SocketApprovals implements ApprovalClient {
  private connection: Promise<MessageConnection> | null = null;
  private socket: Socket | null = null;

  constructor(private readonly path: string) {}

  async ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    let connection: MessageConnection;
    try {
      connection = await this.connect();
    } catch (err) {
      this.connection = null;
      return { decision: 'deny', reason: `the editor could not be asked (${(err as Error).message}): reload the window to reconnect` };
    }
    const cancel = new CancellationTokenSource();
    const onAbort = () => cancel.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const a = await connection.sendRequest(toEditor.approval, toApprovalView(request), cancel.token);
      if (a.decision === 'deny') return { decision: 'deny', reason: a.reason };
      return a.files ? { decision: 'approve', remember: a.remember, files: a.files } : { decision: 'approve', remember: a.remember };
    } finally {
      signal.removeEventListener('abort', onAbort);
      cancel.dispose();
    }
  }

  close(): void {
    this.socket?.destroy();
  }

  private connect(): Promise<MessageConnection> {
    this.connection ??= new Promise((resolve, reject) => {
      const socket = connect(this.path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        this.socket = socket;
        const c = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
        c.onClose(() => { this.connection = null; });
        c.listen();
        resolve(c);
      });
    });
    return this.connection;
  }
}

/** The wire form of a request (as the kernel host sends it; the CLI may not import the host). */
function toApprovalView(r: ApprovalRequest): ApprovalView {
  const s = r.subject;
  const subject: ApprovalView['subject'] = s.kind === 'edit' ? { kind: 'edit', summary: s.summary, files: s.files.map((f) => ({ ...f })) }
    : s.kind === 'command' ? { kind: 'command', summary: s.summary, command: s.command, cwd: s.cwd }
    : { kind: 'tool', summary: s.summary, input: (JSON.parse(JSON.stringify(s.input ?? null)) as JsonValue) };
  return { id: r.id, pid: r.pid, agentName: r.agentName, tool: r.tool, risk: r.risk, subject, createdAt: r.createdAt, rememberable: false, ruleCovers: null };
}
