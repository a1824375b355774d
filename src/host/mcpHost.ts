/**
 * The kernel host's MCP wiring: the developer's servers for the session (launch approvals and
 * inputs are asked in the extension), the Tools view's actions, and the servers' wire form.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import type { McpManager } from '../mcp/manager';
import { toExtension, toHost } from '../protocol/hostMethods';
import type { McpServerView, McpSettings } from '../protocol/mcpTypes';
import type { SessionOptions } from '../session/kernelSession';

/** The session's MCP options from the initialize request; null settings: no MCP. */
export function mcpSessionOptions(settings: McpSettings | undefined, connection: MessageConnection, changed: () => void): SessionOptions['mcp'] {
  if (!settings) return false;
  return {
    trusted: settings.trusted,
    userServers: settings.userServers,
    launch: { approve: async (r) => (await connection.sendRequest(toExtension.approveMcpLaunch, r)).approved },
    ask: async (spec) => (await connection.sendRequest(toExtension.mcpInput, spec)).value,
    onChange: changed,
  };
}

/** Restart / disable / enable from the Tools view, and new user-level servers from settings. */
export function registerMcpHandlers(connection: Pick<MessageConnection, 'onRequest'>, manager: () => McpManager | null, changed: () => void): void {
  const need = () => {
    const m = manager();
    if (!m) throw new Error('MCP servers are not available in this kernel session');
    return m;
  };
  connection.onRequest(toHost.mcpServer, async ({ name, action }) => {
    const m = need();
    if (action === 'restart') await m.restart(name);
    else await m.setDisabled(name, action === 'disable');
    changed();
  });
  connection.onRequest(toHost.configureMcp, ({ userServers }) => {
    need().setUserServers(userServers);
    changed();
  });
}

/** The servers as the Tools view shows them. */
export function mcpServerViews(manager: McpManager | null): McpServerView[] {
  return manager ? manager.list().map(({ pid: _pid, ...view }) => view) : [];
}
