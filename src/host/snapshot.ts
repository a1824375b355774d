/** Reads a kernel session into the wire snapshot the extension's views render. */
import { isTerminal } from '../kernel/processTable';
import type { StandingRule } from '../kernel/ports/policy';
import type { ToolSpec } from '../kernel/ports/tools';
import type { Kernel } from '../kernel/kernel';
import type { AgentRecord } from '../kernel/types';
import { tableBilling } from '../llm/modelCatalog';
import { parseModelSpec } from '../llm/modelSpec';
import type { McpServerView } from '../protocol/mcpTypes';
import type { AgentView, ApprovalView, MemoryView, RoleView, RuleView, SandboxStatusView, SchedulerView, StateSnapshot, ToolView } from '../protocol/hostTypes';

/** What a snapshot is read from. */
export interface SnapshotSource {
  version: number;
  host: StateSnapshot['host'];
  kernel: Kernel;
  tools: ToolSpec[];
  rules: StandingRule[];
  approvals: ApprovalView[];
  sandbox: SandboxStatusView;
  roles: RoleView[];
  mcpServers?: McpServerView[];
  /** how each model's spending is counted (default: from the built-in tables only) */
  billing?: (model: string) => NonNullable<AgentView['billing']>;
}

export function buildSnapshot(source: SnapshotSource): StateSnapshot {
  const { kernel } = source;
  return {
    version: source.version,
    host: source.host,
    agents: kernel.agents.list().map((a) => ({ ...toAgentViewWith(a, source.billing ?? tableBilling), suspending: kernel.pendingSuspension(a.pid) ?? null })),
    memory: memoryView(kernel),
    tools: source.tools.map(toToolView),
    rules: source.rules.map(toRuleView),
    approvals: source.approvals,
    scheduler: schedulerView(kernel),
    sandbox: source.sandbox,
    roles: source.roles,
    mcpServers: source.mcpServers ?? [],
  };
}

/** The wire form of an agent record (Infinity budgets become null). */
export function toAgentView(a: AgentRecord): AgentView {
  return toAgentViewWith(a, tableBilling);
}

/** The wire form, with the spending of the agent's model counted as `billing` says. */
export function toAgentViewWith(a: AgentRecord, billing: (model: string) => NonNullable<AgentView['billing']>): AgentView {
  return {
    pid: a.pid,
    name: a.name,
    role: a.role,
    priority: a.priority,
    state: a.state,
    waitReason: a.waitReason,
    reason: a.reason,
    parent: a.parent,
    task: a.task,
    model: a.model,
    scripted: isScripted(a.model),
    billing: isScripted(a.model) ? 'scripted' : billing(a.model),
    budgets: { tokens: finite(a.budgets.tokens), dollars: finite(a.budgets.dollars), steps: finite(a.budgets.steps) },
    usage: { inputTokens: a.usage.inputTokens, outputTokens: a.usage.outputTokens, cacheReadTokens: a.usage.cacheReadTokens, dollars: a.usage.dollars, steps: a.usage.steps },
    capabilities: [...a.capabilities],
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    result: a.result,
  };
}

/** Whether a model setting names the offline scripted model (the process table's default 'scripted' included). */
export function isScripted(model: string): boolean {
  if (model.trim() === 'scripted') return true;
  try {
    return parseModelSpec(model).kind === 'scripted';
  } catch {
    return false;
  }
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** Live agents' accounts, most pressure first, with their paging counters. */
function memoryView(kernel: Kernel): MemoryView {
  const stats = kernel.quotas.stats();
  const accounts: MemoryView['accounts'] = [];
  for (const a of kernel.quotas.byPressure()) {
    const agent = kernel.agents.find(a.pid);
    if (!agent || isTerminal(agent.state)) continue;
    const m = kernel.contexts.has(a.pid) ? kernel.contexts.metrics(a.pid) : null;
    accounts.push({
      pid: a.pid,
      used: a.used,
      quota: a.quota,
      swappedPages: m?.swappedPages ?? 0,
      residentPages: m?.residentPages ?? 0,
      residentTokens: m?.residentTokens ?? 0,
      pageFaults: m?.pageFaults ?? 0,
    });
  }
  return { globalLimit: stats.globalLimit, used: stats.used, evictions: stats.evictions, accounts };
}

function schedulerView(kernel: Kernel): SchedulerView {
  const s = kernel.scheduling.settings;
  return {
    policy: s.policy,
    maxConcurrent: s.maxConcurrent,
    requestsPerMinute: finite(s.requestsPerMinute),
    tokensPerMinute: finite(s.tokensPerMinute),
    running: kernel.scheduling.runningCount,
    ready: kernel.scheduling.readyCount,
  };
}

function toToolView(t: ToolSpec): ToolView {
  return { name: t.name, description: t.description, risk: t.risk, capabilities: [...t.capabilities] };
}

function toRuleView(r: StandingRule): RuleView {
  return { id: r.id, tool: r.tool, pattern: r.pattern, scope: r.scope, pid: r.pid, expiresAt: r.expiresAt, createdAt: r.createdAt };
}
