/**
 * The AIOS extension: one `activate` wires the kernel host, the views, the approval prompts,
 * the status bar, the commands and the settings. Everything registered is disposed with the
 * extension; disposing the supervisor shuts the host down (agents stay in the database).
 */
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { toExtension, toHost } from '../protocol/hostMethods';
import { toExtensionModels } from '../protocol/modelMethods';
import { readCredentials } from './credentials';
import { bindLmBridge } from './lmBridge';
import type { NoticeView } from '../protocol/hostTypes';
import { ActivationTiming } from './activationTiming';
import { ApprovalCenter } from './approvals/approvalCenter';
import { ProposedContentProvider } from './approvals/proposedContent';
import { API_KEY_SECRET, Commands, ContextKeys } from './commandIds';
import { chooseRole, registerAgentCommands } from './commands/agentCommands';
import { DashboardPanels } from './dashboardPanel';
import { registerApprovalCommands } from './commands/approvalCommands';
import { registerKernelCommands, type ImageBuildProgress } from './commands/kernelCommands';
import { chooseHostRuntime, fallbackForAbiError, nodesOnPath, probeNodeAbi, readNativeBuild, stopKernelHost, type OwnRuntime } from './hostRuntime';
import { HostSupervisor } from './hostSupervisor';
import { bindMcpRequests, offerAiosServer, registerMcpCommands } from './mcp';
import { ServeApprovals } from './mcpServeApprovals';
import { KernelState } from './kernelState';
import { PROPOSED_SCHEME } from './proposedPaths';
import { classifyChange, initializeParams, readSettings, type AiosSettings } from './settingsModel';
import { StatusBar } from './statusBar';
import { plural } from './statusText';
import { createAgentsView, type AgentsTreeProvider } from './views/agentsView';
import type { NodeTreeProvider } from './views/nodeTree';
import { createApprovalsView } from './views/approvalsView';
import { createMemoryView } from './views/memoryView';
import { createToolsView } from './views/toolsView';
import { registerTranscripts } from './transcript/registerTranscripts';

/**
 * What `activate` returns: the parts the extension-host tests (test/vscode) look at. Not a
 * public API for other extensions.
 */
export interface AiosTestHandles {
  supervisor: HostSupervisor;
  state: KernelState;
  approvals: ApprovalCenter;
  views: { agents: AgentsTreeProvider; memory: NodeTreeProvider; approvals: NodeTreeProvider; tools: NodeTreeProvider };
  /** what VS Code does on deactivate: disposes every registration, then waits for the kernel host to stop */
  deactivate(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): AiosTestHandles {
  const activatedAt = Date.now();
  const subs = context.subscriptions;
  const log = vscode.window.createOutputChannel('AIOS', { log: true });
  subs.push(log);
  const folder = vscode.workspace.workspaceFolders?.[0];
  void vscode.commands.executeCommand('setContext', ContextKeys.hasWorkspace, Boolean(folder));

  let settings = loadSettings(log);
  let hasApiKey = false;
  const storage = context.storageUri ?? context.globalStorageUri;
  const workspaceRoot = folder?.uri ?? storage;
  const dbPath = () => (settings.databasePath ? resolve(workspaceRoot.fsPath, settings.databasePath) : defaultDatabase(context, workspaceRoot));
  const imageProgress: ImageBuildProgress = { report: null };
  const ownRuntime: OwnRuntime = { abi: process.versions.modules, node: process.version, electron: process.versions['electron'] ?? null };

  // The supervisor binds the extension's side of the protocol to each new connection, so these
  // are read lazily: `state` and `center` exist before the first host starts.
  let state: KernelState;
  let center: ApprovalCenter;
  let transcripts: ReturnType<typeof registerTranscripts>;
  const supervisor = new HostSupervisor({
    hostScript: context.asAbsolutePath(join('dist', 'host.js')),
    log,
    initializeParams: async () => initializeParams(settings, workspaceRoot.fsPath, dbPath(), vscode.workspace.isTrusted),
    execPath: () => {
      const choice = chooseHostRuntime(settings.nodePath, ownRuntime, readNativeBuild(context.asAbsolutePath('dist')), nodesOnPath(), probeNodeAbi);
      log.info(`kernel host runtime: ${choice.why}`);
      return choice.execPath;
    },
    fallbackFor: (error) => fallbackForAbiError(error, nodesOnPath(), probeNodeAbi),
    takeOver: (pid) => stopKernelHost(pid),
    bind: (connection) => [
      connection.onRequest(toExtension.approvalRequested, (view) => center.requested(view)),
      connection.onRequest(toExtension.chooseRole, async (p) => ({ choice: await chooseRole(p) })),
      connection.onNotification(toExtension.approvalClosed, ({ id, reason }) => center.closed(id, reason)),
      connection.onRequest(toExtension.secret, async () => ({ value: (await context.secrets.get(API_KEY_SECRET)) ?? null })),
      connection.onRequest(toExtensionModels.credentials, () => readCredentials(context.secrets, settings.models)),
      ...bindLmBridge(connection, log),
      connection.onNotification(toExtension.changed, ({ events, dropped }) => state.changed(events, dropped)),
      connection.onNotification(toExtension.imageBuildProgress, ({ line }) => imageProgress.report?.(line)),
      ...bindMcpRequests(connection, context.workspaceState, log),
      connection.onNotification(toExtension.transcript, ({ pid, ops }) => transcripts.panels.ops(pid, ops)),
      connection.onNotification(toExtension.questionAsked, (q) => void transcripts.notices.question(q)),
    ],
  });
  state = new KernelState(supervisor, log);
  center = new ApprovalCenter(supervisor, state, workspaceRoot, log);
  subs.push(supervisor, state, center);
  transcripts = registerTranscripts({ extensionUri: context.extensionUri, supervisor, state, center, workspaceRoot, log });
  subs.push(...transcripts.disposables);
  // Start the host first: forking it and opening the database is the slow part of activation.
  if (folder) void supervisor.start({ takeOver: true });
  else log.info('no folder is open: the kernel host starts when you open one');
  subs.push(vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, new ProposedContentProvider(center)));

  // "No agents yet" and the other empty-state texts wait for aios.stateReady. It turns true only
  // once the Agents view has its rows (or is hidden): set before, the welcome text would flash
  // over an empty tree while the first rows are on their way (after a reload, with agents).
  let stateReady = false;
  const markReady = (ready: boolean) => {
    if (stateReady === ready) return;
    stateReady = ready;
    void vscode.commands.executeCommand('setContext', ContextKeys.stateReady, ready);
  };
  const timing = new ActivationTiming(log, activatedAt, () => state);
  const agents = createAgentsView({
    rendered: (count) => {
      timing.rendered(count);
      // after the rows reach the workbench (the answer to this getChildren goes first)
      if (count >= 0) setTimeout(() => markReady(Boolean(state.snapshot)), 0);
    },
  });
  const memory = createMemoryView(state);
  const approvals = createApprovalsView(center);
  const tools = createToolsView(state);
  for (const v of [agents, memory, approvals, tools]) subs.push(v.view, v.provider);

  const statusBar = new StatusBar();
  subs.push(statusBar);
  const updateStatus = () => {
    // a real model is the default when Claude has a key or aios.model names one
    const realDefault = hasApiKey || Boolean(settings.model && !settings.model.startsWith('scripted:'));
    statusBar.update({ host: supervisor.status, snapshot: state.snapshot, pending: center.list().length, hasApiKey: realDefault });
    approvals.view.badge = center.list().length ? { value: center.list().length, tooltip: plural(center.list().length, 'approval request') + ' waiting for you' } : undefined;
  };
  subs.push(
    state.onDidChange((snapshot) => {
      if (!snapshot) markReady(false);
      else if (!agents.view.visible) markReady(true);
      agents.provider.update(snapshot, state.lastTiming?.manual ?? false);
      const names = snapshot ? snapshot.agents.filter((a) => a.state !== 'done' && a.state !== 'failed' && a.state !== 'killed').map((a) => [a.pid, a.name]) : null;
      memory.provider.refreshIfChanged(JSON.stringify(snapshot ? [snapshot.memory, names] : null));
      tools.provider.refreshIfChanged(JSON.stringify(snapshot ? [snapshot.tools, snapshot.rules, snapshot.sandbox, snapshot.mcpServers, snapshot.agents.map((a) => [a.pid, a.name])] : null));
      updateStatus();
    }),
    center.onDidChange(() => {
      approvals.provider.refresh();
      updateStatus();
    }),
    supervisor.onDidChangeStatus((status) => {
      void vscode.commands.executeCommand('setContext', ContextKeys.hostStatus, status);
      updateStatus();
    }),
  );
  const readKey = async () => {
    hasApiKey = Boolean(await context.secrets.get(API_KEY_SECRET));
    updateStatus();
  };
  subs.push(context.secrets.onDidChange((e) => (e.key === API_KEY_SECRET ? void readKey() : undefined)));
  void readKey();

  // The evaluator dashboard (src/webview) reads the safety layer through the host.
  const dashboards = new DashboardPanels(context.extensionUri, {
    load: async () => (await supervisor.whenRunning()).connection.sendRequest(toHost.dashboard),
    onDidChange: (listener, thisArg, disposables) => state.onDidReceiveEvents(() => { listener.call(thisArg, undefined); }, undefined, disposables),
    decide: async (id, decision) => (await (await supervisor.whenRunning()).connection.sendRequest(toHost.decideProposal, { id, decision })).message,
    openAgent: (pid) => transcripts.panels.open(pid),
  });
  subs.push(dashboards, vscode.commands.registerCommand(Commands.openDashboard, () => dashboards.open()));
  subs.push(state.onDidReceiveEvents((events) => {
    for (const e of events) {
      if (!e.notice) continue;
      // This window already said the host crashed and is being restarted: tell the developer once.
      if (e.notice.source === 'host_crash.restore' && supervisor.restartedAfterCrash) continue;
      void showNotice(e.notice, () => dashboards.open());
    }
  }));

  subs.push(
    ...registerAgentCommands({
      supervisor,
      state,
      settings: () => settings,
      hasApiKey: async () => Boolean(await context.secrets.get(API_KEY_SECRET)),
      workspaceScripts: async () => (folder ? (await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '.aios/scripts/*.json'))).map((u) => vscode.workspace.asRelativePath(u, false)).sort() : []),
      builtinScript: context.asAbsolutePath(join('media', 'scripted', 'explore.json')),
      log,
    }),
    ...registerApprovalCommands({ center, supervisor, state, log }),
    ...registerKernelCommands({ supervisor, state, secrets: context.secrets, log, imageProgress, settings: () => settings }),
    ...registerMcpCommands(supervisor, () => state.snapshot?.mcpServers ?? [], log),
    // workspace MCP servers wait for trust: a newly trusted workspace reopens the session
    vscode.workspace.onDidGrantWorkspaceTrust(() => void supervisor.restart('the workspace is now trusted')),
  );
  let serveApprovals: ServeApprovals | null = null;
  const offered = offerAiosServer(() => {
    if (!folder) return null;
    if (!serveApprovals) subs.push((serveApprovals = new ServeApprovals(log)));
    return {
      node: settings.nodePath || process.execPath, cli: context.asAbsolutePath(join('dist', 'cli.js')), workspace: folder.uri.fsPath,
      dbPath: join(dirname(dbPath()), 'mcp-serve.db'), approvalsSocket: serveApprovals.path,
    };
  }, log);
  if (offered) subs.push(offered);

  subs.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('aios')) return;
    const before = settings;
    settings = loadSettings(log);
    void applySettings(before, settings);
  }));
  const applySettings = async (before: AiosSettings, after: AiosSettings) => {
    const change = classifyChange(before, after);
    if (change === 'restart') {
      void vscode.window.showInformationMessage('AIOS: restarting the kernel host to apply the changed settings; agents are restored.');
      await supervisor.restart('settings changed');
    } else if (change === 'live' && supervisor.current) {
      await supervisor.current.connection.sendRequest(toHost.configure, { scheduler: after.scheduler, globalMemoryBytes: after.memory.globalLimitBytes })
        .then(() => log.info('settings applied to the running kernel'), (err: Error) => log.error(`could not apply settings: ${err.message}`));
      if (JSON.stringify(before.mcpServers) !== JSON.stringify(after.mcpServers)) {
        await supervisor.current.connection.sendRequest(toHost.configureMcp, { userServers: after.mcpServers })
          .then(() => log.info('MCP servers from settings applied'), (err: Error) => log.error(`could not apply aios.mcp.servers: ${err.message}`));
      }
      state.refresh();
    }
  };

  updateStatus();
  void vscode.commands.executeCommand('setContext', ContextKeys.hostStatus, supervisor.status);
  log.info(`activated in ${Date.now() - activatedAt} ms`);
  return {
    supervisor, state, approvals: center,
    views: { agents: agents.provider, memory: memory.provider, approvals: approvals.provider, tools: tools.provider },
    deactivate: async () => {
      const stopped = supervisor.stop();
      for (const d of subs.splice(0).reverse()) d.dispose();
      await stopped;
    },
  };
}

/**
 * The extension's storage, one database per workspace folder. Not `storageUri`: VS Code gives a
 * second window on the same folder (in code-server: a new browser tab while the old one's
 * extension host lingers) another workspace storage, and its agents would seem to vanish.
 */
function defaultDatabase(context: vscode.ExtensionContext, folder: vscode.Uri): string {
  const key = createHash('sha256').update(folder.toString()).digest('hex').slice(0, 16);
  return join(context.globalStorageUri.fsPath, 'workspaces', key, 'aios.db');
}

/** A playbook or health notice from the kernel, with an Open Dashboard button when it helps. */
async function showNotice(notice: NoticeView, openDashboard: () => void): Promise<void> {
  const show = notice.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const actions = notice.openDashboard ? ['Open Dashboard'] : [];
  if ((await show(`AIOS: ${notice.message}`, ...actions)) === 'Open Dashboard') openDashboard();
}

/** Reads the settings and reports refused values once per change. */
function loadSettings(log: vscode.LogOutputChannel): AiosSettings {
  const config = vscode.workspace.getConfiguration('aios');
  const { settings, problems } = readSettings((key) => config.get(key), (key) => config.inspect(key), vscode.workspace.isTrusted);
  for (const p of problems) {
    log.warn(p.message);
    void vscode.window.showWarningMessage(`AIOS: ${p.message}`);
  }
  return settings;
}
