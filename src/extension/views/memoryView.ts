/** The Memory view: the global limit, then each live agent's quota use, most pressure first. */
import * as vscode from 'vscode';
import type { MemoryAccountView, MemoryView } from '../../protocol/hostTypes';
import { formatPercent, formatTokens, memoryAccountDescription, pressureIcon } from '../format';
import type { KernelState } from '../kernelState';
import { NodeTreeProvider, themeIcon, type TreeNode } from './nodeTree';
import { plural } from '../../text/plural';
import { formatBytes } from '../../text/bytes';

class GlobalMemoryNode implements TreeNode {
  constructor(private readonly memory: MemoryView) {}

  treeItem(): vscode.TreeItem {
    const m = this.memory;
    const item = new vscode.TreeItem('All agents');
    item.id = 'memory-global';
    item.description = `${formatPercent(m.used, m.globalLimit)} · ${formatBytes(m.used)} / ${formatBytes(m.globalLimit)} limit`;
    const pressure = pressureIcon(m.used, m.globalLimit);
    item.iconPath = themeIcon(pressure.id === 'database' ? { id: 'server', color: null } : pressure);
    item.tooltip = `Kernel-held state of all live agents: ${formatBytes(m.used)} of the ${formatBytes(m.globalLimit)} global limit (aios.memory.globalLimitMiB).\n${plural(m.accounts.length, 'live agent')}; ${plural(m.evictions, 'eviction')} under memory pressure so far.`;
    item.contextValue = 'memory.global';
    return item;
  }
}

class AccountNode implements TreeNode {
  constructor(private readonly account: MemoryAccountView, private readonly name: string) {}

  treeItem(): vscode.TreeItem {
    const a = this.account;
    const item = new vscode.TreeItem(this.name);
    item.id = `memory-${a.pid}`;
    item.description = memoryAccountDescription(a);
    item.iconPath = themeIcon(pressureIcon(a.used, a.quota));
    item.tooltip = [
      `${this.name} (pid ${a.pid}): ${formatBytes(a.used)} of its ${formatBytes(a.quota)} quota (${formatPercent(a.used, a.quota)})`,
      `Context: ${plural(a.residentPages, 'resident page')}, ${formatTokens(a.residentTokens)} tokens; ${plural(a.swappedPages, 'page')} swapped out to the database`,
      `Page faults (recalls of swapped pages): ${a.pageFaults}`,
    ].join('\n');
    item.contextValue = 'memory.agent';
    return item;
  }
}

export function createMemoryView(state: KernelState): { provider: NodeTreeProvider; view: vscode.TreeView<TreeNode> } {
  const provider = new NodeTreeProvider(() => {
    const snapshot = state.snapshot;
    if (!snapshot) return [];
    const names = new Map(snapshot.agents.map((a) => [a.pid, a.name]));
    return [new GlobalMemoryNode(snapshot.memory), ...snapshot.memory.accounts.map((a) => new AccountNode(a, names.get(a.pid) ?? `agent ${a.pid}`))];
  });
  return { provider, view: vscode.window.createTreeView('aios.memory', { treeDataProvider: provider }) };
}
