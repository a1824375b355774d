/**
 * MCP in the editor, both ways: the kernel host asks here before a workspace-defined server
 * starts (a modal with the exact command line, remembered per workspace until the line changes)
 * and for `${input:ID}` values; the Tools view's restart / disable / enable; and, where the
 * editor has `vscode.lm.registerMcpServerDefinitionProvider`, AIOS offered as an MCP server to
 * the editor's own agent mode.
 */
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { MessageConnection } from 'vscode-jsonrpc';
import { toExtension, toHost } from '../protocol/hostMethods';
import { escapeControl } from '../text/displayText';
import type { McpLaunchView, McpServerAction, McpServerView } from '../protocol/mcpTypes';
import { Commands } from './commandIds';
import { guardedCommand } from './commands/guardedCommand';
import type { HostSupervisor } from './hostSupervisor';

const APPROVED_KEY = 'aios.mcp.approvedLaunches';

/** The key of one approval: workspace, server, exact command line (the CLI uses the same). */
function launchKey(r: McpLaunchView): string {
  return createHash('sha256').update(JSON.stringify([r.workspace, r.server, r.commandLine])).digest('hex');
}

/** The extension's answers to the host's MCP requests; bind them to each new connection. */
export function bindMcpRequests(connection: MessageConnection, memory: vscode.Memento, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    connection.onRequest(toExtension.approveMcpLaunch, async (r) => {
      const approved = memory.get<string[]>(APPROVED_KEY, []);
      const key = launchKey(r);
      if (approved.includes(key)) return { approved: true };
      const start = 'Start Server';
      const answer = await vscode.window.showWarningMessage(
        `Start the MCP server '${escapeControl(r.server)}' from ${escapeControl(r.file)}?`,
        { modal: true, detail: `It runs on this machine with your rights:\n\n${escapeControl(r.commandLine)}\n\nAIOS asks again if this line changes. Its tools are still approved call by call.` },
        start,
      );
      const yes = answer === start;
      log.info(`MCP server '${r.server}' from ${r.file}: start ${yes ? 'approved' : 'refused'}`);
      if (yes) await memory.update(APPROVED_KEY, [...approved.filter((k) => k !== key), key].slice(-500));
      return { approved: yes };
    }),
    connection.onRequest(toExtension.mcpInput, async (spec) => {
      const value = await vscode.window.showInputBox({ title: `AIOS: MCP input '${spec.id}'`, prompt: spec.description, password: spec.password, ignoreFocusOut: true });
      return { value: value === undefined || value === '' ? null : value };
    }),
  ];
}

/** Restart / Disable / Enable MCP Server (from a Tools view node or the palette). */
export function registerMcpCommands(supervisor: HostSupervisor, servers: () => McpServerView[], log: vscode.LogOutputChannel): vscode.Disposable[] {
  const act = (action: McpServerAction) => async (node?: unknown) => {
    const name = nameOf(node) ?? (await vscode.window.showQuickPick(servers().map((s) => s.name), { placeHolder: `MCP server to ${action}` }));
    if (!name) return;
    const host = await supervisor.whenRunning();
    await host.connection.sendRequest(toHost.mcpServer, { name, action });
  };
  return [
    guardedCommand(log, Commands.restartMcpServer, act('restart')),
    guardedCommand(log, Commands.disableMcpServer, act('disable')),
    guardedCommand(log, Commands.enableMcpServer, act('enable')),
  ];
}

function nameOf(node: unknown): string | null {
  const server = (node as { server?: McpServerView } | undefined)?.server;
  return server?.name ?? null;
}

/** What the editor's agent mode runs to reach AIOS over MCP. */
export interface AiosServerLaunch {
  node: string;
  cli: string;
  workspace: string;
  /** a database of its own: the kernel host holds the view's database */
  dbPath: string;
  /** where its agents' approvals are asked (ServeApprovals) */
  approvalsSocket: string;
}

/**
 * Offers `aios mcp serve` to the editor's agent mode where the editor has the API (feature-
 * detected: older VS Code and code-server do not). Returns null when it is not there.
 */
export function offerAiosServer(launch: () => AiosServerLaunch | null, log: vscode.LogOutputChannel): vscode.Disposable | null {
  const lm = vscode.lm as unknown as { registerMcpServerDefinitionProvider?: (id: string, provider: unknown) => vscode.Disposable };
  const Stdio = (vscode as unknown as { McpStdioServerDefinition?: new (label: string, command: string, args: string[], env?: Record<string, string>) => unknown }).McpStdioServerDefinition;
  if (typeof lm.registerMcpServerDefinitionProvider !== 'function' || !Stdio) {
    log.info('this editor has no MCP server definition API: AIOS is not offered to its agent mode (run `aios mcp serve` from its MCP configuration instead)');
    return null;
  }
  const changed = new vscode.EventEmitter<void>();
  const registration = lm.registerMcpServerDefinitionProvider('aios.mcpServer', {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const l = launch();
      if (!l) return [];
      // ELECTRON_RUN_AS_NODE: on VS Code desktop the extension host's runtime is Electron
      return [new Stdio('AIOS agents', l.node, [l.cli, 'mcp', 'serve', '--workspace', l.workspace, '--db', l.dbPath, '--approvals-socket', l.approvalsSocket], { ELECTRON_RUN_AS_NODE: '1' })];
    },
  });
  log.info('AIOS is offered as an MCP server to the editor\'s agent mode');
  return vscode.Disposable.from(registration, changed);
}
