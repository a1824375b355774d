/** The Agents view's process tree: children under parents, live agents first. Plain logic, no `vscode`. */
import type { AgentView } from '../protocol/hostTypes';
import { isLive } from './format';

/** An agent with its child agents. */
export interface AgentTreeEntry {
  agent: AgentView;
  children: AgentTreeEntry[];
}

/**
 * Roots are agents without a (known) parent. Siblings: live agents by pid, then finished ones,
 * most recently changed first. O(n log n) for n agents.
 */
export function buildAgentForest(agents: readonly AgentView[]): AgentTreeEntry[] {
  const entries = new Map<number, AgentTreeEntry>();
  for (const agent of agents) entries.set(agent.pid, { agent, children: [] });
  const roots: AgentTreeEntry[] = [];
  for (const entry of entries.values()) {
    const parent = entry.agent.parent === null ? undefined : entries.get(entry.agent.parent);
    if (parent && parent !== entry) parent.children.push(entry);
    else roots.push(entry);
  }
  const sortLevel = (list: AgentTreeEntry[]) => {
    list.sort(compareEntries);
    for (const e of list) if (e.children.length) sortLevel(e.children);
  };
  sortLevel(roots);
  return roots;
}

function compareEntries(x: AgentTreeEntry, y: AgentTreeEntry): number {
  const a = x.agent;
  const b = y.agent;
  const la = isLive(a.state);
  const lb = isLive(b.state);
  if (la !== lb) return la ? -1 : 1;
  return la ? a.pid - b.pid : b.updatedAt - a.updatedAt || b.pid - a.pid;
}
