/**
 * The Agents view: the process tree with state icons, priority and step, usage in the tooltip.
 * Nodes live as long as their agents, so a context-menu command always gets its node; a change
 * of some agents refreshes only their rows, and only a change of the tree's shape redraws it all.
 */
import * as vscode from 'vscode';
import type { AgentView, StateSnapshot } from '../../protocol/hostTypes';
import { buildAgentForest, type AgentTreeEntry } from '../agentForest';
import { agentContextValue, agentDescription, agentTooltip, stateIcon } from '../format';
import { themeIcon } from './nodeTree';
import { Commands } from '../commandIds';

/** One agent; commands receive it from the view's menus. */
export class AgentNode {
  children: AgentNode[] = [];
  private json: string;

  constructor(public agent: AgentView) {
    this.json = JSON.stringify(agent);
  }

  /** Takes new data; true when something shown changed. */
  update(agent: AgentView): boolean {
    const json = JSON.stringify(agent);
    this.agent = agent;
    if (json === this.json) return false;
    this.json = json;
    return true;
  }

  treeItem(): vscode.TreeItem {
    const a = this.agent;
    const item = new vscode.TreeItem(a.name, this.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `agent-${a.pid}`;
    item.description = agentDescription(a);
    item.iconPath = themeIcon(stateIcon(a));
    item.tooltip = new vscode.MarkdownString(agentTooltip(a));
    item.contextValue = agentContextValue(a);
    item.accessibilityInformation = { label: `${a.name}, ${agentDescription(a)}` };
    item.command = { command: Commands.openAgent, title: 'Open Agent', arguments: [a.pid] };
    return item;
  }
}

/** Timing hook: called after each full render of the root (the first one, and refreshes). */
export interface AgentsViewTiming {
  rendered(agents: number): void;
}

export class AgentsTreeProvider implements vscode.TreeDataProvider<AgentNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<AgentNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private nodes = new Map<number, AgentNode>();
  private roots: AgentNode[] = [];
  /** display order and nesting of the pids shown; NO_STATE while the host is down */
  private shape = NO_STATE;
  private count = -1;

  constructor(private readonly timing: AgentsViewTiming) {}

  /** New state from the kernel (null: the host is down). `redraw` forces a full refresh. */
  update(snapshot: StateSnapshot | null, redraw = false): void {
    if (!snapshot) {
      this.nodes.clear();
      this.roots = [];
      this.shape = NO_STATE;
      this.count = -1;
      this.emitter.fire(undefined);
      return;
    }
    const changed: AgentNode[] = [];
    const next = new Map<number, AgentNode>();
    const build = (entries: AgentTreeEntry[]): AgentNode[] =>
      entries.map((e) => {
        let node = this.nodes.get(e.agent.pid);
        if (!node) node = new AgentNode(e.agent);
        else if (node.update(e.agent)) changed.push(node);
        node.children = build(e.children);
        next.set(e.agent.pid, node);
        return node;
      });
    const forest = buildAgentForest(snapshot.agents);
    this.roots = build(forest);
    this.nodes = next;
    this.count = snapshot.agents.length;
    const shape = shapeOf(forest);
    if (redraw || shape !== this.shape) {
      this.shape = shape;
      this.emitter.fire(undefined);
    } else if (changed.length) {
      this.emitter.fire(changed);
    }
  }

  getTreeItem(node: AgentNode): vscode.TreeItem {
    return node.treeItem();
  }

  getChildren(node?: AgentNode): AgentNode[] {
    if (node) return node.children;
    this.timing.rendered(this.count);
    return this.roots;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

const NO_STATE = 'no state';

/** Pids in display order with nesting: equal shapes need no full redraw. */
function shapeOf(entries: AgentTreeEntry[]): string {
  return entries.map((e) => (e.children.length ? `${e.agent.pid}(${shapeOf(e.children)})` : `${e.agent.pid}`)).join(',');
}

export function createAgentsView(timing: AgentsViewTiming): { provider: AgentsTreeProvider; view: vscode.TreeView<AgentNode> } {
  const provider = new AgentsTreeProvider(timing);
  const view = vscode.window.createTreeView('aios.agents', { treeDataProvider: provider, showCollapseAll: true });
  return { provider, view };
}
