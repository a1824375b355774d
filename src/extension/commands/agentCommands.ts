/** Spawn Agent, Route Task, and Suspend / Resume / Kill / Renice (palette picker or view menu). */
import * as vscode from 'vscode';
import { guardedCommand } from './guardedCommand';
import { toHost, type ChooseRoleParams, type SpawnParams } from '../../protocol/hostMethods';
import type { AgentStateName, AgentView, CapabilityName, RoleView } from '../../protocol/hostTypes';
import { Commands } from '../commandIds';
import { agentDescription, isLive } from '../format';
import type { HostSupervisor, RunningHost } from '../hostSupervisor';
import type { KernelState } from '../kernelState';
import type { AiosSettings } from '../settingsModel';
import {
  defaultModel, parseTokenBudget, roleCapabilities, ROLES, validateModel, validatePriority, validateRole, validateTask, validateTokenBudget,
} from '../spawnInput';
import { AgentNode } from '../views/agentsView';
import { toHostModels } from '../../protocol/modelMethods';
import { listLmModels } from '../lmBridge';
import { isTokensOnly, modelPickRows } from '../modelPickItems';
import { plural } from '../../text/plural';

/** What the agent commands use. */
export interface AgentCommandDeps {
  supervisor: HostSupervisor;
  state: KernelState;
  settings: () => AiosSettings;
  hasApiKey: () => Promise<boolean>;
  /** workspace-relative paths of `.aios/scripts/*.json` */
  workspaceScripts: () => Promise<string[]>;
  /** absolute path of the script shipped with the extension */
  builtinScript: string;
  log: vscode.LogOutputChannel;
}

export function registerAgentCommands(deps: AgentCommandDeps): vscode.Disposable[] {
  const run = (id: string, fn: (...args: unknown[]) => Promise<void>) => guardedCommand(deps.log, id, fn);
  return [
    run(Commands.spawnAgent, () => spawnAgent(deps)),
    run(Commands.routeTask, () => routeTask(deps)),
    run(Commands.suspendAgent, async (arg) => {
      const agent = await targetAgent(deps, arg, ['new', 'ready', 'running', 'waiting'], 'Suspend which agent?');
      if (!agent) return;
      const host = await requireHost(deps.supervisor);
      const { when } = await host.connection.sendRequest(toHost.suspend, { pid: agent.pid });
      deps.state.refresh();
      if (when !== 'step_end') return;
      const abort = 'Abort the Call in Flight';
      if ((await vscode.window.showInformationMessage(`${agent.name}: suspending after this step.`, abort)) !== abort) return;
      const { aborted } = await (await requireHost(deps.supervisor)).connection.sendRequest(toHost.abortStep, { pid: agent.pid });
      if (!aborted) void vscode.window.showInformationMessage(`${agent.name} had no call in flight any more.`);
      deps.state.refresh();
    }),
    run(Commands.resumeAgent, async (arg) => {
      const agent = await targetAgent(deps, arg, ['suspended'], 'Resume which agent?');
      if (!agent) return;
      await (await requireHost(deps.supervisor)).connection.sendRequest(toHost.resume, { pid: agent.pid });
      deps.state.refresh();
    }),
    run(Commands.killAgent, async (arg) => {
      const agent = await targetAgent(deps, arg, ['new', 'ready', 'running', 'waiting', 'suspended'], 'Kill which agent? (its child agents stop too)');
      if (!agent) return;
      // Only live agents get here (a finished one has nothing to kill): killing cannot be undone, so ask.
      const children = deps.state.snapshot?.agents.filter((a) => a.parent === agent.pid && isLive(a.state)).length ?? 0;
      const detail = `It stops at once${children ? `, and so ${children === 1 ? 'does its child agent' : `do its ${children} child agents`}` : ''}, and a request waiting for your approval is withdrawn. A killed agent cannot be resumed; its history stays on the dashboard.`;
      if ((await vscode.window.showWarningMessage(`Kill ${agent.name}?`, { modal: true, detail }, 'Kill')) !== 'Kill') return;
      const { killed } = await (await requireHost(deps.supervisor)).connection.sendRequest(toHost.kill, { pid: agent.pid });
      deps.log.info(`killed ${agent.name}${killed.length > 1 ? ` and ${plural(killed.length - 1, 'child agent')}` : ''}`);
      deps.state.refresh();
    }),
    run(Commands.reniceAgent, async (arg) => {
      const agent = await targetAgent(deps, arg, ['new', 'ready', 'running', 'waiting', 'suspended'], 'Change the priority of which agent?');
      if (!agent) return;
      const text = await vscode.window.showInputBox({
        title: `AIOS: Change the priority of ${agent.name}`,
        prompt: 'New priority: 0 is the most urgent, 99 the least',
        value: String(agent.priority),
        validateInput: validatePriority,
      });
      if (text === undefined) return;
      await (await requireHost(deps.supervisor)).connection.sendRequest(toHost.renice, { pid: agent.pid, priority: Number(text.trim()) });
      deps.state.refresh();
    }),
  ];
}

/** The running host (waiting while it starts), or an error that says what to do. */
export function requireHost(supervisor: HostSupervisor): Promise<RunningHost> {
  return supervisor.whenRunning();
}

async function spawnAgent(deps: AgentCommandDeps): Promise<void> {
  await requireHost(deps.supervisor); // fail (or wait) before asking five questions
  const steps = 5;
  const task = await vscode.window.showInputBox({
    title: `AIOS: Spawn Agent (1/${steps}): task`,
    prompt: 'What should the agent do?',
    placeHolder: 'e.g. Fix the greeting for an empty name in src/greet.js',
    ignoreFocusOut: true,
    validateInput: validateTask,
  });
  if (task === undefined) return;
  const role = await pickRole(roleViews(deps), `AIOS: Spawn Agent (2/${steps}): role`);
  if (!role) return;
  const priorityText = await vscode.window.showInputBox({
    title: `AIOS: Spawn Agent (3/${steps}): priority`,
    prompt: '0 is the most urgent, 99 the least',
    value: '50',
    ignoreFocusOut: true,
    validateInput: validatePriority,
  });
  if (priorityText === undefined) return;
  const model = await pickModel(deps, role, `AIOS: Spawn Agent (4/${steps}): model`);
  if (!model) return;
  const settings = deps.settings();
  const budgetText = await vscode.window.showInputBox({
    title: `AIOS: Spawn Agent (5/${steps}): token budget`,
    prompt: 'Input + output tokens the agent may use before it is suspended (0 = unlimited)',
    value: String(settings.budgets.tokens ?? 0),
    ignoreFocusOut: true,
    validateInput: validateTokenBudget,
  });
  if (budgetText === undefined) return;
  const capabilities = roleViews(deps).find((r) => r.name === role)?.capabilities ?? roleCapabilities(role);
  const params = spawnParams(settings, { task: task.trim(), role, priority: Number(priorityText.trim()), model, tokens: parseTokenBudget(budgetText), capabilities });
  const agent = await (await requireHost(deps.supervisor)).connection.sendRequest(toHost.spawn, params);
  deps.log.info(`spawned ${agent.name} (pid ${agent.pid}) on ${agent.model}${agent.scripted ? ' (offline scripted model)' : ''}`);
  deps.state.refresh();
}

/**
 * Route Task: the kernel's router picks the role (asking the developer through `chooseRole` when
 * unsure) and gives the task to an idle agent of that role or spawns one.
 */
async function routeTask(deps: AgentCommandDeps): Promise<void> {
  await requireHost(deps.supervisor);
  const task = await vscode.window.showInputBox({
    title: 'AIOS: Route Task',
    prompt: 'Describe the task; the router picks the kind of agent (it asks you when unsure)',
    placeHolder: 'e.g. Review src/stats.js for edge cases',
    ignoreFocusOut: true,
    validateInput: validateTask,
  });
  if (task === undefined) return;
  const settings = deps.settings();
  const [hasKey, scripts] = await Promise.all([deps.hasApiKey(), deps.workspaceScripts()]);
  const roles = roleViews(deps);
  const modelFor = (role: string) => defaultModel({ setting: settings.model, hasApiKey: hasKey, role, scripts, builtinScript: deps.builtinScript });
  const host = await requireHost(deps.supervisor);
  const result = await host.connection.sendRequest(toHost.routeTask, {
    task: task.trim(),
    priority: 50,
    budgets: isTokensOnly(modelFor('')) ? { ...settings.budgets, dollars: null } : settings.budgets,
    context: settings.context,
    defaultModel: modelFor(''),
    modelByRole: Object.fromEntries(roles.map((r) => [r.name, modelFor(r.name)])),
    capabilitiesByRole: Object.fromEntries(roles.map((r) => [r.name, r.capabilities ?? roleCapabilities(r.name)])),
  });
  const how = `${result.tier}, ${Math.round(result.confidence * 100)}%: ${result.reason}`;
  deps.log.info(`routed "${task.trim()}" to ${result.role} (${how}) → ${result.agent.name}${result.reused ? ' (an idle agent took it)' : ''}`);
  void vscode.window.showInformationMessage(`Task routed to ${result.agent.name} (${result.role}; ${how})${result.agent.scripted ? ' · scripted model' : ''}.`);
  deps.state.refresh();
}

/** The router's roles when the kernel is up, else the built-in presets. */
function roleViews(deps: AgentCommandDeps): RoleView[] {
  const roles = deps.state.snapshot?.roles;
  if (roles?.length) return roles;
  return ROLES.map((r) => ({ name: r.role, description: r.description, capabilities: r.capabilities }));
}

/** The quick pick the host asks for when the router is unsure. */
export async function chooseRole(p: ChooseRoleParams): Promise<{ role: string; reason: string } | null> {
  const suggested = new Set(p.suggestion.candidates.map((c) => c.role));
  const items: (vscode.QuickPickItem & { role: string })[] = [
    ...p.suggestion.candidates.map((c) => ({ label: c.role, description: `suggested · score ${c.score.toFixed(2)}`, detail: p.roles.find((r) => r.name === c.role)?.description, role: c.role })),
    ...p.roles.filter((r) => !suggested.has(r.name)).map((r) => ({ label: r.name, description: '', detail: r.description, role: r.name })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: p.suggestion.candidates.length
      ? `AIOS: Route Task: the router is unsure (best guess ${p.suggestion.role}, ${Math.round(p.suggestion.confidence * 100)}%). Which kind of agent?`
      : 'AIOS: Route Task: no role matches this task. Which kind of agent?',
    placeHolder: p.task,
    ignoreFocusOut: true,
    matchOnDetail: true,
  });
  return picked ? { role: picked.role, reason: 'chosen by the developer' } : null;
}

function spawnParams(settings: AiosSettings, p: { task: string; role: string; priority: number; model: string; tokens: number | null; capabilities: CapabilityName[] }): SpawnParams {
  return {
    task: p.task,
    role: p.role,
    priority: p.priority,
    model: p.model,
    // models that report no dollars are budgeted in tokens and requests (steps) only
    budgets: { tokens: p.tokens, dollars: isTokensOnly(p.model) ? null : settings.budgets.dollars, steps: settings.budgets.steps },
    context: settings.context,
    capabilities: p.capabilities,
    parent: null,
  };
}

async function pickRole(roles: readonly RoleView[], title: string): Promise<string | undefined> {
  const other = 'Other role…';
  const items: vscode.QuickPickItem[] = [...roles.map((r) => ({ label: r.name, description: r.description })), { label: other, description: 'type a role name' }];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Role of the agent', ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.label !== other) return picked.label;
  const typed = await vscode.window.showInputBox({ title, prompt: 'Role name', validateInput: validateRole, ignoreFocusOut: true });
  return typed?.trim();
}

async function pickModel(deps: AgentCommandDeps, role: string, title: string): Promise<string | undefined> {
  const [hasKey, scripts, host] = await Promise.all([deps.hasApiKey(), deps.workspaceScripts(), requireHost(deps.supervisor)]);
  const fallback = defaultModel({ setting: deps.settings().model, hasApiKey: hasKey, role, scripts, builtinScript: deps.builtinScript });
  const [configured, lm] = await Promise.all([
    host.connection.sendRequest(toHostModels.models).catch((err: Error) => { deps.log.warn(`model list: ${err.message}`); return []; }),
    listLmModels().catch((err: Error) => ({ available: false as const, reason: err.message })),
  ]);
  const rows = modelPickRows({ fallback, scripts, configured, lm });
  const other = 'Other model…';
  const items: Array<vscode.QuickPickItem & { spec?: string | null }> = rows.map((r) => (r.kind === 'separator'
    ? { label: r.label, kind: vscode.QuickPickItemKind.Separator }
    : { label: r.label, description: r.description, detail: r.detail, spec: r.spec }));
  items.push({ label: other, description: 'any spec: claude-…, openai:…, openrouter:…, ollama:…, lmstudio:…, vscode-lm:…, NAME:MODEL, scripted:PATH' });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: hasKey ? 'Model' : 'Model (no Anthropic key: the scripted model is the default)', ignoreFocusOut: true, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.label !== other) {
    if (picked.spec === null) {
      void vscode.window.showWarningMessage(`AIOS: ${picked.label} — ${picked.description ?? ''}`);
      return undefined;
    }
    if (picked.spec && isTokensOnly(picked.spec)) void vscode.window.showInformationMessage(`AIOS: ${picked.spec} reports no dollar cost: this agent's budget counts tokens (countTokens) and requests (steps), not dollars.`);
    return picked.spec ?? picked.label;
  }
  const typed = await vscode.window.showInputBox({ title, prompt: 'Model spec, e.g. openrouter:anthropic/claude-sonnet-4.5, ollama:qwen3:8b or scripted:PATH', validateInput: validateModel, ignoreFocusOut: true });
  return typed?.trim();
}

/** The agent a command acts on: from the view's menu, or picked from those in `states`. */
async function targetAgent(deps: AgentCommandDeps, arg: unknown, states: readonly AgentStateName[], placeHolder: string): Promise<AgentView | undefined> {
  if (arg instanceof AgentNode) return arg.agent;
  const agents = (deps.state.snapshot?.agents ?? []).filter((a) => states.includes(a.state));
  if (agents.length === 0) {
    void vscode.window.showInformationMessage(`No agent is ${states.join(' or ')}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    agents.map((a) => ({ label: a.name, description: agentDescription(a), detail: a.task, agent: a })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.agent;
}
