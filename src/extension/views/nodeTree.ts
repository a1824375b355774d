/** A tree provider that only delegates: nodes render themselves and know their children. */
import * as vscode from 'vscode';

/** A node of one of the AIOS trees. */
export interface TreeNode {
  treeItem(): vscode.TreeItem;
  children?(): TreeNode[];
}

export class NodeTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;

  /** `roots()` is called each time the view asks; `onRoots` sees every answer (for timing). */
  constructor(private readonly roots: () => TreeNode[], private readonly onRoots?: (count: number) => void) {}

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.treeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node) return node.children?.() ?? [];
    const roots = this.roots();
    this.onRoots?.(roots.length);
    return roots;
  }

  private lastKey: string | null = null;

  refresh(): void {
    this.emitter.fire();
  }

  /** Refreshes only when `key` (what the view shows, serialized) differs from the last one. */
  refreshIfChanged(key: string): void {
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** A fixed line of text (an empty group's explanation). */
export class MessageNode implements TreeNode {
  constructor(private readonly label: string, private readonly icon?: string, private readonly tooltip?: string) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label);
    if (this.icon) item.iconPath = new vscode.ThemeIcon(this.icon);
    item.tooltip = this.tooltip;
    item.contextValue = 'message';
    return item;
  }
}

/** A heading with children, expanded. */
export class GroupNode implements TreeNode {
  constructor(
    private readonly id: string,
    private readonly label: string,
    private readonly description: string,
    private readonly icon: string,
    private readonly kids: TreeNode[],
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = this.description;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = `group.${this.id}`;
    return item;
  }

  children(): TreeNode[] {
    return this.kids;
  }
}

/** A ThemeIcon with an optional theme colour. */
export function themeIcon(icon: { id: string; color: string | null }): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}
