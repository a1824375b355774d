/** The Tools view: the sandbox status, the developer's MCP servers, the tool registry with risk and capabilities, the standing rules. */
import * as vscode from 'vscode';
import { escapeControl } from '../../text/displayText';
import type { RiskLevel, RuleView, SandboxStatusView, ToolView } from '../../protocol/hostTypes';
import type { McpServerView } from '../../protocol/mcpTypes';
import { Commands } from '../commandIds';
import type { KernelState } from '../kernelState';
import { GroupNode, MessageNode, NodeTreeProvider, type TreeNode } from './nodeTree';

const RISK_COLOR: Record<RiskLevel, string> = { low: 'charts.green', medium: 'charts.yellow', high: 'charts.orange', critical: 'charts.red' };

class ToolNode implements TreeNode {
  constructor(private readonly tool: ToolView, private readonly note: string | null) {}

  treeItem(): vscode.TreeItem {
    const t = this.tool;
    const item = new vscode.TreeItem(t.name);
    item.id = `tool-${t.name}`;
    item.description = `${t.risk} risk · ${t.capabilities.join(', ') || 'no capabilities'}${this.note ? ` · ${this.note}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('symbol-method', new vscode.ThemeColor(RISK_COLOR[t.risk]));
    // an MCP server's description is the server's text, not ours: shown escaped
    item.tooltip = `${escapeControl(t.description)}\n\nRisk: ${t.risk}. Needs: ${t.capabilities.join(', ') || 'nothing'}.`;
    item.contextValue = 'tool';
    return item;
  }
}

/** A standing rule; Remove Rule receives it. */
export class RuleNode implements TreeNode {
  constructor(readonly rule: RuleView, private readonly agentName: string | null) {}

  treeItem(): vscode.TreeItem {
    const r = this.rule;
    const item = new vscode.TreeItem(`${r.tool}: ${r.pattern ?? 'any input'}`);
    item.id = `rule-${r.id}`;
    const scope = r.scope === 'agent' ? `for ${this.agentName ?? `agent ${r.pid}`}` : r.scope === 'session' ? 'this session' : 'always';
    item.description = `allow · ${scope}${r.expiresAt ? ` · until ${new Date(r.expiresAt).toLocaleTimeString()}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('law');
    item.tooltip = `Calls of ${r.tool} matching ${r.pattern ?? 'any input'} are allowed without asking (${scope}). Remove the rule to be asked again.`;
    item.contextValue = 'rule';
    return item;
  }
}

class SandboxNode implements TreeNode {
  constructor(private readonly status: SandboxStatusView) {}

  treeItem(): vscode.TreeItem {
    const s = this.status;
    const item = new vscode.TreeItem('Sandbox');
    item.id = 'sandbox';
    item.contextValue = `sandbox.${s.status}`;
    switch (s.status) {
      case 'ready':
        item.description = `ready · ${s.image}`;
        item.iconPath = new vscode.ThemeIcon('vm-active', new vscode.ThemeColor('charts.green'));
        item.tooltip = `run_command runs in Docker (${s.engine}) with image ${s.image}; what a command changes is proposed as a diff.`;
        break;
      case 'checking':
        item.description = 'checking Docker…';
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        break;
      case 'disabled':
        item.description = 'off (aios.sandbox.enabled)';
        item.iconPath = new vscode.ThemeIcon('vm-outline');
        item.tooltip = 'Code actions are turned off: run_command is not offered to agents.';
        break;
      case 'unavailable':
        item.description = sandboxProblem(s.message);
        item.iconPath = new vscode.ThemeIcon('vm-outline', new vscode.ThemeColor('charts.orange'));
        item.tooltip = `${s.message}\n\nEverything else works; run_command returns this error. Click to build the sandbox image once Docker runs.`;
        item.command = { command: Commands.buildSandboxImage, title: 'Build Sandbox Image' };
        break;
    }
    return item;
  }
}

/** One MCP server: its state, where it came from, what runs; restart / disable / enable act on it. */
export class McpServerNode implements TreeNode {
  constructor(readonly server: McpServerView, private readonly tools: TreeNode[]) {}

  treeItem(): vscode.TreeItem {
    const s = this.server;
    const st = s.state;
    const item = new vscode.TreeItem(escapeControl(s.name), this.tools.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `mcp-${s.name}`;
    item.contextValue = `mcpServer.${st.status}`;
    const [description, icon, color, detail] =
      st.status === 'ready' ? [`ready · ${st.tools} tools`, 'plug', 'charts.green', `Its tools are offered to agents as ${s.name}__<tool>.`]
      : st.status === 'starting' ? ['starting…', 'loading~spin', null, 'Connecting and listing its tools.']
      : st.status === 'idle' ? ['starts when an agent needs it', 'plug', null, 'Servers start on first need, so they do not slow the editor down.']
      : st.status === 'restarting' ? ['restarting…', 'debug-restart', 'charts.yellow', `It stopped: ${st.error}`]
      : st.status === 'failed' ? [`failed: ${st.error}`, 'error', 'charts.red', `It failed: ${st.error}`]
      : st.status === 'blocked' ? ['not started', 'shield', 'charts.orange', st.reason]
      : ['disabled', 'circle-slash', null, 'Disabled: its tools are not offered. Enable it from the context menu.'];
    item.description = escapeControl(description);
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const allow = s.alwaysAllow.length ? `\nAllowed without asking (alwaysAllow): ${s.alwaysAllow.join(', ')}` : '';
    item.tooltip = `${escapeControl(detail)}\n\nFrom: ${escapeControl(s.origin)}\n${s.transport}: ${escapeControl(s.target)}${allow}`;
    return item;
  }

  children(): TreeNode[] {
    return this.tools;
  }
}

/** A few words for the description; the tooltip has the whole message. */
function sandboxProblem(message: string): string {
  if (/not reachable/i.test(message)) return 'off: no Docker engine';
  if (/image .* not found/i.test(message)) return 'off: image missing';
  return 'off: see tooltip';
}

export function createToolsView(state: KernelState): { provider: NodeTreeProvider; view: vscode.TreeView<TreeNode> } {
  const provider = new NodeTreeProvider(() => {
    const snapshot = state.snapshot;
    if (!snapshot) return [];
    const names = new Map(snapshot.agents.map((a) => [a.pid, a.name]));
    const sandboxNote = snapshot.sandbox.status === 'unavailable' ? 'Docker unavailable' : null;
    const servers = snapshot.mcpServers ?? [];
    // an MCP server's tools are listed under the server, AIOS's own under Tools
    const fromMcp = new Set(servers.flatMap((s) => s.tools));
    const toolNode = (t: ToolView) => new ToolNode(t, t.name === 'run_command' ? sandboxNote : null);
    const builtIn = snapshot.tools.filter((t) => !fromMcp.has(t.name));
    const tools = builtIn.map(toolNode);
    const rules: TreeNode[] = snapshot.rules.length
      ? snapshot.rules.map((r) => new RuleNode(r, r.pid === null ? null : names.get(r.pid) ?? null))
      : [new MessageNode('None yet', 'info', 'A standing rule lets an agent repeat an approved kind of call without asking. "Always Allow for Agent" on an approval creates one; remove it here.')];
    const mcp: TreeNode[] = servers.length
      ? servers.map((s) => new McpServerNode(s, snapshot.tools.filter((t) => s.tools.includes(t.name)).map(toolNode)))
      : [new MessageNode('None configured', 'info', 'Add .vscode/mcp.json ("servers") or .aios/mcp.json ("mcpServers", the Cline shape) to the workspace, or aios.mcp.servers to your settings: their tools become agent tools.')];
    return [
      new SandboxNode(snapshot.sandbox),
      new GroupNode('mcp', 'MCP servers', `${servers.length}`, 'plug', mcp),
      new GroupNode('tools', 'Tools', `${builtIn.length}`, 'tools', tools),
      new GroupNode('rules', 'Standing rules', `${snapshot.rules.length}`, 'law', rules),
    ];
  });
  return { provider, view: vscode.window.createTreeView('aios.tools', { treeDataProvider: provider }) };
}
